package load

import (
	"math"
	"time"
)

// pacer is the open model's schedule, as vegeta's ConstantPacer: event i
// falls due i/rate seconds after the start, whatever happened to the
// events before it. Each due time is computed from the start, never by
// adding an interval to the one before, so that rounding cannot add up
// over a long run: event i is due within a nanosecond (within float64's
// precision past about 100 days) of the exact time.
//
// An event that falls due is sent late rather than dropped: the lateness
// is the generator's lag or the receiver's latency, never a reason to
// skip it. So an event is missed only when it fell due (its due time is
// at or before the end of the run) and the run ended before handing it
// out.
type pacer struct {
	start time.Time
	rate  float64 // events per second, from MinRate to MaxRate
}

// offset is how long after the start event i falls due, to the nearest
// nanosecond. An offset past what a time.Duration holds (about 292 years)
// saturates at the largest Duration rather than wrapping round.
func (p pacer) offset(i uint64) time.Duration {
	ns := math.Round(float64(i) * float64(time.Second) / p.rate)
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// due is when event i falls due.
func (p pacer) due(i uint64) time.Time { return p.start.Add(p.offset(i)) }

// fallen counts the events that have fallen due by t: events 0 to
// fallen(t)-1 are due at or before t, and the others after it. It agrees
// with due exactly, at the boundary too.
func (p pacer) fallen(t time.Time) uint64 {
	el := t.Sub(p.start)
	if el < 0 {
		return 0
	}
	// The estimate is off by at most one from float rounding; the loops
	// settle it against offset itself. An event whose offset saturated
	// never falls due.
	n := uint64(float64(el)*p.rate/float64(time.Second)) + 1
	for n > 0 && p.offset(n-1) > el {
		n--
	}
	for {
		o := p.offset(n)
		if o > el || o == math.MaxInt64 {
			return n
		}
		n++
	}
}

// missed counts the events from next on that fell due by end, the end of
// the run: those the run never handed out, when next is the first event
// it did not.
func (p pacer) missed(next uint64, end time.Time) uint64 {
	if n := p.fallen(end); n > next {
		return n - next
	}
	return 0
}
