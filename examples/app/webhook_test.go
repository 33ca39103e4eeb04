package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

// post sends body to the app's webhook with the MAC header given (none
// when !sent) and returns the status.
func post(t *testing.T, f *flow, body, mac string, sent bool) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.appURL+"/webhook", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sent {
		req.Header[emitter.HeaderMAC] = []string{mac}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func eventBody(session string, seq int, name string) string {
	return fmt.Sprintf(`{"timestamp":1689684577,"sessionId":%q,"sequence":%d,"event":%q,"severity":"INFO","payload":{"measurementId":"m-%d"}}`, session, seq, name, seq)
}

func TestWebhookRefusesEveryForgery(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	signer := testkit.Signer(t)
	forger := forgery.New(signer)
	body := []byte(eventBody("s-forged", 0, "WMS_LOADED"))
	for _, k := range forgery.Kinds() {
		mac, sent := forger.Header(k.Kind, body)
		if got := post(t, f, string(body), mac, sent); got != http.StatusUnauthorized {
			t.Errorf("forgery %s: status %d, want 401", k.Kind, got)
		}
	}
	if got := post(t, f, string(body), signer.MAC(body), true); got != http.StatusNoContent {
		t.Errorf("the rightly signed event: status %d, want 204", got)
	}
	if got := post(t, f, eventBody("s-forged", 1, "WMS_LOADED"), signer.MAC(body), true); got != http.StatusUnauthorized {
		t.Errorf("a body other than the one signed: status %d, want 401", got)
	}
	if n := len(f.app.events.get("s-forged")); n != 1 {
		t.Errorf("%d events stored, want the rightly signed one alone", n)
	}
}

func TestWebhookIsIdempotentAndOrdersBySequence(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	signer := testkit.Signer(t)
	send := func(body string) int { return post(t, f, body, signer.MAC([]byte(body)), true) }
	for _, seq := range []int{2, 0, 1, 1, 2} {
		if got := send(eventBody("s-dup", seq, "INTERMEDIATE_RESULTS")); got != http.StatusNoContent {
			t.Errorf("sequence %d: status %d, want 204 (a redelivery too)", seq, got)
		}
	}
	events := f.app.events.get("s-dup")
	if len(events) != 3 || *events[0].Sequence != 0 || *events[1].Sequence != 1 || *events[2].Sequence != 2 {
		t.Errorf("stored %d events, want sequences 0, 1, 2 once each", len(events))
	}
	for _, bad := range []string{`{"sessionId":"s","event":"WMS_LOADED"}`, `[1,2]`, `{"sessionId":"s",`} {
		if got := send(bad); got != http.StatusBadRequest {
			t.Errorf("body %s: status %d, want 400", bad, got)
		}
	}
}

func TestEventStoreIsBounded(t *testing.T) {
	s := newEventStore(2, 3)
	for i := range 5 {
		for seq := range int64(5) {
			s.add(event{SessionID: fmt.Sprint("s", i), Sequence: &seq, Event: "E"})
		}
	}
	if len(s.sessions) != 2 || len(s.get("s0")) != 0 || len(s.get("s4")) != 3 {
		t.Errorf("kept %d sessions (s0 %d events, s4 %d), want the last 2 with 3 events each", len(s.sessions), len(s.get("s0")), len(s.get("s4")))
	}
}
