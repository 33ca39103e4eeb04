package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a JSON object with its keys in their order: a scenario's
// mappings keep their order in the body, so a payload written back from a
// capture is sent with the keys as captured.
type object []member

type member struct {
	key   string
	value any // nil, bool, string, json.Number, []any or object
}

// decodeObject decodes the JSON object data, keeping key order. It refuses
// a key given twice and a number no float64 holds (1e400), which a
// scenario cannot carry.
func decodeObject(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(object)
	if !ok {
		return nil, errors.New("the payload is not a JSON object")
	}
	return obj, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		obj := object{}
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := k.(string)
			if seen[key] {
				return nil, fmt.Errorf("the key %q appears twice in one object", key)
			}
			seen[key] = true
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{key, v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Number:
		if f, err := strconv.ParseFloat(string(tok), 64); err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("the number %s is too large for a scenario", tok)
		}
		return tok, nil
	}
	return tok, nil
}

// get returns the value under key.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// plainWord is a YAML scalar that needs no quotes in a flow collection.
func plainWord(s string) bool {
	if s == "" || !(s[0] == '_' || s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c == '.' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		return false // YAML reads them as booleans or null, some tools even the 1.1 ones
	}
	return true
}

// appendScalar appends s as YAML: a plain word as it is, anything else
// double-quoted with every character outside printable ASCII escaped, so
// that no YAML reader folds, drops or refuses a character of it.
func appendScalar(dst []byte, s string) []byte {
	if plainWord(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r >= 0x20 && r < 0x7f:
			dst = append(dst, byte(r))
		case r == utf8.RuneError:
			dst = append(dst, `\ufffd`...)
		case r < 0x10000:
			dst = fmt.Appendf(dst, `\u%04x`, r)
		default: // YAML refuses surrogate pairs: \U takes the whole code point
			dst = fmt.Appendf(dst, `\U%08x`, r)
		}
	}
	return append(dst, '"')
}

// appendValue appends a decoded JSON value as YAML flow: the scenario
// parser reads it back as the same JSON value.
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case json.Number:
		return append(dst, v...)
	case string:
		return appendScalar(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendValue(dst, x)
		}
		return append(dst, ']')
	case object:
		dst = append(dst, '{')
		for i, m := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendScalar(dst, m.key)
			dst = append(dst, ": "...)
			dst = appendValue(dst, m.value)
		}
		return append(dst, '}')
	}
	panic(fmt.Sprintf("replay: a %T is not a decoded JSON value", v))
}
