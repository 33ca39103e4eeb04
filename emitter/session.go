package emitter

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/internal/seed"
)

// ErrNoMeasurement is wrapped when an event that must name a measurement is
// emitted before the session's MEASUREMENT_CREATED.
var ErrNoMeasurement = errors.New("no measurement yet")

// Emit asks a Session for its next envelope. Zero fields are filled in from
// the catalog and the session's state; set ones override them on purpose,
// which is how an edge case sends a wrong severity or a sequence gap.
type Emit struct {
	// Event is the event name. A name outside the catalog is accepted only
	// together with Severity, so that edge cases can send events WMS may add
	// later.
	Event string
	// Time is the event's time on the session's clock.
	Time time.Time
	// Payload overrides generated fields and adds new ones; a nil value
	// removes the field.
	Payload Payload
	// Severity, when set, replaces the catalog's severity.
	Severity Severity
	// Sequence, when set, replaces the next sequence number; the session
	// continues counting from it.
	Sequence *int64
}

// Session is one WMS session: it hands out sequence numbers 0, 1, 2, ...,
// creates the measurement ID on MEASUREMENT_CREATED and repeats it in every
// later event, and numbers intermediate results from 1 within a measurement.
// It is safe for concurrent use; callers that need ordered delivery must
// still deliver one event at a time.
type Session struct {
	mu            sync.Mutex
	id            string
	rng           *rand.Rand
	next          int64
	measurementID string
	// measurementValue is measurementID boxed once for the payloads that
	// carry it, since boxing a string allocates and most events carry it.
	measurementValue any
	intermediate     int64
	hidden           bool
}

// NewSession starts a session whose generated values (measurement IDs, SNR,
// constraints) come from sessionSeed, so that the same seed gives the same
// bytes.
func NewSession(id string, sessionSeed uint64) *Session {
	return &Session{id: id, rng: seed.Rand(sessionSeed, sessionSeed)}
}

// ID returns the session ID sent in every envelope.
func (s *Session) ID() string { return s.id }

// MeasurementID returns the current measurement ID, empty before
// MEASUREMENT_CREATED.
func (s *Session) MeasurementID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.measurementID
}

// Next builds the session's next envelope. Its payload is the caller's
// own.
func (s *Session) Next(e Emit) (Envelope, error) {
	env, _, err := s.AppendNext(nil, e)
	return env, err
}

// AppendNext is Next with the envelope's payload appended to payload, whose
// grown slice it returns; the envelope's Payload is the new part, capped so
// that later appends to the slice never write into it. It exists so that
// making events allocates nothing: a caller that keeps a whole session's
// envelopes appends them all to one slice, and one that encodes each event
// at once passes the same scratch slice, emptied, every time. On an error
// payload is returned as it was.
func (s *Session) AppendNext(payload Payload, e Emit) (Envelope, Payload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	env := Envelope{Timestamp: e.Time.Unix(), SessionID: s.id, Event: e.Event, Severity: e.Severity}
	ev := lookup(e.Event)
	if ev == nil && e.Severity == "" {
		_, err := LookupEvent(e.Event)
		return Envelope{}, payload, err
	}
	if env.Severity == "" {
		env.Severity = ev.Severity
	}

	n := len(payload)
	grown := payload
	if ev != nil {
		// Room for every field and override, so that Set below never
		// moves the event's fields away from grown.
		grown = slices.Grow(grown, len(ev.Fields)+len(e.Payload))
		var err error
		if grown, err = s.generate(ev, e.Payload, grown); err != nil {
			return Envelope{}, payload, err
		}
	} else {
		grown = slices.Grow(grown, len(e.Payload))
	}
	own := grown[n:]
	for _, f := range e.Payload {
		if f.Value == nil {
			own = own.Delete(f.Key)
		} else {
			own = own.Set(f.Key, f.Value)
		}
	}
	grown = grown[:n+len(own)]
	if len(own) > 0 {
		env.Payload = own[:len(own):len(own)]
	}
	if v, ok := own.Get(FieldSequence); ok && e.Event == EventIntermediateResults {
		if seq, isInt := asInt64(v); isInt {
			s.intermediate = seq
		}
	}
	if v, ok := own.Get(FieldState); ok && e.Event == EventPageVisibilityChange {
		s.hidden = v == "HIDDEN"
	}

	if e.Sequence != nil {
		s.next = *e.Sequence
	}
	env.Sequence = s.next
	s.next++
	return env, grown, nil
}

// generate appends the payload fields the catalog gives ev to payload, in
// catalog order, and advances the session's measurement state. Each value
// is one boxed ahead of time where it can be (see measurementValue,
// snrValue, choiceValues), so that a payload allocates nothing.
func (s *Session) generate(ev *Event, overrides, payload Payload) (Payload, error) {
	for i := range ev.Fields {
		f := &ev.Fields[i]
		switch f.Name {
		case FieldMeasurementID:
			if ev.Name == EventMeasurementCreated {
				id, ok := overrides.Get(FieldMeasurementID)
				if str, isString := id.(string); ok && isString {
					s.measurementID, s.measurementValue = str, id
				} else {
					s.measurementID = s.uuid()
					s.measurementValue = s.measurementID
				}
				s.intermediate = 0
			}
			if s.measurementID == "" {
				if f.Presence == IfCreated {
					continue
				}
				if _, given := overrides.Get(FieldMeasurementID); !given {
					return nil, fmt.Errorf("%w: %s carries a measurement ID: emit MEASUREMENT_CREATED before it", ErrNoMeasurement, ev.Name)
				}
			}
			v := s.measurementValue
			if v == nil {
				v = "" // replaced by the override that allowed it
			}
			payload = append(payload, PayloadField{f.Name, v})
		case FieldSNR:
			payload = append(payload, PayloadField{f.Name, snrValue(math.Round((2 + s.rng.Float64()*12) * 100))})
		case FieldSequence:
			payload = append(payload, PayloadField{f.Name, s.intermediate + 1})
		case FieldState:
			state := stateHidden
			if s.hidden {
				state = stateVisible
			}
			payload = append(payload, PayloadField{f.Name, state})
		default:
			switch choices := choiceValues[f]; len(choices) {
			case 0:
			case 1:
				payload = append(payload, PayloadField{f.Name, choices[0]})
			default:
				payload = append(payload, PayloadField{f.Name, choices[s.rng.IntN(len(choices))]})
			}
		}
	}
	return payload, nil
}

// The states of PAGE_VISIBILITY_CHANGE, boxed once.
var stateHidden, stateVisible any = "HIDDEN", "VISIBLE"

// choiceValues holds, for each field of the catalog that generate draws
// from a list (its Values, else its Examples), the list boxed once, keyed
// by the catalog's own Field: boxing a string allocates.
var choiceValues = func() map[*Field][]any {
	m := map[*Field][]any{}
	for i := range catalog {
		for j := range catalog[i].Fields {
			f := &catalog[i].Fields[j]
			choices := f.Values
			if len(choices) == 0 {
				choices = f.Examples
			}
			boxed := make([]any, len(choices))
			for k, c := range choices {
				boxed[k] = c
			}
			m[f] = boxed
		}
	}
	return m
}()

// The SNR values generate draws, in hundredths of a dB: 2.00 to 14.00.
const snrLow, snrHigh = 200, 1400

// snrBoxes holds every SNR value generate draws, boxed once: boxing a
// float64 allocates, and every intermediate result draws one. They are
// boxed the first time one is needed, not by every command at start.
var snrBoxes = sync.OnceValue(func() *[snrHigh - snrLow + 1]any {
	var b [snrHigh - snrLow + 1]any
	for i := range b {
		b[i] = float64(snrLow+i) / 100
	}
	return &b
})

// snrValue returns hundredths/100 boxed, from snrBoxes when it is one of
// theirs. hundredths is a whole number, so float64(int(h)) is h exactly and
// the value is the one hundredths/100 gives.
func snrValue(hundredths float64) any {
	if i := int(hundredths) - snrLow; i >= 0 && i <= snrHigh-snrLow {
		return snrBoxes()[i]
	}
	return hundredths / 100
}

// uuid returns a version 4 UUID drawn from the session's generator.
func (s *Session) uuid() string { return UUIDv4(s.rng.Uint64) }

// UUIDv4 formats 128 bits from next as a version 4 UUID, the form of WMS's
// measurement IDs. Pass a seeded generator for reproducible IDs, or
// math/rand/v2's Uint64 for fresh ones.
func UUIDv4(next func() uint64) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := next()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	const hexd = "0123456789abcdef"
	pos := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[pos] = '-'
			pos++
		}
		out[pos], out[pos+1] = hexd[c>>4], hexd[c&0xf]
		pos += 2
	}
	return string(out[:])
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) {
			return int64(n), true
		}
	}
	return 0, false
}
