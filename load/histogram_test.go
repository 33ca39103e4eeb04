package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank percentile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

func TestHistogramMatchesExactPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sets := map[string][]time.Duration{
		"small exact values": {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		"uniform 0-50ms":     draw(100_000, func() time.Duration { return time.Duration(r.Int64N(int64(50 * time.Millisecond))) }),
		"exponential 2ms":    draw(100_000, func() time.Duration { return time.Duration(r.ExpFloat64() * float64(2*time.Millisecond)) }),
		"bimodal with outliers": draw(50_000, func() time.Duration {
			switch n := r.IntN(1000); {
			case n == 0:
				return time.Duration(r.Int64N(int64(9 * time.Second)))
			case n < 300:
				return 40*time.Millisecond + time.Duration(r.Int64N(int64(time.Millisecond)))
			default:
				return 300*time.Microsecond + time.Duration(r.Int64N(int64(100*time.Microsecond)))
			}
		}),
	}
	qs := []float64{0, 0.5, 0.9, 0.99, 0.999, 1}
	for name, values := range sets {
		t.Run(name, func(t *testing.T) {
			var h Histogram
			for _, v := range values {
				h.Record(v)
			}
			sorted := slices.Clone(values)
			slices.Sort(sorted)
			got := h.Quantiles(qs...)
			for i, q := range qs {
				want := exactQuantile(sorted, q)
				if diff := math.Abs(float64(got[i] - want)); diff > float64(want)/256+0.5 {
					t.Errorf("quantile %v = %v, exact %v: off by %.3f%%, more than 0.4%%", q, got[i], want, 100*diff/float64(want))
				}
			}
			if h.Max() != sorted[len(sorted)-1] {
				t.Errorf("Max = %v, want exactly %v", h.Max(), sorted[len(sorted)-1])
			}
			if h.Count() != uint64(len(values)) {
				t.Errorf("Count = %d, want %d", h.Count(), len(values))
			}
		})
	}
}

func draw(n int, f func() time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if got := h.Quantiles(0.5, 0.99); got[0] != 0 || got[1] != 0 {
		t.Errorf("empty histogram quantiles = %v, want zeros", got)
	}
	h.Record(-time.Second)
	h.Record(2 * time.Hour) // past the last bucket: kept in it, Max exact
	if got := h.Quantiles(0.5)[0]; got != 0 {
		t.Errorf("p50 of {0, 2h} = %v, want 0 (negative values count as zero)", got)
	}
	if got := h.Quantiles(1)[0]; got <= 30*time.Minute || got > 2*time.Hour {
		t.Errorf("p100 of {0, 2h} = %v, want within the last bucket and at most the max", got)
	}
	if h.Max() != 2*time.Hour {
		t.Errorf("Max = %v, want 2h", h.Max())
	}
}

func TestBucketsCoverValuesInOrder(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<maxBits; v = v + 1 + v/97 {
		b := bucketOf(v)
		if b < prev || b >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d after %d: buckets must rise with values and stay below %d", v, b, prev, numBuckets)
		}
		mid := bucketMid(b)
		if d := math.Abs(float64(mid) - float64(v)); d > float64(v)/256+0.5 {
			t.Fatalf("bucketMid(bucketOf(%d)) = %d: off by more than 1/256", v, mid)
		}
		prev = b
	}
	if got := bucketOf(1<<maxBits - 1); got != numBuckets-1 {
		t.Errorf("the largest value kept apart is in bucket %d, want the last one, %d", got, numBuckets-1)
	}
}

func TestHistogramConcurrentRecords(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10_000 {
				h.Record(time.Duration(w*10_000 + i))
			}
		})
	}
	wg.Wait()
	if h.Count() != 80_000 {
		t.Errorf("Count = %d after 80,000 concurrent records", h.Count())
	}
	if h.Max() != 79_999 {
		t.Errorf("Max = %d, want 79999", h.Max())
	}
}
