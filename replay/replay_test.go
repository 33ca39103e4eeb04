package replay_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/replay"
	"github.com/wmsmock/wms-mock/scenarios"
)

const (
	productionSecret = "production-secret-for-the-capture"
	stagingSecret    = "staging-secret-for-the-replay"
)

func newClient(t *testing.T, url string) *emitter.Client {
	t.Helper()
	c, err := emitter.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// capture plays list to a reference receiver on loopback that writes an
// events file, as 'wms-mock receive --events FILE' does, and returns the
// file once the receiver is closed.
func capture(t *testing.T, list []*scenarios.Scenario, concurrency int) string {
	t.Helper()
	signer := testkit.Signer(t, productionSecret)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rc, err := receiver.New(signer, receiver.WithEventsFile(path))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	runner := &scenarios.Runner{Sender: newClient(t, srv.URL+"/webhook"), Concurrency: concurrency}
	if err := runner.Run(context.Background(), list, scenarios.ExpandOptions{Seed: 7, Signer: signer}, func(scenarios.Result) {}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func read(t *testing.T, paths ...string) *replay.Capture {
	t.Helper()
	c, err := replay.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// play sends a plan and fails t unless every delivery got a 2xx.
func play(t *testing.T, p *replay.Plan, url string) []scenarios.Result {
	t.Helper()
	var got []scenarios.Result
	if err := p.Play(context.Background(), newClient(t, url), func(r scenarios.Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if !r.Passed {
			t.Errorf("%s:%d %s got %d %s", r.Delivery.Scenario, r.Delivery.Line, r.Delivery.Event, r.Outcome.Status, r.Outcome.Message)
		}
	}
	return got
}

// A capture made with one secret replays to another endpoint, signed with
// its secret: the same bytes, in the same order.
func TestReplayToAnotherReceiver(t *testing.T) {
	c := read(t, capture(t, scenarios.Journeys(), 3))
	if c.Skipped != 0 || len(c.Events) == 0 {
		t.Fatalf("capture: %d events, problems %v", len(c.Events), c.Problems)
	}
	staging := testkit.Signer(t, stagingSecret)
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: staging})
	if err != nil {
		t.Fatal(err)
	}
	target := testkit.NewReceiver(t, staging)
	results := play(t, plan, target.URL)

	got := target.Deliveries()
	if len(got) != len(c.Events) || len(results) != len(c.Events) {
		t.Fatalf("%d delivered, %d reported, want %d", len(got), len(results), len(c.Events))
	}
	production := testkit.Signer(t, productionSecret)
	for i, d := range got {
		if !bytes.Equal(d.Body, c.Events[i].Body) {
			t.Errorf("delivery %d: body\n%s\nwant\n%s", i, d.Body, c.Events[i].Body)
		}
		if !d.Verified || production.Verify(d.Header.Get(emitter.HeaderMAC), d.Body) == nil {
			t.Errorf("delivery %d is not signed with the staging secret alone", i)
		}
		r := results[i].Delivery
		if r.SessionID != c.Events[i].SessionID || r.Sequence != c.Events[i].Sequence || r.Event != c.Events[i].Event || r.Line != c.Events[i].Line || r.Scenario != c.Events[i].File {
			t.Errorf("delivery %d reported as %+v", i, r)
		}
	}
	if len(plan.Sessions) != len(scenarios.Journeys()) {
		t.Errorf("%d sessions, want one per journey", len(plan.Sessions))
	}
}

var (
	uuidV4    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	sessionRe = regexp.MustCompile(`^[a-z0-9]{25}$`)
)

// Fresh replays are new sessions to the target: replayed twice to the
// reference receiver, nothing is a duplicate, and only the IDs and the
// timestamps differ from the capture.
func TestReplayFresh(t *testing.T) {
	c := read(t, capture(t, scenarios.Journeys(), 2))
	staging := testkit.Signer(t, stagingSecret)
	rc, err := receiver.New(staging)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	srv := httptest.NewServer(rc)
	defer srv.Close()

	for run := range 2 {
		now := time.Now()
		plan, err := replay.Prepare(c.Events, replay.Options{Signer: staging, Fresh: true, Seed: uint64(run)})
		if err != nil {
			t.Fatal(err)
		}
		play(t, plan, srv.URL)
		checkFresh(t, c.Events, plan, now)
	}
	st := rc.Stats()
	if st.Accepted != 2*len(c.Events) || st.Duplicates != 0 {
		t.Errorf("accepted %d, duplicates %d; want %d new events", st.Accepted, st.Duplicates, 2*len(c.Events))
	}
}

// checkFresh checks that each delivery is its captured event with a new
// session ID, new measurement ID and a timestamp moved by the session's
// shift, and nothing else changed.
func checkFresh(t *testing.T, events []replay.Event, plan *replay.Plan, now time.Time) {
	t.Helper()
	sessions := map[string]string{}
	measurements := map[string]string{}
	shifts := map[string]int64{}
	for i, d := range plan.Deliveries {
		old, sent := testkit.Decode(t, events[i].Body), testkit.Decode(t, d.Request.Body)
		if prev, ok := sessions[old.SessionID]; ok && prev != sent.SessionID || !sessionRe.MatchString(sent.SessionID) || sent.SessionID == old.SessionID {
			t.Fatalf("delivery %d: session %q sent as %q", i, old.SessionID, sent.SessionID)
		}
		sessions[old.SessionID] = sent.SessionID
		shift, seen := shifts[old.SessionID]
		if !seen {
			shift = sent.Timestamp - old.Timestamp
			shifts[old.SessionID] = shift
			if dt := time.Unix(sent.Timestamp, 0).Sub(now); dt < -2*time.Second || dt > 2*time.Second {
				t.Errorf("session %s starts at %v, %v from now", old.SessionID, time.Unix(sent.Timestamp, 0), dt)
			}
		}
		if sent.Timestamp-old.Timestamp != shift {
			t.Errorf("delivery %d: timestamp moved by %d s, the session's first by %d", i, sent.Timestamp-old.Timestamp, shift)
		}
		body := string(d.Request.Body)
		body = strings.Replace(body, `"sessionId":"`+sent.SessionID+`"`, `"sessionId":"`+old.SessionID+`"`, 1)
		body = strings.Replace(body, `"timestamp":`+strconv.FormatInt(sent.Timestamp, 10), `"timestamp":`+strconv.FormatInt(old.Timestamp, 10), 1)
		if id, ok := old.Payload["measurementId"].(string); ok {
			newID := sent.Payload["measurementId"].(string)
			if prev, ok := measurements[id]; ok && prev != newID || !uuidV4.MatchString(newID) || newID == id {
				t.Fatalf("delivery %d: measurement %s sent as %s", i, id, newID)
			}
			measurements[id] = newID
			body = strings.Replace(body, newID, id, 1)
		}
		if body != string(events[i].Body) {
			t.Errorf("delivery %d: other bytes changed:\n%s\nwant\n%s", i, body, events[i].Body)
		}
		if d.SessionID != sent.SessionID {
			t.Errorf("delivery %d reports session %s, sent %s", i, d.SessionID, sent.SessionID)
		}
	}
	for _, s := range plan.Sessions {
		if sessions[s.ID] != s.SentAs {
			t.Errorf("session %s reported as sent as %s, was %s", s.ID, s.SentAs, sessions[s.ID])
		}
	}
}

func TestReplaySelectsSessions(t *testing.T) {
	c := read(t, capture(t, scenarios.Journeys()[:3], 3))
	id := c.Events[len(c.Events)-1].SessionID
	signer := testkit.Signer(t, stagingSecret)
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: signer, Sessions: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	var want []replay.Event
	for _, ev := range c.Events {
		if ev.SessionID == id {
			want = append(want, ev)
		}
	}
	if len(plan.Deliveries) != len(want) || len(plan.Sessions) != 1 || plan.Sessions[0].Events != len(want) {
		t.Fatalf("%d deliveries in %d sessions, want %d of one", len(plan.Deliveries), len(plan.Sessions), len(want))
	}
	for i, d := range plan.Deliveries {
		if !bytes.Equal(d.Request.Body, want[i].Body) || d.Step != i {
			t.Errorf("delivery %d: %s (step %d)", i, d.Request.Body, d.Step)
		}
	}
	if plan.Deliveries[0].At != 0 {
		t.Errorf("the selection starts at %v, want 0", plan.Deliveries[0].At)
	}

	_, err = replay.Prepare(c.Events, replay.Options{Signer: signer, Sessions: []string{id[:len(id)-1] + "#"}})
	if err == nil || !strings.Contains(err.Error(), "is not in the capture: did you mean "+id) {
		t.Errorf("a mistyped session: %v", err)
	}
	if _, err := replay.Prepare(c.Events, replay.Options{}); err != replay.ErrNoSigner {
		t.Errorf("no signer: %v", err)
	}
}

// A damaged capture still replays what it can, and says which lines it
// skipped.
func TestReplayDamagedCapture(t *testing.T) {
	path := capture(t, scenarios.Journeys()[:2], 1)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	var damaged []string
	damaged = append(damaged, lines[:2]...)
	damaged = append(damaged, "garbage from another tool\n")                                              // line 3
	damaged = append(damaged, `{"timestamp":1,"sequence":0,"event":"WMS_LOADED","severity":"INFO"}`+"\n") // line 4
	damaged = append(damaged, lines[2:]...)
	damaged = append(damaged, lines[0][:len(lines[0])/2]) // torn
	if err := os.WriteFile(path, []byte(strings.Join(damaged, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	c := read(t, path)
	if len(c.Events) != len(lines) || c.Skipped != 3 {
		t.Fatalf("%d events (want %d), skipped %d: %v", len(c.Events), len(lines), c.Skipped, c.Problems)
	}
	wantLines := []int{3, 4, len(damaged)}
	for i, p := range c.Problems {
		if p.Line != wantLines[i] || p.File != path {
			t.Errorf("problem %d at %s:%d, want line %d: %s", i, p.File, p.Line, wantLines[i], p.Message)
		}
	}
	if !strings.Contains(c.Problems[1].Message, "no session ID") || !strings.Contains(c.Problems[2].Message, "cut short") {
		t.Errorf("problems: %v", c.Problems)
	}
	signer := testkit.Signer(t, stagingSecret)
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	target := testkit.NewReceiver(t, signer)
	play(t, plan, target.URL)
	if got := len(target.Deliveries()); got != len(lines) {
		t.Errorf("%d replayed, want %d", got, len(lines))
	}
}
