package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// specDeadline sends the 21 events and requires a 2xx within the deadline
// for each. It reports the deliveries that got no complete answer in time;
// a delivery that got a refusal or a broken answer quickly is all-events'
// finding, and leaves this spec without a verdict, since how long the
// receiver takes to accept that event is unknown.
var specDeadline = spec{
	SpecInfo: SpecInfo{
		ID: "deadline", Level: Must, Area: AreaTiming,
		Title:   "accepts every valid delivery within the deadline",
		Correct: "answers each valid delivery with a 2xx well within the deadline: it verifies, stores durably and answers, and leaves any slow work to run after the answer.",
		Fix:     "slow work before the answer (calling other services, fetching results): store the event, answer, then process it.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		if s.diag.kind == unanswered {
			s.slowFailure(c)
			return nil
		}
		sess := s.newSession()
		var slowest exchange
		var refused []string
		for _, ev := range catalogOrder() {
			env, x, err := s.sendNext(ctx, sess, ev)
			if err != nil {
				return err
			}
			switch {
			case x.accepted():
				if x.att.Latency > slowest.att.Latency {
					slowest = x
				}
			case x.att.Class == emitter.FailTimeout || x.att.Class == emitter.FailConnect:
				c.fail(fmt.Sprintf("%s (sequence %d) got no 2xx within the %s deadline: %s.", ev, env.Sequence, s.timeout, x.outcome()), x)
			case s.seqZero(env.Sequence) != "":
				// Refused for its sequence, as the diagnosis says and
				// all-events reports: the other events still show the time.
			default:
				refused = append(refused, fmt.Sprintf("%s (%s)", ev, x.outcome()))
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		if slowest.accepted() {
			c.report("slowest 2xx", humanize.Duration(slowest.att.Latency))
		}
		if n := len(refused); n > 0 {
			if n > maxShown {
				refused = append(refused[:maxShown], fmt.Sprintf("%d more", n-maxShown))
			}
			c.undecided = fmt.Sprintf("No verdict: %d of the 21 valid deliveries got no 2xx, for a reason other than time (%s; all-events reports each), so how long this receiver takes to accept them is unknown.",
				n, strings.Join(refused, "; "))
		}
		return nil
	},
}

var specBurst = spec{
	SpecInfo: SpecInfo{
		ID: "burst", Level: Must, Area: AreaTiming,
		Title:   "accepts a burst of concurrent sessions within the deadline",
		Correct: "answers 2xx to every event within the deadline when many sessions deliver at once.",
		Fix:     "requests serialised behind one lock or a one-connection pool, or a rate limiter: make the handler concurrent, size the pool.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		deliveries, err := s.sendBurst(ctx)
		s.judgeBurst(c, deliveries)
		return err
	},
}

// burstEvents are the events of each burst session: the start of a
// session, when a real burst (a campaign link opened by many users at
// once) hits hardest.
var burstEvents = []string{"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED"}

// burstDelivery is one delivery of the burst.
type burstDelivery struct {
	x   exchange
	seq int64
	ev  string
}

// sendBurst starts the burst's sessions at once and returns their
// deliveries, session by session.
func (s *suite) sendBurst(ctx context.Context) ([][]burstDelivery, error) {
	sessions := make([]*emitter.Session, s.burstN)
	for i := range sessions {
		sessions[i] = s.newSession()
	}
	results := make([][]burstDelivery, s.burstN)
	errs := make([]error, s.burstN)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, sess := range sessions {
		wg.Go(func() {
			<-start
			for _, ev := range burstEvents {
				env, x, err := s.sendNext(ctx, sess, ev)
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], burstDelivery{x, env.Sequence, ev})
				if ctx.Err() != nil {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	return results, errors.Join(errs...)
}

// judgeBurst records the burst's figures and every delivery that was not
// accepted, after the counts of each cause.
func (s *suite) judgeBurst(c *check, results [][]burstDelivery) {
	stats := BurstStats{Sessions: s.burstN}
	var lat []time.Duration
	unanswered := map[string]int{} // by failure class
	refused := map[string]int{}    // answered without a 2xx, by status
	for _, rs := range results {
		for _, r := range rs {
			stats.Deliveries++
			lat = append(lat, r.x.att.Latency)
			switch {
			case r.x.accepted():
				continue
			case r.x.answered():
				refused[fmt.Sprintf("%d %s", r.x.att.Status, http.StatusText(r.x.att.Status))]++
			default:
				unanswered[string(r.x.att.Class)]++
			}
			stats.Failed++
			c.failSeq(s.seqZero(r.seq), fmt.Sprintf("In the burst, %s (sequence %d) was not accepted: %s.", r.ev, r.seq, r.x.outcome()), r.x)
		}
	}
	s.latencies(&stats, lat)
	s.setBurst(c, stats)
	// The counts come first, each cause in its own sentence: a receiver
	// that refuses valid events fast has no concurrency problem to show.
	var counts []problem
	if n := total(unanswered); n > 0 {
		counts = append(counts, problem{what: fmt.Sprintf("%d of %d deliveries in a burst of %d concurrent sessions got no complete answer within the %s deadline (%s; p50 %s, max %s): the usual cause is requests waiting behind one lock or a small connection pool.",
			n, stats.Deliveries, s.burstN, s.timeout, humanize.Counts(unanswered), humanize.Duration(stats.P50), humanize.Duration(stats.Max))})
	}
	if n := total(refused); n > 0 {
		why := ""
		switch {
		case !s.validOK:
			why = fmt.Sprintf(", like the valid events sent before the first spec (the probe got %s): fix that first, as it is the likely cause here too", s.probe.outcome())
		case s.diag.kind == seqZeroRefused:
			why = ": each session's first event has sequence 0, which the receiver refuses (see the diagnosis at the top)"
		}
		explained := true
		for _, p := range c.problems {
			explained = explained && p.explained
		}
		counts = append(counts, problem{what: fmt.Sprintf("%d of %d deliveries in a burst of %d concurrent sessions were answered in time, but not with a 2xx (%s)%s.",
			n, stats.Deliveries, s.burstN, humanize.Counts(refused), why), explained: explained && s.diag.kind == seqZeroRefused})
	}
	c.problems = append(counts, c.problems...)
}

// total is the sum of the counts.
func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// latencyBounds are the burst histogram's bounds: a roughly logarithmic
// scale from a fast local answer to the default deadline.
var latencyBounds = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
}

// latencies fills in the burst's latency figures and histogram; the last
// bucket ends at the deadline.
func (s *suite) latencies(b *BurstStats, lat []time.Duration) {
	slices.Sort(lat)
	n := len(lat)
	if n == 0 {
		return
	}
	var total time.Duration
	for _, l := range lat {
		total += l
	}
	b.Min, b.Mean, b.Max = lat[0], total/time.Duration(n), lat[n-1]
	b.P50, b.P90, b.P99 = lat[(n-1)*50/100], lat[(n-1)*90/100], lat[(n-1)*99/100]
	bounds := append(slices.DeleteFunc(slices.Clone(latencyBounds), func(d time.Duration) bool { return d >= s.timeout }), s.timeout)
	i := 0
	for _, bound := range bounds {
		k := i
		for k < n && lat[k] <= bound {
			k++
		}
		b.Buckets = append(b.Buckets, LatencyBucket{UpTo: bound, Count: k - i})
		i = k
	}
	b.Over = n - i
}
