package conformance

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/wmsmock/wms-mock/emitter"
)

// specDeadline sends the 21 events and requires a 2xx within the deadline
// for each. It reports the deliveries that got no complete answer in time;
// a delivery that got a refusal or a broken answer quickly is all-events'
// finding, and leaves this spec without a verdict, since how long the
// receiver takes to accept that event is unknown.
func specDeadline(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	var slowest exchange
	var refused []string
	for _, ev := range catalogOrder() {
		env := s.envelope(sess, emitter.Emit{Event: ev})
		x := s.send(ctx, s.signed(body(env)))
		switch {
		case x.accepted():
			if x.att.Latency > slowest.att.Latency {
				slowest = x
			}
		case x.att.Class == emitter.FailTimeout || x.att.Class == emitter.FailConnect:
			c.fail(fmt.Sprintf("%s (sequence %d) got no 2xx within the %s deadline: %s.", ev, env.Sequence, s.timeout, x.outcome()), x)
		default:
			refused = append(refused, fmt.Sprintf("%s (%s)", ev, x.outcome()))
		}
		if ctx.Err() != nil {
			return
		}
	}
	if slowest.accepted() {
		ginkgo.AddReportEntry("slowest 2xx", latency(slowest.att.Latency))
	}
	if n := len(refused); n > 0 {
		if n > maxShown {
			refused = append(refused[:maxShown], fmt.Sprintf("%d more", n-maxShown))
		}
		c.undecided = fmt.Sprintf("No verdict: %d of the 21 valid deliveries got no 2xx, for a reason other than time (%s; all-events reports each), so how long this receiver takes to accept them is unknown.",
			n, strings.Join(refused, "; "))
	}
}

func specBurst(s *suite, ctx context.Context, c *check) {
	type result struct {
		x   exchange
		seq int64
		ev  string
	}
	sessions := make([]*emitter.Session, s.burstN)
	for i := range sessions {
		sessions[i] = s.newSession()
	}
	results := make([][]result, s.burstN)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, sess := range sessions {
		wg.Go(func() {
			defer ginkgo.GinkgoRecover()
			<-start
			// The start of a session, when a real burst (a campaign link
			// opened by many users at once) hits hardest.
			for _, ev := range []string{"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED"} {
				env := s.envelope(sess, emitter.Emit{Event: ev})
				x := s.send(ctx, s.signed(body(env)))
				results[i] = append(results[i], result{x, env.Sequence, ev})
				if ctx.Err() != nil {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()

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
			c.fail(fmt.Sprintf("In the burst, %s (sequence %d) was not accepted: %s.", r.ev, r.seq, r.x.outcome()), r.x)
		}
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		stats.P50 = lat[(n-1)*50/100]
		stats.P99 = lat[(n-1)*99/100]
		stats.Max = lat[n-1]
	}
	s.setBurst(stats)
	// The counts come first, each cause in its own sentence: a receiver
	// that refuses valid events fast has no concurrency problem to show.
	var counts []problem
	if n := total(unanswered); n > 0 {
		counts = append(counts, problem{what: fmt.Sprintf("%d of %d deliveries in a burst of %d concurrent sessions got no complete answer within the %s deadline (%s; p50 %s, max %s): the usual cause is requests waiting behind one lock or a small connection pool.",
			n, stats.Deliveries, s.burstN, s.timeout, tally(unanswered), latency(stats.P50), latency(stats.Max))})
	}
	if n := total(refused); n > 0 {
		why := ""
		if !s.probe.accepted() {
			why = fmt.Sprintf(", like the plain valid event sent before the first spec (%s): fix that first, as it is the likely cause here too", s.probe.outcome())
		}
		counts = append(counts, problem{what: fmt.Sprintf("%d of %d deliveries in a burst of %d concurrent sessions were answered in time, but not with a 2xx (%s)%s.",
			n, stats.Deliveries, s.burstN, tally(refused), why)})
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

// tally lists counts by key, the largest first: "401 Unauthorized: 200".
func tally(m map[string]int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
