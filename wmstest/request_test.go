package wmstest_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/wmstest"
)

// bodyOf reads a request's body without consuming it.
func bodyOf(t testing.TB, r *http.Request) []byte {
	t.Helper()
	rc, err := r.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve is h's answer to r, through Serve: the status, and the body.
func serve(h http.Handler, r *http.Request) (int, string) {
	resp := wmstest.Serve(h, r)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestRequestIsWhatWMSSends checks each of the 21 events: a POST to the
// URL, its MAC under the header name as the vendor spells it on the wire,
// JSON, the emitter's User-Agent, the event's catalog severity, a
// timestamp of now, and the reference receiver's 200.
func TestRequestIsWhatWMSSends(t *testing.T) {
	ref, signer := reference(t), testkit.Signer(t)
	const url = "https://hooks.example.com/webhooks/wms?config=abc"
	for _, ev := range emitter.Events() {
		r, err := wmstest.NewRequest(url, secret, ev.Name)
		if err != nil {
			t.Fatalf("%s: %v", ev.Name, err)
		}
		b := bodyOf(t, r)
		if r.Method != http.MethodPost || r.URL.String() != url {
			t.Errorf("%s: %s %s", ev.Name, r.Method, r.URL)
		}
		if err := signer.Verify(r.Header[emitter.HeaderMAC][0], b); err != nil {
			t.Errorf("%s: the MAC does not verify: %v", ev.Name, err)
		}
		var wire bytes.Buffer
		if err := wmstest.Redeliver(r).Write(&wire); err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{"X-WMS-Content-MAC: hmac-sha256=", "Content-Type: application/json", "User-Agent: " + wmstest.UserAgent} {
			if !bytes.Contains(wire.Bytes(), []byte("\r\n"+line)) {
				t.Errorf("%s: no %q on the wire:\n%s", ev.Name, line, wire.String())
			}
		}
		env := testkit.Decode(t, b)
		if env.Event != ev.Name || env.Severity != string(ev.Severity) || time.Since(time.Unix(env.Timestamp, 0)).Abs() > 2*time.Second {
			t.Errorf("%s: envelope %+v", ev.Name, env)
		}
		if want := int64(0); ev.NeedsMeasurement() {
			if env.Sequence != 1 || env.Payload["measurementId"] == nil {
				t.Errorf("%s needs a measurement: sequence %d, payload %v", ev.Name, env.Sequence, env.Payload)
			}
		} else if env.Sequence != want {
			t.Errorf("%s: sequence %d, want 0", ev.Name, env.Sequence)
		}
		if code, answer := serve(ref, r); code != http.StatusOK {
			t.Errorf("%s: the reference receiver answered %d %s", ev.Name, code, answer)
		}
	}
}

// TestSessionNumbersAndMeasures checks a Session: sequence 0, 1, 2, one
// measurement ID from its MEASUREMENT_CREATED on, intermediate results
// numbered from 1, and an event that needs a measurement refused before.
func TestSessionNumbersAndMeasures(t *testing.T) {
	s, err := wmstest.NewSession(secret, wmstest.WithSessionID("my-session-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Request("/webhook", "SCAN_COMPLETED"); err == nil || !strings.Contains(err.Error(), "emit MEASUREMENT_CREATED before it") {
		t.Errorf("SCAN_COMPLETED before a measurement: %v", err)
	}
	var envs []testkit.Envelope
	for _, ev := range []string{"WMS_LOADED", "MEASUREMENT_CREATED", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "RESULTS_RECEIVED"} {
		r, err := s.Request("/webhook", ev)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, testkit.Decode(t, bodyOf(t, r)))
	}
	for i, env := range envs {
		if env.SessionID != "my-session-1" || env.Sequence != int64(i) {
			t.Errorf("event %d: session %q sequence %d", i, env.SessionID, env.Sequence)
		}
		if i > 0 && env.Payload["measurementId"] != s.MeasurementID() {
			t.Errorf("event %d: measurement %v, want %s", i, env.Payload["measurementId"], s.MeasurementID())
		}
	}
	if envs[2].Payload["sequence"] != 1.0 || envs[3].Payload["sequence"] != 2.0 {
		t.Errorf("intermediate results numbered %v, %v", envs[2].Payload["sequence"], envs[3].Payload["sequence"])
	}
	if s.ID() != "my-session-1" {
		t.Errorf("ID %q", s.ID())
	}
}

// TestForgeriesAreRefused sends every forgery to the reference receiver:
// 401 each time, while the body stays a valid event's.
func TestForgeriesAreRefused(t *testing.T) {
	ref := reference(t)
	for _, k := range forgery.Kinds() {
		r, err := wmstest.NewRequest("/webhook", secret, "WMS_LOADED", wmstest.WithForgery(k.Kind))
		if err != nil {
			t.Fatal(err)
		}
		_, hasMAC := r.Header[emitter.HeaderMAC]
		if hasMAC == (k.Kind == forgery.None) {
			t.Errorf("%s: MAC header present %v", k.Kind, hasMAC)
		}
		if env := testkit.Decode(t, bodyOf(t, r)); env.Event != "WMS_LOADED" {
			t.Errorf("%s: body %+v", k.Kind, env)
		}
		if code, answer := serve(ref, r); code != http.StatusUnauthorized {
			t.Errorf("%s (%s): the reference receiver answered %d %s", k.Kind, k.Label, code, answer)
		}
	}
	if _, err := wmstest.NewRequest("/webhook", secret, "WMS_LOADED", wmstest.WithForgery("wrong-secrets")); err == nil || !strings.Contains(err.Error(), `did you mean "wrong-secret"?`) {
		t.Errorf("an unknown forgery: %v", err)
	}
}

// TestRedeliverIsADuplicate sends a request and its redelivery to a real
// server: the same bytes, and the reference receiver's duplicate verdict.
func TestRedeliverIsADuplicate(t *testing.T) {
	srv := httptest.NewServer(reference(t))
	defer srv.Close()
	r, err := wmstest.NewRequest(srv.URL, secret, "CAMERA_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	again := wmstest.Redeliver(r)
	var answers []string
	for _, req := range []*http.Request{r, again} {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers = append(answers, strings.TrimSpace(string(b)))
	}
	if answers[0] != `{"verdict":"accepted"}` || answers[1] != `{"verdict":"duplicate"}` {
		t.Errorf("answers %q", answers)
	}
	if !bytes.Equal(bodyOf(t, r), bodyOf(t, again)) || again.Header[emitter.HeaderMAC][0] != r.Header[emitter.HeaderMAC][0] {
		t.Error("the redelivery differs")
	}
}

// TestSeedAndTimeMakeTheSameBytes checks reproducibility: the same seed
// and time give the same body and MAC, another seed another session.
func TestSeedAndTimeMakeTheSameBytes(t *testing.T) {
	at := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	build := func(s uint64) (string, string) {
		r, err := wmstest.NewRequest("/webhook", secret, "INTERMEDIATE_RESULTS", wmstest.WithSeed(s), wmstest.WithTime(at))
		if err != nil {
			t.Fatal(err)
		}
		return string(bodyOf(t, r)), r.Header[emitter.HeaderMAC][0]
	}
	b1, m1 := build(1)
	b2, m2 := build(1)
	b3, _ := build(2)
	if b1 != b2 || m1 != m2 || b1 == b3 {
		t.Errorf("seed 1 twice: %s %s / %s %s; seed 2: %s", b1, m1, b2, m2, b3)
	}
	if env := testkit.Decode(t, []byte(b1)); env.Timestamp != at.Unix() {
		t.Errorf("timestamp %d, want %d", env.Timestamp, at.Unix())
	}
	r1, _ := wmstest.NewRequest("/webhook", secret, "WMS_LOADED")
	r2, _ := wmstest.NewRequest("/webhook", secret, "WMS_LOADED")
	if testkit.Decode(t, bodyOf(t, r1)).SessionID == testkit.Decode(t, bodyOf(t, r2)).SessionID {
		t.Error("without a seed, two requests share a session ID")
	}
}

// TestBuildErrors checks that what cannot be built is one line naming
// the function and what to do.
func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"unknown event", func() error { _, err := wmstest.NewRequest("/", secret, "MEASUREMENT_CREATE"); return err },
			`wmstest.NewRequest: unknown event "MEASUREMENT_CREATE": did you mean MEASUREMENT_CREATED`},
		{"no secret", func() error { _, err := wmstest.NewRequest("/", nil, "WMS_LOADED"); return err },
			"wmstest.NewRequest: no MAC secret: pass the secret of the Config ID"},
		{"bad URL", func() error { _, err := wmstest.NewRequest("http://a b/", secret, "WMS_LOADED"); return err },
			`wmstest.NewRequest: the URL "http://a b/": invalid character " " in host name`},
		{"suite option", func() error {
			_, err := wmstest.NewRequest("/", secret, "WMS_LOADED", wmstest.WithTimeout(time.Second))
			return err
		}, "wmstest.NewRequest: WithTimeout applies to Conformance only: drop it here"},
		{"per-event option on a session", func() error { _, err := wmstest.NewSession(secret, wmstest.WithTime(time.Now())); return err },
			"wmstest.NewSession: WithTime applies to NewRequest, Session.Request, Journey only"},
		{"zero time", func() error {
			_, err := wmstest.NewRequest("/", secret, "WMS_LOADED", wmstest.WithTime(time.Time{}))
			return err
		}, "wmstest.NewRequest: WithTime: the zero time"},
	} {
		err := tc.err()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestServeIsWhatTheServerHands checks that Serve hands a handler what
// Go's server would: a handler that looks the MAC up with Header.Get, as
// most do, finds it, on a request whose RequestURI, RemoteAddr, Host and
// TLS a server would have set.
func TestServeIsWhatTheServerHands(t *testing.T) {
	signer := testkit.Signer(t)
	var got *http.Request
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		if signer.Verify(r.Header.Get("X-WMS-Content-MAC"), b) != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	r, err := wmstest.NewRequest("https://hooks.example.com/webhooks/wms?config=abc", secret, "WMS_LOADED")
	if err != nil {
		t.Fatal(err)
	}
	if code, answer := serve(h, r); code != http.StatusOK {
		t.Fatalf("a handler using Header.Get answered %d %s", code, answer)
	}
	if got.RequestURI != "/webhooks/wms?config=abc" || got.Host != "hooks.example.com" || got.TLS == nil || got.RemoteAddr == "" || got.ContentLength <= 0 {
		t.Errorf("the handler got %s %q host %q TLS %v from %q, length %d", got.Method, got.RequestURI, got.Host, got.TLS != nil, got.RemoteAddr, got.ContentLength)
	}
	if got.Header.Get("User-Agent") != wmstest.UserAgent || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", got.Header)
	}
}

// TestRedeliverWithoutGetBodyPanics checks the message of the one panic.
func TestRedeliverWithoutGetBodyPanics(t *testing.T) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "wmstest.Redeliver: the request has no GetBody") {
			t.Errorf("panic %q", msg)
		}
	}()
	wmstest.Redeliver(r)
}
