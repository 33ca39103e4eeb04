package load

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// MaxTimelineSeconds caps Result.Timeline: an hour of seconds, about 1.3
// KiB each, so that a run of any length keeps its timeline in a few MiB.
// Deliveries answered after the cap are in the totals but not in the
// timeline, and Result.TimelineCut says so.
const MaxTimelineSeconds = 3600

// Second is one second of a run: the deliveries answered within it,
// counted as Result counts them, and the percentiles of their latency.
type Second struct {
	// At is the second's start, in whole seconds since the run started.
	At     int    `json:"at_s"`
	Sent   uint64 `json:"sent"`
	OK     uint64 `json:"ok"`
	Failed uint64 `json:"failed"`
	// P50, P90 and P99 are of the deliveries that reached the receiver,
	// as Result.Latency is, to within 6%; zero when none did.
	P50, P90, P99 time.Duration `json:"-"`
	// The same, in milliseconds, for JSON readers.
	P50ms float64 `json:"p50_ms"`
	P90ms float64 `json:"p90_ms"`
	P99ms float64 `json:"p99_ms"`
}

// The per-second histogram is log-linear as Histogram is, coarser: 8
// buckets a power of two, so a bucket is at most 1/8 of its lower bound
// wide and its midpoint within 6% of any value in it. Percentiles of one
// second need no more, and 312 buckets of 4 bytes keep an hour small.
const (
	secSubBits    = 3
	secNumBuckets = (maxBits-secSubBits-1)<<secSubBits + 1<<(secSubBits+1)
)

// second is the live count of one second; a uint32 holds far more than
// MaxRate deliveries.
type second struct {
	sent, ok atomic.Uint32
	hist     [secNumBuckets]atomic.Uint32
}

// timeline counts a run's deliveries by the second they were answered in.
// Its clock is a second index that one goroutine advances (tick), so that
// recording reads no clock of its own, and each second is allocated when
// its first delivery arrives, so that a short run holds only its seconds.
type timeline struct {
	now     atomic.Int64
	cut     atomic.Bool
	seconds [MaxTimelineSeconds]atomic.Pointer[second]
}

// tick sets the current second from the time since start.
func (t *timeline) tick(elapsed time.Duration) { t.now.Store(int64(elapsed / time.Second)) }

// record counts one delivery in the current second; measured tells
// whether its latency counts (see reached).
func (t *timeline) record(ok, measured bool, latency time.Duration) {
	i := t.now.Load()
	if i >= MaxTimelineSeconds {
		t.cut.Store(true)
		return
	}
	s := t.seconds[i].Load()
	if s == nil {
		s = new(second)
		if !t.seconds[i].CompareAndSwap(nil, s) {
			s = t.seconds[i].Load()
		}
	}
	s.sent.Add(1)
	if ok {
		s.ok.Add(1)
	}
	if measured {
		s.hist[logBucket(uint64(max(latency, 0)), secSubBits)].Add(1)
	}
}

// result returns the seconds from the first to the last that had a
// delivery, a second without any included as zeros, so that a chart shows
// a stall as one.
func (t *timeline) result() []Second {
	last := -1
	for i := range t.seconds {
		if t.seconds[i].Load() != nil {
			last = i
		}
	}
	out := make([]Second, 0, last+1)
	for i := 0; i <= last; i++ {
		sec := Second{At: i}
		if s := t.seconds[i].Load(); s != nil {
			sec.Sent, sec.OK = uint64(s.sent.Load()), uint64(s.ok.Load())
			sec.Failed = sec.Sent - sec.OK
			q := s.quantiles(0.5, 0.9, 0.99)
			sec.P50, sec.P90, sec.P99 = q[0], q[1], q[2]
			sec.P50ms, sec.P90ms, sec.P99ms = ms(q[0]), ms(q[1]), ms(q[2])
		}
		out = append(out, sec)
	}
	return out
}

// quantiles is Histogram.Quantiles for one second.
func (s *second) quantiles(qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	var counts [secNumBuckets]uint64
	var total uint64
	for i := range s.hist {
		counts[i] = uint64(s.hist[i].Load())
		total += counts[i]
	}
	if total == 0 {
		return out
	}
	for k, q := range qs {
		rank := max(uint64(math.Ceil(q*float64(total))), 1)
		var seen uint64
		for i, c := range counts {
			if seen += c; seen >= rank {
				out[k] = time.Duration(logMid(i, secSubBits))
				break
			}
		}
	}
	return out
}

// logBucket returns the bucket of v in a log-linear histogram of sub
// sub-bits over maxBits bits: Histogram's layout with sub for subBits.
func logBucket(v uint64, sub int) int {
	n := bits.Len64(v)
	if n <= sub+1 {
		return int(v)
	}
	if n > maxBits {
		return (maxBits-sub-1)<<sub + 1<<(sub+1) - 1
	}
	shift := n - sub - 1
	return shift<<sub + int(v>>shift)
}

// logMid returns the middle of bucket i's range of values, for logBucket.
func logMid(i, sub int) uint64 {
	if i < 1<<(sub+1) {
		return uint64(i)
	}
	shift := i>>sub - 1
	return logLow(i, sub) + (uint64(1)<<shift-1)/2
}

// logLow returns the least value of bucket i, for logBucket.
func logLow(i, sub int) uint64 {
	if i < 1<<(sub+1) {
		return uint64(i)
	}
	shift := i>>sub - 1
	return uint64(i-shift<<sub) << shift
}
