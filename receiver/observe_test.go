package receiver

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// next reads one update, failing after a second.
func next(t *testing.T, updates <-chan Update) Update {
	t.Helper()
	select {
	case u := <-updates:
		return u
	case <-time.After(time.Second):
		t.Fatal("no update within a second")
		return Update{}
	}
}

func TestSubscribeSeesEveryDelivery(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	updates := rc.Subscribe(ctx)

	second := eventBody(t, "watched", 1, "CONFIGURATION_LOADED", nil)
	deliver(t, url, signer, second)
	first := eventBody(t, "watched", 0, "WMS_LOADED", nil)
	deliver(t, url, signer, first)
	deliver(t, url, signer, first)
	forged := eventBody(t, "watched", 2, "<script>alert(1)</script>", nil)
	send(t, http.MethodPost, url+"/hook", forged, http.Header{emitter.HeaderMAC: {testkit.Signer(t, "other").MAC(forged)}})

	a := next(t, updates).Accepted
	if a == nil || a.Sequence != 1 || a.Verdict != "accepted" || a.Late || a.Arrival != 1 {
		t.Errorf("first update = %+v, want sequence 1 accepted, arrival 1, on time", a)
	}
	a = next(t, updates).Accepted
	if a == nil || a.Sequence != 0 || !a.Late || a.Arrival != 2 || a.SessionID != "watched" || a.Event != "WMS_LOADED" {
		t.Errorf("second update = %+v, want sequence 0 late, arrival 2", a)
	}
	a = next(t, updates).Accepted
	if a == nil || a.Verdict != "duplicate" || a.Arrival != 2 || !a.Late {
		t.Errorf("redelivery update = %+v, want the first copy's arrival and lateness", a)
	}
	r := next(t, updates).Refusal
	if r == nil || r.Status != 401 || r.Verdict != "forged" || r.Path != "/hook" || r.Method != "POST" {
		t.Fatalf("refusal update = %+v", r)
	}
	if r.MAC != testkit.Signer(t, "other").MAC(forged) || r.Body != string(forged) || r.BodySize != int64(len(forged)) {
		t.Errorf("refusal keeps MAC %q body %q (%d bytes), want what was sent", r.MAC, r.Body, r.BodySize)
	}
	if strings.Contains(r.MAC+r.Body+r.Reason, testkit.Secret) {
		t.Error("a refusal shows the secret")
	}

	cancel()
	if _, open := <-updates; open {
		t.Error("the channel stays open after the context ended")
	}
	if rc.watchers.watched() {
		t.Error("a cancelled subscriber is still counted")
	}
}

// A subscriber that never reads costs the receiver nothing but a count.
func TestSlowSubscriberDropsRatherThanBlocks(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	updates := rc.Subscribe(t.Context())
	n := SubscriberBuffer + 10
	for seq := range n {
		if a := deliver(t, url, signer, eventBody(t, "flood", int64(seq), "WMS_LOADED", nil)); a.status != 200 {
			t.Fatal(a)
		}
	}
	var last Update
	for range SubscriberBuffer {
		last = next(t, updates)
	}
	if last.Dropped != 0 {
		t.Errorf("an update in the buffer counts %d drops before it", last.Dropped)
	}
	deliver(t, url, signer, eventBody(t, "flood", int64(n), "WMS_LOADED", nil))
	if u := next(t, updates); u.Dropped != 10 || u.Accepted.Sequence != int64(n) {
		t.Errorf("after a full buffer: %+v, want 10 dropped", u)
	}
}

func TestRefusalsAreKeptClippedAndBounded(t *testing.T) {
	rc, url := startReceiver(t, WithMaxBody(4096))
	big := strings.Repeat("é", 1000) // 2000 bytes, over the prefix
	send(t, http.MethodPost, url, []byte(big), http.Header{emitter.HeaderMAC: {"hmac-sha256=" + strings.Repeat("0", 64)}})
	send(t, http.MethodPost, url, make([]byte, 5000), nil)
	send(t, http.MethodPut, url, nil, nil)
	send(t, http.MethodGet, url+"/nothing", nil, nil)

	got, total := rc.Refusals()
	if total != 3 || len(got) != 3 {
		t.Fatalf("refusals = %d kept of %d, want 3 (a GET is no delivery)", len(got), total)
	}
	if got[0].Status != 405 || got[1].Status != 413 || got[2].Status != 401 {
		t.Errorf("statuses newest first = %d %d %d, want 405 413 401", got[0].Status, got[1].Status, got[2].Status)
	}
	if got[1].Body != "" || got[1].BodySize != 5000 || got[1].MAC != "" {
		t.Errorf("an over-cap body refused unread: %+v", got[1])
	}
	forged := got[2]
	if !strings.HasSuffix(forged.Body, "...") || len(forged.Body) > RefusalBodyPrefix+3 || strings.ContainsRune(forged.Body, '\uFFFD') {
		t.Errorf("body prefix %q: want at most %d bytes, whole runes, marked as cut", forged.Body, RefusalBodyPrefix)
	}
	if forged.BodySize != int64(len(big)) {
		t.Errorf("body size = %d, want %d", forged.BodySize, len(big))
	}

	for range MaxRefusals + 5 {
		rc.refused.add(Refusal{Status: 400})
	}
	got, total = rc.Refusals()
	if len(got) != MaxRefusals || total != MaxRefusals+8 || got[len(got)-1].Status != 400 {
		t.Errorf("after a flood: %d kept of %d, oldest %d; want the newest %d", len(got), total, got[len(got)-1].Status, MaxRefusals)
	}
}

func TestSessionsNewestFirst(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	for _, b := range journeyBodies(t, "older", 1) {
		deliver(t, url, signer, b)
	}
	bodies := journeyBodies(t, "newer", 2)
	deliver(t, url, signer, bodies[3])
	deliver(t, url, signer, bodies[0])
	deliver(t, url, signer, bodies[0])

	list, more := rc.Sessions(0)
	if more != 0 || len(list) != 2 || list[0].ID != "newer" || list[1].ID != "older" {
		t.Fatalf("sessions = %+v, want newer then older", list)
	}
	if list[1].Events != len(journey) || list[1].Findings != 0 || list[1].Names[0] != "WMS_LOADED" || list[1].First.After(list[1].Last) {
		t.Errorf("older = %+v", list[1])
	}
	if n := list[0]; n.Events != 2 || n.Redeliveries != 1 || n.Findings != 1 || len(n.Names) != 2 {
		t.Errorf("newer = %+v, want 2 events, 1 redelivery, the gap finding", n)
	}
	if list, more := rc.Sessions(1); len(list) != 1 || more != 1 || list[0].ID != "newer" {
		t.Errorf("Sessions(1) = %+v, %d more", list, more)
	}

	v, ok := rc.Session("newer")
	if !ok || len(v.Events) != 2 || v.Events[0].Sequence != 0 || v.Events[1].Sequence != 3 {
		t.Fatalf("Session = %+v, want sequences 0 and 3 in order", v)
	}
	if e := v.Events[0]; !e.Late() || e.Redeliveries() != 1 || e.Arrival() <= v.Events[1].Arrival() {
		t.Errorf("sequence 0: late %v, %d redeliveries, arrival %d; want late, redelivered once, after 3", e.Late(), e.Redeliveries(), e.Arrival())
	}
	if len(v.Findings) != 1 || v.Findings[0].Kind != FindingSequenceGap {
		t.Errorf("findings = %v", v.Findings)
	}
	older, _ := rc.Session("older")
	created := older.Events[5]
	if created.Event != emitter.EventMeasurementCreated || created.MeasurementID() == "" || older.Events[6].MeasurementID() != created.MeasurementID() {
		t.Errorf("measurement IDs: %s has %q, the next event %q", created.Event, created.MeasurementID(), older.Events[6].MeasurementID())
	}
	if _, ok := rc.Session("nobody"); ok {
		t.Error("an unknown session is found")
	}
}
