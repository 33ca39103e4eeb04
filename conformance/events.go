package conformance

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"

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

// envelope is the session's next event with the current time, so that a
// receiver that rejects stale events as replays still accepts it. A
// MEASUREMENT_CREATED gets a fresh measurement ID unless e sets one.
func (s *suite) envelope(sess *emitter.Session, e emitter.Emit) emitter.Envelope {
	ginkgo.GinkgoHelper()
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
		ginkgo.Fail(fmt.Sprintf("building %s: %v", e.Event, err))
	}
	return env
}

// body encodes an envelope as WMS does.
func body(env emitter.Envelope) []byte {
	ginkgo.GinkgoHelper()
	b, err := env.AppendJSON(nil)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("encoding %s: %v", env.Event, err))
	}
	return b
}

// validBody is the session's next event, encoded.
func (s *suite) validBody(sess *emitter.Session, event string) []byte {
	ginkgo.GinkgoHelper()
	return body(s.envelope(sess, emitter.Emit{Event: event}))
}

// validRequest is the session's next event as WMS delivers it.
func (s *suite) validRequest(sess *emitter.Session, event string) emitter.Request {
	ginkgo.GinkgoHelper()
	return s.signed(s.validBody(sess, event))
}

// signed is a POST of b with the right MAC.
func (s *suite) signed(b []byte) emitter.Request { return emitter.SignedRequest(s.signer, b) }

// withMAC is a POST of b with the given header value.
func withMAC(b []byte, mac string) emitter.Request {
	return emitter.Request{Body: b, Header: http.Header{emitter.HeaderMAC: {mac}}}
}

// unsigned is a POST of b without the MAC header.
func unsigned(b []byte) emitter.Request { return emitter.Request{Body: b, Header: http.Header{}} }

// changeDigit changes the hex digit at i of a header value's digest.
func changeDigit(mac string, i int) string {
	digest := []byte(strings.TrimPrefix(mac, emitter.MACScheme))
	const hex = "0123456789abcdef"
	digest[i] = hex[(strings.IndexByte(hex, digest[i])+1)%16]
	return emitter.MACScheme + string(digest)
}

// escapeAll writes every byte of the ASCII string s as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\u%04x`, s[i])
	}
	return b.String()
}
