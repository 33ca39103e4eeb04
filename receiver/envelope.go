package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// ErrBadEnvelope is wrapped by every reason a validly signed body is refused
// with 400: it is not a UTF-8 JSON object with the five envelope fields.
var ErrBadEnvelope = errors.New("bad envelope")

// maxEcho is how many bytes of attacker-controlled text (a session ID, an
// event name, a value) go into a log line, a finding or an answer.
const maxEcho = 40

// maxDepth bounds JSON nesting. A real envelope is three levels deep; the
// bound keeps a hostile body from costing more than its size.
const maxDepth = 32

// Envelope is the parsed form of one webhook body.
type Envelope struct {
	Timestamp int64
	SessionID string
	Sequence  int64
	Event     string
	Severity  string
	// Payload is the payload's JSON, nil when the body has none.
	Payload json.RawMessage
}

// Record is one accepted event as the receiver keeps it.
type Record struct {
	Envelope
	// Body is the body as received, minus insignificant whitespace so that it
	// fits on one line of the events file. Unknown fields are kept.
	Body       json.RawMessage
	ReceivedAt time.Time

	// measurementID is the payload's measurementId, and resultSeq an
	// INTERMEDIATE_RESULTS' payload.sequence when hasResultSeq; checkEvent
	// sets them for the per-session check.
	measurementID string
	resultSeq     int64
	hasResultSeq  bool
	// arrival orders a session's events as they were stored; late is set
	// when a higher sequence of its session was stored before it, and
	// redeliveries counts the copies answered as duplicates since.
	arrival      uint64
	late         bool
	redeliveries int
}

// Arrival is the event's place among all events the receiver stored, from
// 1: comparing it across a session's events shows the order they came in,
// which a receiver must not depend on.
func (r Record) Arrival() uint64 { return r.arrival }

// Late reports whether an event with a higher sequence of the same session
// was stored before this one: it arrived out of order.
func (r Record) Late() bool { return r.late }

// Redeliveries counts the copies of this event that arrived after it and
// were answered as duplicates.
func (r Record) Redeliveries() int { return r.redeliveries }

// MeasurementID is the payload's measurementId, "" when it has none.
func (r Record) MeasurementID() string { return r.measurementID }

// line is a Record as the events file and GET /events carry it: the
// envelope as it arrived, unknown fields included, and when it arrived.
type line struct {
	ReceivedAt time.Time       `json:"receivedAt"`
	Envelope   json.RawMessage `json:"envelope"`
}

// MarshalJSON encodes r as one line of the events file.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(line{ReceivedAt: r.ReceivedAt, Envelope: r.Body})
}

// appendLine appends r's events-file line, newline included.
func (r *Record) appendLine(dst []byte) []byte {
	dst = append(dst, `{"receivedAt":"`...)
	dst = r.ReceivedAt.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","envelope":`...)
	dst = append(dst, r.Body...)
	return append(dst, "}\n"...)
}

// decode parses a body into a Record. It is strict where leniency would be
// ambiguous and lenient where strictness would break forward compatibility:
//   - invalid UTF-8, a repeated key or nesting beyond maxDepth is refused,
//     because parsers disagree on what such a body means and a signed body
//     must mean one thing;
//   - the five envelope fields must be present with their JSON types, and
//     integers must be plain integers that fit in 64 bits;
//   - unknown fields, unknown events and any payload are accepted: WMS may
//     add them later, and the contract check reports them instead.
func decode(body []byte) (*Record, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: the body is not valid UTF-8", ErrBadEnvelope)
	}
	var compact bytes.Buffer
	compact.Grow(len(body))
	if err := json.Compact(&compact, body); err != nil {
		return nil, fmt.Errorf("%w: the body is not valid JSON: %v", ErrBadEnvelope, err)
	}
	rec := &Record{Body: compact.Bytes()}
	if err := parseEnvelope(rec.Body, &rec.Envelope); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	return rec, nil
}

// parseEnvelope reads the envelope fields of body, which json.Compact has
// already validated and stripped of whitespace. It does not unmarshal into
// a struct: encoding/json matches keys case-insensitively and keeps the
// last of repeated keys, so {"sequence":1,"SEQUENCE":2} would silently mean
// 2. Payload ends up a sub-slice of body.
func parseEnvelope(body []byte, env *Envelope) error {
	if body[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	const (
		hasTimestamp = 1 << iota
		hasSessionID
		hasSequence
		hasEvent
		hasSeverity
		hasAll = 1<<iota - 1
	)
	have := 0
	w := walker{b: body}
	err := w.object(1, func(key string) (err error) {
		switch key {
		case "timestamp":
			env.Timestamp, err = w.int(key)
			have |= hasTimestamp
		case "sessionId":
			env.SessionID, err = w.string(key)
			have |= hasSessionID
		case "sequence":
			env.Sequence, err = w.int(key)
			have |= hasSequence
		case "event":
			env.Event, err = w.string(key)
			have |= hasEvent
		case "severity":
			env.Severity, err = w.string(key)
			have |= hasSeverity
		case "payload":
			start := w.i
			if err = w.value(2); err == nil {
				env.Payload = body[start:w.i:w.i]
			}
		default:
			err = w.value(2)
		}
		return err
	})
	if err != nil {
		return err
	}
	if have != hasAll {
		var missing []string
		for i, name := range []string{"timestamp", "sessionId", "sequence", "event", "severity"} {
			if have&(1<<i) == 0 {
				missing = append(missing, name)
			}
		}
		return fmt.Errorf("missing envelope field(s) %q", missing)
	}
	return nil
}

// walker steps through compact JSON that is already known to be valid, so
// it only has to find where each value ends. It refuses what valid JSON
// still allows and a signed body must not have: repeated keys and nesting
// beyond maxDepth.
type walker struct {
	b []byte
	i int
}

// object walks the object at w.i, calling member with w.i on each value;
// member must step over the value.
func (w *walker) object(depth int, member func(key string) error) error {
	if depth > maxDepth {
		return fmt.Errorf("JSON nested deeper than %d levels", maxDepth)
	}
	seen := make(map[string]bool)
	w.i++ // {
	for w.b[w.i] != '}' {
		key := w.str()
		if seen[key] {
			return fmt.Errorf("the key %q appears twice in one object", humanize.Clip(key, maxEcho))
		}
		seen[key] = true
		w.i++ // :
		if err := member(key); err != nil {
			return err
		}
		if w.b[w.i] == ',' {
			w.i++
		}
	}
	w.i++ // }
	return nil
}

// value steps over the value at w.i.
func (w *walker) value(depth int) error {
	switch w.b[w.i] {
	case '{':
		return w.object(depth, func(string) error { return w.value(depth + 1) })
	case '[':
		if depth > maxDepth {
			return fmt.Errorf("JSON nested deeper than %d levels", maxDepth)
		}
		w.i++
		for w.b[w.i] != ']' {
			if err := w.value(depth + 1); err != nil {
				return err
			}
			if w.b[w.i] == ',' {
				w.i++
			}
		}
		w.i++
	case '"':
		w.str()
	default: // number, true, false or null: runs to the next delimiter
		for w.i < len(w.b) && strings.IndexByte(",]}", w.b[w.i]) < 0 {
			w.i++
		}
	}
	return nil
}

// str steps over the string at w.i and returns its value.
func (w *walker) str() string {
	start := w.i
	escaped := false
	for w.i++; w.b[w.i] != '"'; w.i++ {
		if w.b[w.i] == '\\' {
			escaped = true
			w.i++
		}
	}
	w.i++
	if !escaped {
		return string(w.b[start+1 : w.i-1])
	}
	var s string
	_ = json.Unmarshal(w.b[start:w.i], &s) // valid JSON: cannot fail
	return s
}

func (w *walker) string(key string) (string, error) {
	if w.b[w.i] != '"' {
		return "", fmt.Errorf("%s must be a string, got %s", key, w.kind())
	}
	return w.str(), nil
}

func (w *walker) int(key string) (int64, error) {
	if c := w.b[w.i]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("%s must be an integer, got %s", key, w.kind())
	}
	start := w.i
	_ = w.value(0)
	n := string(w.b[start:w.i])
	if strings.ContainsAny(n, ".eE") {
		return 0, fmt.Errorf("%s must be an integer, got %s", key, humanize.Clip(n, maxEcho))
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s must be an integer that fits in 64 bits, got %s", key, humanize.Clip(n, maxEcho))
	}
	return v, nil
}

// kind names the JSON type of the value at w.i, for error messages.
func (w *walker) kind() string {
	switch w.b[w.i] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
