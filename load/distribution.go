package load

import "time"

// DistributionBounds are the upper bounds of Result.Distribution's
// buckets: an even step on a log scale (1, 2, 5, 10 ... ms), as the
// conformance report's burst chart has them, so that the two read alike.
var DistributionBounds = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
}

// Bucket is one bar of the latency distribution: the deliveries that took
// more than the bound before it and at most UpTo, or, when Above is set
// (the last bucket), more than the last bound.
type Bucket struct {
	UpTo  time.Duration `json:"-"`
	UpMs  float64       `json:"up_to_ms"`
	Above bool          `json:"above,omitempty"`
	Count uint64        `json:"count"`
}

// Distribution counts the latencies recorded in the buckets of bounds
// (ascending), plus one of those above the last; each latency by the
// least value of its histogram bucket, so that a bound itself counts in
// its own bucket, and others within Histogram's 0.4%.
func (h *Histogram) Distribution(bounds []time.Duration) []Bucket {
	out := make([]Bucket, len(bounds)+1)
	for i, b := range bounds {
		out[i].UpTo, out[i].UpMs = b, ms(b)
	}
	last := &out[len(bounds)]
	last.Above = true
	if len(bounds) > 0 {
		last.UpTo, last.UpMs = bounds[len(bounds)-1], ms(bounds[len(bounds)-1])
	}
	j := 0
	for i := range h.counts {
		n := h.counts[i].Load()
		if n == 0 {
			continue
		}
		low := time.Duration(logLow(i, subBits))
		for j < len(bounds) && low > bounds[j] {
			j++
		}
		out[j].Count += n
	}
	return out
}
