package wmstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/seed"
	"github.com/wmsmock/wms-mock/scenarios"
)

// UserAgent is the User-Agent of every request this package builds, the
// one wms-mock's own deliveries carry, so that a receiver's logs tell test
// traffic apart.
const UserAgent = emitter.UserAgent

// A Session is one WMS session: the events a user's scan sends, in order.
// It numbers them 0, 1, 2, ... in sequence, creates a measurement ID with
// MEASUREMENT_CREATED and repeats it in every later event, and draws the
// payloads' values (SNR, constraint, error details) as WMS sends them. Use
// it when a test needs events of one session in an order of its own; for
// a realistic whole session, Journey is shorter. It is safe for concurrent
// use, but sequence numbers follow the order of the calls.
type Session struct {
	sess   *emitter.Session
	forger *forgery.Forger
}

// NewSession starts a session that signs with secret, the MAC secret of
// the Config ID the receiver verifies with. It takes WithSeed and
// WithSessionID.
func NewSession(secret []byte, opts ...Option) (*Session, error) {
	c, err := apply("NewSession", forSession, opts)
	if err != nil {
		return nil, err
	}
	return newSession("NewSession", secret, c)
}

func newSession(fn string, secret []byte, c config) (*Session, error) {
	signer, err := newSigner(fn, secret)
	if err != nil {
		return nil, err
	}
	s := seed.Mix(c.seed)
	id := c.session
	if id == "" {
		id = scenarios.NewSessionID(s)
	}
	return &Session{sess: emitter.NewSession(id, seed.Mix(s+1)), forger: forgery.New(signer)}, nil
}

// newSigner is the signer of secret; the error says what fn needs.
func newSigner(fn string, secret []byte) (*emitter.Signer, error) {
	signer, err := emitter.NewSigner(secret)
	if errors.Is(err, emitter.ErrEmptySecret) {
		return nil, fmt.Errorf("wmstest.%s: no MAC secret: pass the secret of the Config ID, the one the handler verifies with", fn)
	}
	return signer, err
}

// ID is the sessionId every event of the session carries.
func (s *Session) ID() string { return s.sess.ID() }

// MeasurementID is the measurement ID that the session's MEASUREMENT_CREATED
// created, empty before it.
func (s *Session) MeasurementID() string { return s.sess.MeasurementID() }

// Request is the session's next event, one of the 21 in emitter.Events(),
// as WMS posts it to url: the body, its MAC in X-WMS-Content-MAC (the
// header name spelled as the vendor documents it, not as Header.Set would
// spell it), Content-Type application/json and UserAgent. An event that
// names a measurement fails before the session's MEASUREMENT_CREATED, as
// it never happens in WMS. It takes WithTime and WithForgery.
//
// The request is a client request, which http.Client.Do sends to a
// server as it stands, header names as spelled; Serve hands it to a
// handler in-process as Go's server would. Its body can be read once:
// Redeliver makes another.
func (s *Session) Request(url, event string, opts ...Option) (*http.Request, error) {
	c, err := apply("Session.Request", forNext, opts)
	if err != nil {
		return nil, err
	}
	return s.request("Session.Request", url, event, c)
}

func (s *Session) request(fn, url, event string, c config) (*http.Request, error) {
	at := c.at
	if at.IsZero() {
		at = time.Now()
	}
	env, err := s.sess.Next(emitter.Emit{Event: event, Time: at})
	if err != nil {
		return nil, fmt.Errorf("wmstest.%s: %w", fn, err)
	}
	body, err := env.AppendJSON(nil)
	if err != nil {
		return nil, fmt.Errorf("wmstest.%s: encoding %s: %w", fn, event, err)
	}
	req, err := httpRequest(url, s.forger.Request(c.forgery, body))
	if err != nil {
		return nil, fmt.Errorf("wmstest.%s: %w", fn, err)
	}
	return req, nil
}

// NewRequest is one event as WMS posts it to url, signed with secret: the
// first event of a fresh session, or, for an event that names a
// measurement (SCAN_COMPLETED, say), the one after the session's
// MEASUREMENT_CREATED, which is made but not returned, so that its
// sequence is 1. See Session.Request for what the request holds. It takes
// WithSeed, WithTime, WithSessionID and WithForgery.
func NewRequest(url string, secret []byte, event string, opts ...Option) (*http.Request, error) {
	c, err := apply("NewRequest", forRequest, opts)
	if err != nil {
		return nil, err
	}
	s, err := newSession("NewRequest", secret, c)
	if err != nil {
		return nil, err
	}
	if ev, err := emitter.LookupEvent(event); err == nil && ev.NeedsMeasurement() {
		if _, err := s.sess.Next(emitter.Emit{Event: emitter.EventMeasurementCreated}); err != nil {
			return nil, fmt.Errorf("wmstest.NewRequest: %w", err)
		}
	}
	return s.request("NewRequest", url, event, c)
}

// Redeliver is r again, byte for byte, as a sender that got no answer
// sends it: a test of a receiver's idempotency sends both. r is a request
// of this package, or any with GetBody; without one Redeliver panics, as
// httptest.NewRequest does on input it cannot use.
func Redeliver(r *http.Request) *http.Request {
	if r.GetBody == nil {
		panic("wmstest.Redeliver: the request has no GetBody, so its body cannot be read again: build it with this package or http.NewRequest")
	}
	body, err := r.GetBody()
	if err != nil {
		panic(fmt.Sprintf("wmstest.Redeliver: GetBody: %v", err))
	}
	again := r.Clone(r.Context())
	again.Body = body
	return again
}

// httpRequest is r as an *http.Request to url, as the emitter sends it.
func httpRequest(url string, r emitter.Request) (*http.Request, error) {
	req, err := r.HTTPRequest(context.Background(), url)
	if err != nil {
		return nil, fmt.Errorf("the URL %q: %w", url, unwrapURL(err))
	}
	return req, nil
}

// unwrapURL drops the *url.Error around a parse error, which repeats the
// URL that the message already quotes.
func unwrapURL(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}
