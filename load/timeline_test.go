package load

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestTimelineBucketsBySecond: each delivery counts in the second the
// clock is at, seconds without any show as zeros, and the percentiles of
// a second are of its own deliveries only, within the 6% a bucket allows.
func TestTimelineBucketsBySecond(t *testing.T) {
	var tl timeline
	for i := range 100 {
		tl.record(true, true, time.Duration(i+1)*time.Millisecond) // 1..100ms
	}
	tl.tick(2500 * time.Millisecond)
	tl.record(true, true, 2*time.Second)
	tl.record(false, true, 2*time.Second)
	tl.record(false, false, time.Nanosecond) // never reached: counted, not measured

	got := tl.result()
	if len(got) != 3 {
		t.Fatalf("%d seconds, want 3 (0, an empty 1, 2): %+v", len(got), got)
	}
	near := func(what string, d, want time.Duration) {
		t.Helper()
		if diff := float64(d-want) / float64(want); diff < -0.07 || diff > 0.07 {
			t.Errorf("%s = %v, want %v within 6%%", what, d, want)
		}
	}
	s0 := got[0]
	if s0.At != 0 || s0.Sent != 100 || s0.OK != 100 || s0.Failed != 0 {
		t.Errorf("second 0: %+v", s0)
	}
	near("second 0 p50", s0.P50, 50*time.Millisecond)
	near("second 0 p90", s0.P90, 90*time.Millisecond)
	near("second 0 p99", s0.P99, 99*time.Millisecond)
	if s1 := got[1]; s1 != (Second{At: 1}) {
		t.Errorf("second 1: %+v, want an empty second", s1)
	}
	s2 := got[2]
	if s2.At != 2 || s2.Sent != 3 || s2.OK != 1 || s2.Failed != 2 {
		t.Errorf("second 2: %+v", s2)
	}
	near("second 2 p50", s2.P50, 2*time.Second)
	if s2.P50ms < 1800 || s2.P50ms > 2200 {
		t.Errorf("second 2 p50_ms = %v", s2.P50ms)
	}
	if tl.cut.Load() {
		t.Error("cut set within the cap")
	}
}

// TestTimelineCap: past MaxTimelineSeconds nothing more is kept, and the
// timeline says it was cut.
func TestTimelineCap(t *testing.T) {
	var tl timeline
	tl.tick((MaxTimelineSeconds - 1) * time.Second)
	tl.record(true, true, time.Millisecond)
	tl.tick(MaxTimelineSeconds * time.Second)
	tl.record(true, true, time.Millisecond)
	tl.tick(10 * MaxTimelineSeconds * time.Second)
	tl.record(true, true, time.Millisecond)
	got := tl.result()
	if len(got) != MaxTimelineSeconds || got[len(got)-1].Sent != 1 {
		t.Fatalf("%d seconds, the last %+v: want %d, the last with its one delivery", len(got), got[len(got)-1], MaxTimelineSeconds)
	}
	if !tl.cut.Load() {
		t.Error("deliveries past the cap dropped without cut set")
	}
}

// TestTimelineBucketsMatchHistogram: the shared log-linear layout puts
// every value in a bucket whose middle is near it, at both resolutions.
func TestTimelineBucketsMatchHistogram(t *testing.T) {
	for _, v := range []uint64{0, 1, 15, 16, 17, 1000, 123456, 1 << 40, 1 << 50} {
		for _, sub := range []int{secSubBits, subBits} {
			mid := logMid(logBucket(v, sub), sub)
			if v >= 1<<maxBits {
				continue // the last bucket holds everything past it
			}
			if diff := float64(mid) - float64(v); v > 0 && (diff/float64(v) > 0.07 || diff/float64(v) < -0.07) {
				t.Errorf("sub %d: %d lands in a bucket around %d", sub, v, mid)
			}
		}
	}
}

// TestRunHasTimelineOfItsTotals: a run's timeline has a second for each
// second it ran, of the events answered then, adding up to its totals.
func TestRunHasTimelineOfItsTotals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: 100 * time.Millisecond}
		res, err := Run(t.Context(), Config{Source: fixedSource(4), Sender: f, Concurrency: 2, Duration: 2500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var sent, ok uint64
		for _, s := range res.Timeline {
			sent, ok = sent+s.Sent, ok+s.OK
		}
		if len(res.Timeline) != 3 || sent != res.Sent || ok != res.OK {
			t.Fatalf("timeline %+v: %d seconds, sent %d ok %d; want 3 seconds adding up to %d, %d", res.Timeline, len(res.Timeline), sent, ok, res.Sent, res.OK)
		}
		// Two workers, an answer each 100ms: about 20 a second.
		if s := res.Timeline[1]; s.Sent < 18 || s.Sent > 22 || s.P50 < 95*time.Millisecond || s.P50 > 105*time.Millisecond {
			t.Errorf("second 1: %+v, want about 20 events at 100ms", s)
		}
	})
}

// TestDistributionCountsEachLatencyOnce: each latency is in the bucket of
// the first bound at or over it, past the last in the Above bucket.
func TestDistributionCountsEachLatencyOnce(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{500 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond, time.Minute} {
		h.Record(d)
	}
	got := h.Distribution([]time.Duration{time.Millisecond, 5 * time.Millisecond})
	want := []uint64{2, 2, 1}
	if len(got) != 3 || !got[2].Above || got[1].UpMs != 5 {
		t.Fatalf("buckets %+v", got)
	}
	for i, b := range got {
		if b.Count != want[i] {
			t.Errorf("bucket %d (%+v): %d, want %d", i, b, b.Count, want[i])
		}
	}
}
