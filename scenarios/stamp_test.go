package scenarios

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// TestClockStampsWhenSent stamps a session whose clock spans 40 s as if it
// were all sent at one moment: every event in order is stamped then, a
// reordered one as much earlier as the scenario puts it before the event
// sent ahead of it, a skewed one keeps its skew, a duplicate's copy is
// its original byte for byte, and every MAC and forgery is made again
// for the body as stamped.
func TestClockStampsWhenSent(t *testing.T) {
	signer := testkit.Signer(t)
	s := mustParse(t, `steps:
  - WMS_LOADED
  - {event: CONFIGURATION_LOADED, after: 10s, reorder: true}
  - {event: CAMERA_STARTED, after: 5s}
  - {event: MEASUREMENT_STARTED, after: 20s, duplicate: true}
  - {event: MEASUREMENT_CREATED, after: 1s, skew: -1h, expect: any}
  - {event: SCAN_COMPLETED, after: 1s, mac: wrong-secret, expect: 4xx}
  - {event: RESULTS_RECEIVED, after: 1s, tamper: true, expect: 4xx}
  - {raw: '{}', expect: 4xx}
`)
	ds := expand(t, s, ExpandOptions{Signer: signer, Start: time.Unix(goldenStart, 0)})
	now := time.Unix(1800000000, 0)
	var clock Clock
	var ts []int64
	var reqs []emitter.Request
	for i := range ds {
		r := clock.Stamp(&ds[i], now)
		reqs = append(reqs, r)
		if ds[i].Event == "" {
			if !bytes.Equal(r.Body, ds[i].Request.Body) {
				t.Errorf("the raw body changed: %s", r.Body)
			}
			continue
		}
		ts = append(ts, testkit.Decode(t, r.Body).Timestamp)
	}
	// Sent: WMS_LOADED, CAMERA_STARTED (15 s), CONFIGURATION_LOADED (10 s,
	// late), MEASUREMENT_STARTED and its copy, MEASUREMENT_CREATED -1h,
	// SCAN_COMPLETED, RESULTS_RECEIVED tampered (+1 s).
	want := []int64{1800000000, 1800000000, 1800000000 - 5, 1800000000, 1800000000, 1800000000 - 3600, 1800000000, 1800000001}
	if len(ts) != len(want) {
		t.Fatalf("timestamps %v, want %v", ts, want)
	}
	for i := range want {
		if ts[i] != want[i] {
			t.Errorf("delivery %d (%s) stamped %d, want %d", i, ds[i].Event, ts[i], want[i])
		}
	}
	if !bytes.Equal(reqs[3].Body, reqs[4].Body) || ds[4].Copy != 1 {
		t.Errorf("the duplicate's copy is not its original:\n%s\n%s", reqs[3].Body, reqs[4].Body)
	}
	for i, r := range reqs[:5] {
		if err := signer.Verify(r.Header[emitter.HeaderMAC][0], r.Body); err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	if v, _ := forgery.New(signer).Header(forgery.WrongSecret, reqs[6].Body); reqs[6].Header[emitter.HeaderMAC][0] != v {
		t.Error("the wrong-secret forgery is not made for the stamped body")
	}
	original := bytes.Replace(reqs[7].Body, []byte(`"timestamp":1800000001`), []byte(`"timestamp":1800000000`), 1)
	if err := signer.Verify(reqs[7].Header[emitter.HeaderMAC][0], original); err != nil {
		t.Errorf("the tampered body does not carry the MAC of the body stamped before tampering: %v", err)
	}
}

// TestRunnerStampsEveryDelivery plays the happy path, whose clock spans
// 40 s, at a fast pace with Stamp: every delivery arrives stamped within a
// second of its arrival, in order, and verifies.
func TestRunnerStampsEveryDelivery(t *testing.T) {
	signer := testkit.Signer(t)
	rec := testkit.NewReceiver(t, signer)
	client, err := emitter.NewClient(rec.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	happy, err := Find("happy-path")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Unix()
	runner := &Runner{Sender: client, Stamp: true}
	var sent []Result
	err = runner.Run(context.Background(), []*Scenario{happy}, ExpandOptions{Seed: 5, Signer: signer}, func(r Result) { sent = append(sent, r) })
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Unix()
	if n := rec.BadMACs(); n > 0 {
		t.Errorf("%d deliveries with a bad MAC", n)
	}
	last := int64(0)
	for i, d := range rec.Deliveries() {
		ts := d.Envelope.Timestamp
		if ts < before || ts > after || ts < last {
			t.Errorf("delivery %d (%s) stamped %d, want within [%d, %d] and not before %d", i, d.Envelope.Event, ts, before, after, last)
		}
		last = ts
		if !bytes.Equal(d.Body, sent[i].Delivery.Request.Body) {
			t.Errorf("delivery %d: the Result does not hold the request as sent", i)
		}
	}
	if len(rec.Deliveries()) != happy.Len() || !strings.Contains(string(sent[0].Delivery.Request.Body), `"sequence":0`) {
		t.Errorf("%d deliveries, want %d", len(rec.Deliveries()), happy.Len())
	}
}
