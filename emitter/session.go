package emitter

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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
	intermediate  int64
	hidden        bool
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

// Next builds the session's next envelope.
func (s *Session) Next(e Emit) (Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	env := Envelope{Timestamp: e.Time.Unix(), SessionID: s.id, Event: e.Event, Severity: e.Severity}
	ev := lookup(e.Event)
	if ev == nil && e.Severity == "" {
		_, err := LookupEvent(e.Event)
		return Envelope{}, err
	}
	if env.Severity == "" {
		env.Severity = ev.Severity
	}

	var payload Payload
	if ev != nil {
		var err error
		if payload, err = s.generate(ev, e.Payload); err != nil {
			return Envelope{}, err
		}
	}
	for _, f := range e.Payload {
		if f.Value == nil {
			payload = payload.Delete(f.Key)
		} else {
			payload = payload.Set(f.Key, f.Value)
		}
	}
	env.Payload = payload
	if v, ok := payload.Get(FieldSequence); ok && e.Event == EventIntermediateResults {
		if n, isInt := asInt64(v); isInt {
			s.intermediate = n
		}
	}
	if v, ok := payload.Get(FieldState); ok && e.Event == EventPageVisibilityChange {
		s.hidden = v == "HIDDEN"
	}

	if e.Sequence != nil {
		s.next = *e.Sequence
	}
	env.Sequence = s.next
	s.next++
	return env, nil
}

// generate fills in the payload fields the catalog gives ev, in catalog
// order, and advances the session's measurement state.
func (s *Session) generate(ev *Event, overrides Payload) (Payload, error) {
	if !ev.HasPayload() {
		return nil, nil
	}
	payload := make(Payload, 0, len(ev.Fields)+len(overrides))
	for _, f := range ev.Fields {
		switch f.Name {
		case FieldMeasurementID:
			if ev.Name == EventMeasurementCreated {
				id, ok := overrides.Get(FieldMeasurementID)
				if str, isString := id.(string); ok && isString {
					s.measurementID = str
				} else {
					s.measurementID = s.uuid()
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
			payload = append(payload, PayloadField{f.Name, s.measurementID})
		case FieldSNR:
			payload = append(payload, PayloadField{f.Name, math.Round((2+s.rng.Float64()*12)*100) / 100})
		case FieldSequence:
			payload = append(payload, PayloadField{f.Name, s.intermediate + 1})
		case FieldState:
			state := "HIDDEN"
			if s.hidden {
				state = "VISIBLE"
			}
			payload = append(payload, PayloadField{f.Name, state})
		default:
			choices := f.Values
			if len(choices) == 0 {
				choices = f.Examples
			}
			switch len(choices) {
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
