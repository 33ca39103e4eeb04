package replay_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/replay"
	"github.com/wmsmock/wms-mock/scenarios"
)

var t0 = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)

// record is one line of a receiver's events file.
func record(at time.Duration, session string, seq int, ts int64) string {
	body := fmt.Sprintf(`{"timestamp":%d,"sessionId":%q,"sequence":%d,"event":"WMS_LOADED","severity":"INFO"}`, ts, session, seq)
	return `{"receivedAt":"` + t0.Add(at).Format(time.RFC3339Nano) + `","envelope":` + body + "}\n"
}

// Arrival gaps are kept, and sessions interleave as they arrived; the pace
// scales the gaps as in 'wms-mock run'.
func TestPrepareKeepsTheRhythm(t *testing.T) {
	ts := t0.Unix()
	c, err := replay.ReadFrom(strings.NewReader(
		record(0, "a", 0, ts)+
			record(500*time.Millisecond, "b", 0, ts)+
			record(1500*time.Millisecond, "a", 1, ts+1)+
			record(1400*time.Millisecond, "b", 1, ts+1)+ // arrived during a's: the clock does not run back
			record(3*time.Second, "a", 2, ts+3)+
			record(4*time.Second, "b", 2, ts+4)), "rhythm.jsonl")
	if err != nil || c.Skipped != 0 {
		t.Fatal(err, c.Problems)
	}
	now := time.Unix(1800000000, 0)
	x10, _ := scenarios.ParsePace("x10")
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t), Pace: x10, Fresh: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		session string
		at      time.Duration
	}{{"a", 0}, {"b", 500 * time.Millisecond}, {"a", 1500 * time.Millisecond}, {"b", 1500 * time.Millisecond}, {"a", 3 * time.Second}, {"b", 4 * time.Second}}
	ids := map[string]string{}
	for _, s := range plan.Sessions {
		ids[s.SentAs] = s.ID
	}
	for i, w := range want {
		d := plan.Deliveries[i]
		if ids[d.SessionID] != w.session || d.At != w.at {
			t.Errorf("delivery %d: session %s at %v, want %s at %v", i, ids[d.SessionID], d.At, w.session, w.at)
		}
		if real := plan.Pace.Real(d.At); real != w.at/10 {
			t.Errorf("delivery %d is sent %v after the start at x10, want %v", i, real, w.at/10)
		}
	}
	// Fresh stamps each session's first event with the moment it is sent:
	// b starts 50ms into a replay at x10, which is still the same second.
	for i, wantTS := range []int64{0, 0, 1, 1, 3, 4} {
		env := testkit.Decode(t, plan.Deliveries[i].Request.Body)
		if env.Timestamp != now.Unix()+wantTS {
			t.Errorf("delivery %d: timestamp %d, want now+%d", i, env.Timestamp, wantTS)
		}
	}
}

// Fresh at realtime stamps a session that starts later with that later
// moment.
func TestFreshStampsWhenSent(t *testing.T) {
	ts := t0.Unix()
	c, _ := replay.ReadFrom(strings.NewReader(record(0, "a", 0, ts)+record(90*time.Second, "b", 0, ts+90)), "later.jsonl")
	now := time.Unix(1800000000, 0)
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t), Pace: scenarios.PaceRealtime, Fresh: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := testkit.Decode(t, plan.Deliveries[1].Request.Body).Timestamp; got != now.Unix()+90 {
		t.Errorf("b starts at %d, want now+90 = %d", got, now.Unix()+90)
	}
	plan, _ = replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t), Fresh: true, Now: now})
	if got := testkit.Decode(t, plan.Deliveries[1].Request.Body).Timestamp; got != now.Unix() {
		t.Errorf("at pace fast b is sent at once, so it starts now (%d), got %d", now.Unix(), got)
	}
}

// Without arrival times the events' own timestamps give the rhythm, and a
// timestamp that runs back waits for nothing.
func TestPrepareByTimestamps(t *testing.T) {
	body := func(ts int64, seq int) string {
		return fmt.Sprintf(`{"timestamp":%d,"sessionId":"s","sequence":%d,"event":"WMS_LOADED","severity":"INFO"}`+"\n", ts, seq)
	}
	c, _ := replay.ReadFrom(strings.NewReader(body(100, 0)+body(105, 1)+body(103, 2)+body(110, 3)), "bodies.jsonl")
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Duration{0, 5 * time.Second, 5 * time.Second, 10 * time.Second} {
		if got := plan.Deliveries[i].At; got != want {
			t.Errorf("delivery %d at %v, want %v", i, got, want)
		}
		if plan.Pace.Real(plan.Deliveries[i].At) != 0 {
			t.Error("the zero pace is fast: no waiting")
		}
	}
	empty, err := replay.Prepare(nil, replay.Options{Signer: testkit.Signer(t)})
	if err != nil || len(empty.Deliveries) != 0 {
		t.Errorf("an empty capture: %v, %v", empty, err)
	}
}

// Fresh keeps the bytes it does not rewrite, whitespace, key order,
// unknown fields and escapes included.
func TestFreshEditsInPlace(t *testing.T) {
	line := `{ "sessionId" : "old", "extra": {"measurementId": "not-this-one"}, "timestamp" : 100, "sequence":0,` +
		`"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"snr":5.10,"measurementId":"m-1","note":"Zo\u00eb"}}`
	c, _ := replay.ReadFrom(strings.NewReader(line+"\n"+strings.Replace(line, `"sequence":0`, `"sequence":1`, 1)+"\n"), "odd.jsonl")
	plan, err := replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t), Fresh: true, Seed: 3, Now: time.Unix(1000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	sent := string(plan.Deliveries[0].Request.Body)
	env := testkit.Decode(t, []byte(sent))
	mid := env.Payload["measurementId"].(string)
	want := strings.NewReplacer(`"old"`, `"`+env.SessionID+`"`, `100`, `1000`, `"m-1"`, `"`+mid+`"`).Replace(line)
	if sent != want {
		t.Errorf("sent\n%s\nwant\n%s", sent, want)
	}
	again := testkit.Decode(t, plan.Deliveries[1].Request.Body)
	if again.SessionID != env.SessionID || again.Payload["measurementId"] != mid {
		t.Errorf("the second event got other IDs: %+v", again)
	}
	other, _ := replay.Prepare(c.Events, replay.Options{Signer: testkit.Signer(t), Fresh: true, Seed: 3, Now: time.Unix(1000, 0)})
	if string(other.Deliveries[0].Request.Body) != sent {
		t.Error("the same seed should make the same IDs")
	}
}
