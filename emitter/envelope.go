package emitter

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Envelope is one webhook body. Its fields are encoded in the documented
// order: timestamp, sessionId, sequence, event, severity, payload.
type Envelope struct {
	// Timestamp is the event's time in Unix seconds.
	Timestamp int64
	// SessionID is the ID the customer gave in the call-in URL.
	SessionID string
	// Sequence is 0 for a session's first event, +1 for each after it.
	Sequence int64
	Event    string
	Severity Severity
	// Payload is left out of the body when empty, as WMS does for events
	// that carry none.
	Payload Payload
}

// PayloadField is one key of a payload, kept in order so that bodies are
// reproducible byte for byte.
type PayloadField struct {
	Key   string
	Value any
}

// Payload is an ordered JSON object. Values may be string, bool, nil, any Go
// integer or float, json.Number, []any, map[string]any or Payload.
type Payload []PayloadField

// Get returns the value stored under key.
func (p Payload) Get(key string) (any, bool) {
	for _, f := range p {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// Set replaces the value under key, or appends it when absent.
func (p Payload) Set(key string, value any) Payload {
	for i := range p {
		if p[i].Key == key {
			p[i].Value = value
			return p
		}
	}
	return append(p, PayloadField{key, value})
}

// Delete removes key.
func (p Payload) Delete(key string) Payload {
	for i := range p {
		if p[i].Key == key {
			return append(p[:i], p[i+1:]...)
		}
	}
	return p
}

// MarshalJSON encodes the payload as AppendJSON does.
func (p Payload) MarshalJSON() ([]byte, error) { return appendObject(nil, p) }

// MarshalJSON encodes the envelope as AppendJSON does.
func (e *Envelope) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil) }

// AppendJSON appends the body WMS would send for e. The output is pure
// ASCII: every non-ASCII character is escaped as \uXXXX, because the
// vendor's documented verifier hashes the body as a Node.js 'ascii' string,
// which agrees with a raw-byte HMAC only on ASCII bodies. '<', '>' and '&'
// are not escaped, unlike encoding/json's default.
func (e *Envelope) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"timestamp":`...)
	dst = strconv.AppendInt(dst, e.Timestamp, 10)
	dst = append(dst, `,"sessionId":`...)
	dst = appendString(dst, e.SessionID)
	dst = append(dst, `,"sequence":`...)
	dst = strconv.AppendInt(dst, e.Sequence, 10)
	dst = append(dst, `,"event":`...)
	dst = appendString(dst, e.Event)
	dst = append(dst, `,"severity":`...)
	dst = appendString(dst, string(e.Severity))
	if len(e.Payload) > 0 {
		var err error
		dst = append(dst, `,"payload":`...)
		if dst, err = appendObject(dst, e.Payload); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func appendObject(dst []byte, p Payload) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range p {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, f.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, f.Value); err != nil {
			return nil, fmt.Errorf("payload field %q: %w", f.Key, err)
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case float32:
		return appendFloat(dst, float64(v))
	case float64:
		return appendFloat(dst, v)
	case json.Number:
		if !json.Valid([]byte(v)) {
			return nil, fmt.Errorf("%q is not a JSON number", string(v))
		}
		return append(dst, v...), nil
	case Payload:
		return appendObject(dst, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		p := make(Payload, 0, len(v))
		for _, k := range keys {
			p = append(p, PayloadField{k, v[k]})
		}
		return appendObject(dst, p)
	case []any:
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, x); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	default:
		return nil, fmt.Errorf("cannot encode a %T as JSON", v)
	}
}

func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%v is not a JSON number", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 64), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string of ASCII bytes only. Invalid UTF-8
// becomes U+FFFD, as encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendUnicodeEscape(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			r1, r2 := surrogates(r)
			dst = appendUnicodeEscape(dst, r1)
			dst = appendUnicodeEscape(dst, r2)
		} else {
			dst = appendUnicodeEscape(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendUnicodeEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
