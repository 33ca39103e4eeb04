package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/wmsmock/wms-mock/emitter"
)

// journey is a realistic measurement, in the order WMS sends it.
var journey = []string{
	"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED",
	"MEASUREMENT_STARTED", "MEASUREMENT_CREATED",
	"INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS",
	"SCAN_COMPLETED", "RESULTS_RECEIVED", "REDIRECTING_TO_CALLBACK", "PAGE_UNLOADED",
}

const sessionIDChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// newSession starts a session with a fresh ID shaped like the vendor's
// example (25 lowercase letters and digits).
func (s *suite) newSession() *emitter.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var id [25]byte
	for i := range id {
		id[i] = sessionIDChars[s.rng.IntN(len(sessionIDChars))]
	}
	s.sessions++
	return emitter.NewSession(string(id[:]), s.seed+s.sessions)
}

// envelope is the session's next event with the current time, so that a
// receiver that rejects stale events as replays still accepts it.
func (s *suite) envelope(sess *emitter.Session, e emitter.Emit) emitter.Envelope {
	ginkgo.GinkgoHelper()
	if e.Time.IsZero() {
		e.Time = time.Now()
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

// escapeAll writes every character of s as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xffff {
			r1, r2 := surrogatePair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

func surrogatePair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
