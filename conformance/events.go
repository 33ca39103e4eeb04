package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// newSession starts a session with a fresh ID shaped like the vendor's
// example. Its generated values (SNR, constraints, details) come from the
// run's seed and the session's place in the run; its ID, and the
// measurement ID that envelope gives it, come from the process's random
// source, so that a rerun with the same seed never collides with the first
// run's events.
func (s *suite) newSession() *emitter.Session {
	n := s.sessions.Add(1)
	return emitter.NewSession(freshSessionID(), s.seed+n)
}

// freshSessionID is a session ID from the process's random source.
func freshSessionID() string { return scenarios.NewSessionID(rand.Uint64()) }

// freshMeasurementID is a version 4 UUID from the process's random source.
func freshMeasurementID() string { return emitter.UUIDv4(rand.Uint64) }

// event is the session's next event with the current time, so that a
// receiver that rejects stale events as replays still accepts it, and its
// encoding as WMS sends it. A MEASUREMENT_CREATED gets a fresh measurement
// ID unless e sets one. The error is the suite's own: an event it cannot
// build.
func (s *suite) event(sess *emitter.Session, e emitter.Emit) (emitter.Envelope, []byte, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Event == emitter.EventMeasurementCreated {
		if _, ok := e.Payload.Get(emitter.FieldMeasurementID); !ok {
			e.Payload = append(slices.Clip(e.Payload), emitter.PayloadField{Key: emitter.FieldMeasurementID, Value: freshMeasurementID()})
		}
	}
	env, err := sess.Next(e)
	if err != nil {
		return env, nil, fmt.Errorf("building %s: %w", e.Event, err)
	}
	b, err := env.AppendJSON(nil)
	if err != nil {
		return env, nil, fmt.Errorf("encoding %s: %w", e.Event, err)
	}
	return env, b, nil
}

// validBody is the session's next event, encoded.
func (s *suite) validBody(sess *emitter.Session, event string) ([]byte, error) {
	_, b, err := s.event(sess, emitter.Emit{Event: event})
	return b, err
}

// bodyAt is the session's next event, encoded, at sequence seq: a spec's
// session starts where a real session sends that event.
func (s *suite) bodyAt(sess *emitter.Session, event string, seq int64) ([]byte, error) {
	_, b, err := s.event(sess, emitter.Emit{Event: event, Sequence: at(seq)})
	return b, err
}

// validRequest is the session's next event as WMS delivers it.
func (s *suite) validRequest(sess *emitter.Session, event string) (emitter.Request, error) {
	b, err := s.validBody(sess, event)
	return s.signed(b), err
}

// sendNext sends the session's next event of the given type, validly
// signed, and returns it with the exchange.
func (s *suite) sendNext(ctx context.Context, sess *emitter.Session, event string) (emitter.Envelope, exchange, error) {
	env, b, err := s.event(sess, emitter.Emit{Event: event})
	if err != nil {
		return env, exchange{}, err
	}
	return env, s.send(ctx, s.signed(b)), nil
}

// signed is a POST of b with the right MAC.
func (s *suite) signed(b []byte) emitter.Request { return emitter.SignedRequest(s.signer, b) }

// escapeAll writes every byte of the ASCII string s as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\u%04x`, s[i])
	}
	return b.String()
}
