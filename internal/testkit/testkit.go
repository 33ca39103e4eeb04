// Package testkit is what the project's tests share: a signer, an
// independent recording receiver that verifies every MAC itself, envelope
// decoding, and loopback stand-ins for hostile network conditions. It is
// written apart from the receiver package so that tests of the emitter,
// the scenarios and the load generator never take the code under test for
// the judge of it.
package testkit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
)

// Secret is the MAC secret of Signer.
const Secret = "wms-mock-test-secret-3f9c"

// Signer returns a signer for Secret, or one for the secret given.
func Signer(t testing.TB, secret ...string) *emitter.Signer {
	t.Helper()
	key := Secret
	if len(secret) > 0 {
		key = secret[0]
	}
	s, err := emitter.NewSigner([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Envelope is a delivered event as a test reads it. Payload is decoded
// generically so that a test sees exactly the fields that were sent.
type Envelope struct {
	Timestamp int64          `json:"timestamp"`
	SessionID string         `json:"sessionId"`
	Sequence  int64          `json:"sequence"`
	Event     string         `json:"event"`
	Severity  string         `json:"severity"`
	Payload   map[string]any `json:"payload"`
}

// Decode decodes one event body, failing t when it is not JSON.
func Decode(t testing.TB, body []byte) Envelope {
	t.Helper()
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return env
}

// Delivery is one request the Receiver took.
type Delivery struct {
	Method string
	Header http.Header
	Body   []byte
	// Envelope is the body decoded; zero when it is not an event.
	Envelope Envelope
	// Verified is whether the MAC matched the body.
	Verified bool
}

// Receiver is a webhook on loopback that verifies every MAC with its own
// signer and keeps every delivery in arrival order. It answers 2xx to a
// validly signed POST and 401 to any other, unless Status says otherwise.
type Receiver struct {
	// URL is the webhook's address.
	URL string

	signer *emitter.Signer
	status func(Delivery) int

	mu         sync.Mutex
	deliveries []Delivery
}

// ReceiverOption changes how a Receiver answers.
type ReceiverOption func(*Receiver)

// WithStatus answers each delivery with the status f gives it, whatever
// its MAC.
func WithStatus(f func(Delivery) int) ReceiverOption {
	return func(r *Receiver) { r.status = f }
}

// NewReceiver starts a Receiver that verifies with s; it stops when the
// test ends.
func NewReceiver(t testing.TB, s *emitter.Signer, opts ...ReceiverOption) *Receiver {
	t.Helper()
	r := &Receiver{signer: s}
	for _, o := range opts {
		o(r)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/webhook"
	return r
}

// ServeHTTP records the delivery and answers it.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	d := Delivery{Method: req.Method, Header: req.Header.Clone(), Body: body}
	d.Verified = r.signer.Verify(req.Header.Get(emitter.HeaderMAC), body) == nil
	_ = json.Unmarshal(body, &d.Envelope)
	r.mu.Lock()
	r.deliveries = append(r.deliveries, d)
	r.mu.Unlock()
	code := http.StatusNoContent
	switch {
	case r.status != nil:
		code = r.status(d)
	case req.Method != http.MethodPost:
		code = http.StatusMethodNotAllowed
	case !d.Verified:
		code = http.StatusUnauthorized
	}
	w.WriteHeader(code)
}

// Deliveries returns every delivery so far, in arrival order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.deliveries)
}

// Sessions returns each session's POSTed events in arrival order.
func (r *Receiver) Sessions() map[string][]Envelope {
	out := map[string][]Envelope{}
	for _, d := range r.Deliveries() {
		if d.Method == http.MethodPost {
			out[d.Envelope.SessionID] = append(out[d.Envelope.SessionID], d.Envelope)
		}
	}
	return out
}

// Sequences returns each session's sequence numbers in arrival order.
func (r *Receiver) Sequences() map[string][]int64 {
	out := map[string][]int64{}
	for id, evs := range r.Sessions() {
		for _, e := range evs {
			out[id] = append(out[id], e.Sequence)
		}
	}
	return out
}

// BadMACs counts the POSTs whose MAC did not match their body.
func (r *Receiver) BadMACs() int {
	n := 0
	for _, d := range r.Deliveries() {
		if d.Method == http.MethodPost && !d.Verified {
			n++
		}
	}
	return n
}
