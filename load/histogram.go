package load

import (
	"math"
	"sync/atomic"
	"time"
)

// The histogram is log-linear, as in HdrHistogram: values below 2^(subBits+1)
// nanoseconds each have their own bucket, and every power of two above that
// is split into 2^subBits buckets. A bucket is then never wider than 1/128
// of its lower bound, and reporting its midpoint is within 1/256 (0.4%) of
// any value in it.
const (
	subBits = 7
	// maxBits bounds the values kept apart: 2^41 ns is about 36 minutes,
	// far past any delivery deadline. Larger values share the last bucket,
	// and Max still reports them exactly.
	maxBits    = 41
	numBuckets = (maxBits-subBits-1)<<subBits + 1<<(subBits+1)
)

// Histogram counts latencies in fixed memory (about 35 KiB) however many it
// holds, so that a run of hours measures percentiles without keeping its
// samples. Record and the readers are safe for concurrent use and take no
// lock: a load generator records from every worker on its hot path.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	max    atomic.Int64
}

// Record adds one latency. Negative values count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))].Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Count returns how many latencies were recorded.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Max returns the largest latency recorded, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantiles returns the latency at each quantile of qs (each in [0, 1], in
// any order) by the nearest-rank method, to within 0.4%. It returns zeros
// when nothing was recorded.
func (h *Histogram) Quantiles(qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	var counts [numBuckets]uint64
	var total uint64
	for i := range h.counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return out
	}
	maxVal := uint64(h.max.Load())
	for k, q := range qs {
		rank := uint64(math.Ceil(min(max(q, 0), 1) * float64(total)))
		rank = max(rank, 1)
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= rank {
				out[k] = time.Duration(min(bucketMid(i), maxVal))
				break
			}
		}
	}
	return out
}

// bucketOf returns the bucket that holds v.
func bucketOf(v uint64) int { return logBucket(v, subBits) }

// bucketMid returns the middle of bucket i's range of values.
func bucketMid(i int) uint64 { return logMid(i, subBits) }
