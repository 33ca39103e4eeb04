package conformance

import (
	"context"
	"fmt"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/wmsmock/wms-mock/emitter"
)

// interleavedSessions is how many journeys the interleaved spec sends at
// once.
const interleavedSessions = 4

// sendSession delivers events in order on a fresh session and records
// every event that is not accepted.
func (s *suite) sendSession(ctx context.Context, c *check, events []string) {
	sess := s.newSession()
	for _, ev := range events {
		env := s.envelope(sess, emitter.Emit{Event: ev})
		x := s.send(ctx, s.signed(body(env)))
		if !x.accepted() {
			c.fail(fmt.Sprintf("%s (sequence %d) was not accepted: %s.", ev, env.Sequence, x.outcome()), x)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// catalogOrder is the 21 documented events in the vendor's order, which
// creates the measurement before the events that name it.
func catalogOrder() []string {
	var names []string
	for _, e := range emitter.Events() {
		names = append(names, e.Name)
	}
	return names
}

func specAllEvents(s *suite, ctx context.Context, c *check) {
	s.sendSession(ctx, c, catalogOrder())
}

func specJourney(s *suite, ctx context.Context, c *check) {
	s.sendSession(ctx, c, journey)
}

func specInterleaved(s *suite, ctx context.Context, c *check) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range interleavedSessions {
		wg.Go(func() {
			defer ginkgo.GinkgoRecover()
			local := &check{}
			s.sendSession(ctx, local, journey)
			mu.Lock()
			c.problems = append(c.problems, local.problems...)
			mu.Unlock()
		})
	}
	wg.Wait()
}

func specDuplicate(s *suite, ctx context.Context, c *check) {
	b, _ := s.measurementBody()
	r := s.signed(b)
	first := s.send(ctx, r)
	second := s.send(ctx, r)
	switch {
	case !first.accepted():
		c.fail("The first delivery of a valid event was not accepted, so the duplicate could not be judged.", first)
	case !second.accepted():
		c.fail("The same event, delivered a second time byte for byte, was not accepted.", first, second)
	}
}

func specOutOfOrder(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	var envs []emitter.Envelope
	for _, ev := range journey[:5] {
		envs = append(envs, s.envelope(sess, emitter.Emit{Event: ev}))
	}
	for _, i := range []int{1, 0, 3, 2, 4} {
		x := s.send(ctx, s.signed(body(envs[i])))
		if !x.accepted() {
			c.fail(fmt.Sprintf("Sent in the order 1, 0, 3, 2, 4, sequence %d (%s) was not accepted.", i, envs[i].Event), x)
		}
	}
}
