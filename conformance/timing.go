package conformance

import (
	"context"
	"fmt"
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
	for _, rs := range results {
		for _, r := range rs {
			stats.Deliveries++
			lat = append(lat, r.x.att.Latency)
			if !r.x.accepted() {
				stats.Failed++
				c.fail(fmt.Sprintf("In the burst, %s (sequence %d) was not accepted in time: %s.", r.ev, r.seq, r.x.outcome()), r.x)
			}
		}
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		stats.P50 = lat[(n-1)*50/100]
		stats.P99 = lat[(n-1)*99/100]
		stats.Max = lat[n-1]
	}
	s.setBurst(stats)
	if stats.Failed > 0 {
		c.problems = append([]problem{{what: fmt.Sprintf("%d of %d deliveries in a burst of %d concurrent sessions were not accepted within the %s deadline (%s).",
			stats.Failed, stats.Deliveries, s.burstN, s.timeout, stats)}}, c.problems...)
	}
}
