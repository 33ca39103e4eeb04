package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// span is where a JSON value lies in a body: body[start:end].
type span struct{ start, end int }

// members calls visit with each member of the JSON object data: its key
// and where its value lies in data. It refuses anything but one object,
// and a key given twice, since parsers disagree on which copy counts and
// a replayed body must mean one thing.
//
// It walks with encoding/json's Decoder rather than unmarshalling, because
// the spans are what lets Fresh edit a value in place and leave every other
// byte of the body as it was.
func members(data []byte, visit func(key string, at span) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return notJSON(err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("%s, not a JSON object", kindOf(tok))
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("the key %q appears twice in one object", humanize.Clip(key, 40))
		}
		seen[key] = true
		keyEnd := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return notJSON(err)
		}
		at := span{start: valueStart(data, keyEnd), end: int(dec.InputOffset())}
		if err := visit(key, at); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return notJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// valueStart skips the white space and the colon between a key, which ends
// at i, and its value.
func valueStart(data []byte, i int) int {
	for i < len(data) && (data[i] == ':' || data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

func notJSON(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("not JSON: the value is cut short")
	}
	return fmt.Errorf("not JSON: %s", humanize.Clip(strings.TrimPrefix(err.Error(), "json: "), 80))
}

// kindOf names the JSON type a value starts with, for messages.
func kindOf(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			return "a JSON array"
		}
	case string:
		return "a JSON string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "not an object"
}

// envelope is what a replay needs of one event body: the envelope's
// values, and where those that Fresh rewrites lie.
type envelope struct {
	timestamp, sequence        int64
	sessionID, event, severity string
	tsAt, sessionAt            span
	payloadAt                  span // zero when the body has no payload
	measurementAt              span // payload.measurementId when it is a string, else zero
	measurementID              string
}

// The envelope fields a body must have to be replayed, as the receiver
// requires them.
var envelopeFields = []string{"timestamp", "sessionId", "sequence", "event", "severity"}

// errNoSession marks an event without a usable session ID: the receiver
// would refuse it, and a replay cannot say which session it belongs to.
var errNoSession = errors.New("no session ID")

// scanEnvelope reads the envelope fields of body and where they lie.
func scanEnvelope(body []byte) (envelope, error) {
	var env envelope
	have := map[string]bool{}
	err := members(body, func(key string, at span) error {
		v := body[at.start:at.end]
		var err error
		switch key {
		case "timestamp":
			env.timestamp, err = integer(key, v)
			env.tsAt = at
		case "sequence":
			env.sequence, err = integer(key, v)
		case "sessionId":
			env.sessionID, err = str(key, v)
			env.sessionAt = at
		case "event":
			env.event, err = str(key, v)
		case "severity":
			env.severity, err = str(key, v)
		case "payload":
			env.payloadAt = at
		}
		have[key] = true
		return err
	})
	if err != nil {
		return env, err
	}
	if !have["event"] && !have["sessionId"] {
		return env, errors.New("not an event: a JSON object without event or sessionId")
	}
	var missing []string
	for _, f := range envelopeFields {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	switch {
	case !have["sessionId"]:
		return env, fmt.Errorf("%w: the event has no sessionId, so it belongs to no session", errNoSession)
	case env.sessionID == "":
		return env, fmt.Errorf("%w: the event's sessionId is empty, so it belongs to no session", errNoSession)
	case len(missing) > 0:
		return env, fmt.Errorf("not an event: no %s", strings.Join(missing, ", "))
	case env.event == "":
		return env, errors.New("not an event: the event name is empty")
	}
	return env, env.scanPayload(body)
}

// scanPayload finds the payload's measurementId, when the payload is an
// object that has one as a string.
func (env *envelope) scanPayload(body []byte) error {
	if env.payloadAt == (span{}) || body[env.payloadAt.start] != '{' {
		return nil
	}
	p := body[env.payloadAt.start:env.payloadAt.end]
	return members(p, func(key string, at span) error {
		if key == "measurementId" && p[at.start] == '"' {
			id, err := str(key, p[at.start:at.end])
			env.measurementID = id
			env.measurementAt = span{env.payloadAt.start + at.start, env.payloadAt.start + at.end}
			return err
		}
		return nil
	})
}

func integer(key string, v []byte) (int64, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s must be an integer that fits in 64 bits, got %s", key, humanize.Clip(string(v), 40))
	}
	return n, nil
}

func str(key string, v []byte) (string, error) {
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		if key == "sessionId" {
			return "", fmt.Errorf("%w: sessionId must be a string, got %s", errNoSession, humanize.Clip(string(v), 40))
		}
		return "", fmt.Errorf("%s must be a string, got %s", key, humanize.Clip(string(v), 40))
	}
	return s, nil
}
