package inspector

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

// rig is a reference receiver on loopback with its inspector on a
// listener of its own, as 'wms-mock receive --inspect' serves them.
type rig struct {
	rc        *receiver.Receiver
	signer    *emitter.Signer
	hook      string // the webhook URL
	inspector string // the inspector's base URL, no trailing slash
}

func newRig(t testing.TB, opts ...Option) *rig {
	t.Helper()
	signer := testkit.Signer(t)
	rc, err := receiver.New(signer)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewUnstartedServer(rc)
	hook.Config = receiver.NewServer("", rc)
	hook.Start()
	insp := httptest.NewUnstartedServer(nil)
	insp.Config = receiver.NewServer("", New(rc, append([]Option{WithWebhookURL(hook.URL + "/webhook")}, opts...)...))
	insp.Start()
	t.Cleanup(func() {
		insp.Close()
		hook.Close()
		if err := rc.Close(); err != nil {
			t.Error(err)
		}
	})
	return &rig{rc: rc, signer: signer, hook: hook.URL + "/webhook", inspector: insp.URL}
}

var client = &http.Client{Timeout: 10 * time.Second}

// post sends body to the webhook with the MAC header given ("" for none)
// and returns the status.
func (r *rig) post(t testing.TB, body []byte, mac string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, r.hook, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if mac != "" {
		req.Header[emitter.HeaderMAC] = []string{mac}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// deliver posts body signed as WMS signs it, and wants it accepted.
func (r *rig) deliver(t testing.TB, body []byte) {
	t.Helper()
	if code := r.post(t, body, r.signer.MAC(body)); code != http.StatusOK {
		t.Fatalf("delivering %s: status %d", body, code)
	}
}

// event is one envelope with the catalog's severity.
func event(t testing.TB, session string, seq int64, name string, payload emitter.Payload) []byte {
	t.Helper()
	sev := emitter.SeverityInfo
	if ev, err := emitter.LookupEvent(name); err == nil {
		sev = ev.Severity
	}
	env := emitter.Envelope{Timestamp: 1_700_000_000 + 2*seq, SessionID: session, Sequence: seq, Event: name, Severity: sev, Payload: payload}
	b, err := env.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// journey returns the bodies of a session the emitter makes, measurement
// ID and all: WMS loads, the camera starts, five intermediate results
// with the SNR given, results.
func journey(t testing.TB, session string, snr ...float64) [][]byte {
	t.Helper()
	s := emitter.NewSession(session, 7)
	start := time.Unix(1_700_000_000, 0)
	names := []string{"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED", "MEASUREMENT_STARTED", "MEASUREMENT_CREATED"}
	var out [][]byte
	at := time.Duration(0)
	next := func(name string, p emitter.Payload) {
		env, err := s.Next(emitter.Emit{Event: name, Time: start.Add(at), Payload: p})
		if err != nil {
			t.Fatal(err)
		}
		b, err := env.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		at += 2 * time.Second
	}
	for _, n := range names {
		next(n, nil)
	}
	for _, v := range snr {
		next(emitter.EventIntermediateResults, emitter.Payload{}.Set(emitter.FieldSNR, v))
		at += 3 * time.Second
	}
	next("SCAN_COMPLETED", nil)
	next("RESULTS_RECEIVED", nil)
	next("REDIRECTING_TO_CALLBACK", nil)
	return out
}

// get fetches path from the inspector as a loopback client, failing unless
// the status is want, and returns the body.
func (r *rig) get(t testing.TB, path string, want int) []byte {
	t.Helper()
	resp, err := client.Get(r.inspector + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, b)
	}
	return b
}
