package wms

import (
	"net/http"
	"testing"
)

func TestSessionCap(t *testing.T) {
	h := newHarness(t, nil, WithMaxSessions(3))
	var ids []string
	for range 5 {
		id := newSessionID()
		ids = append(ids, id)
		resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
		results(t, resp, body)
	}
	for i, id := range ids {
		_, kept := h.srv.Session(id)
		if kept != (i >= 2) {
			t.Errorf("session %d kept %t: the oldest must go first", i, kept)
		}
	}
	if n := h.srv.store.len(); n != 3 {
		t.Errorf("%d sessions kept, want 3", n)
	}
	// A call-in again under a kept ID replaces it without growing the store.
	for range 20 {
		h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), ids[4]))
	}
	if n, order := h.srv.store.len(), len(h.srv.store.order); n != 3 || order > 2*3+16 {
		t.Errorf("%d kept, %d in the eviction queue", n, order)
	}
	// PUT makes a session too, and counts against the cap.
	resp, _ := do(t, h.client, http.MethodPut, h.url+sessionsPrefix+"chosen-only", `{"scenario":"happy-path"}`)
	if _, ok := h.srv.Session("chosen-only"); resp.StatusCode != http.StatusOK || !ok || h.srv.store.len() != 3 {
		t.Errorf("PUT: %d kept %t, %d sessions", resp.StatusCode, ok, h.srv.store.len())
	}
}

// A second call-in of a session starts afresh: new checks, new deliveries,
// and the scenario chosen for it kept.
func TestCallInAgain(t *testing.T) {
	h := newHarness(t, nil)
	id := newSessionID()
	do(t, h.client, http.MethodPut, h.url+sessionsPrefix+id, `{"scenario":"user-cancels"}`)
	var measurements []any
	for range 2 {
		resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
		if code := errorCode(t, resp, body); code != "MEASUREMENT_CANCELED" {
			t.Errorf("error=%s", code)
		}
		rep, _ := h.srv.Session(id)
		measurements = append(measurements, len(rep.Deliveries))
	}
	if measurements[0] != measurements[1] {
		t.Errorf("deliveries per call-in: %v", measurements)
	}
	events := h.recv.Sessions()[id]
	first, second := events[len(events)/2-1], events[len(events)-1]
	if first.Payload["measurementId"] == second.Payload["measurementId"] {
		t.Errorf("the second call-in reused measurement %v", first.Payload["measurementId"])
	}
}
