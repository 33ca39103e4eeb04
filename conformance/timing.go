package conformance

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/wmsmock/wms-mock/emitter"
)

// burstEvents is what each session of the burst sends: the start of a
// session, when a real burst (a campaign link opened by many users at
// once) hits hardest.
var burstEvents = []string{"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED"}

func specDeadline(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	var slowest exchange
	for _, ev := range catalogOrder() {
		env := s.envelope(sess, emitter.Emit{Event: ev})
		x := s.send(ctx, s.signed(body(env)))
		if x.att.Latency > slowest.att.Latency {
			slowest = x
		}
		if !x.answered() {
			c.fail(fmt.Sprintf("%s (sequence %d) got no answer within the %s deadline: %s.", ev, env.Sequence, s.timeout, x.att.Message), x)
		}
		if ctx.Err() != nil {
			return
		}
	}
	ginkgo.AddReportEntry("slowest answer", latency(slowest.att.Latency))
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
			for _, ev := range burstEvents {
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
