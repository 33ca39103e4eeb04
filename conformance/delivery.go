package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// interleavedSessions is how many journeys the interleaved spec sends at
// once.
const interleavedSessions = 4

// journeyScenario is the built-in scenario the journey, interleaved and
// out-of-order specs send: a realistic measurement, in the order WMS sends
// it.
const journeyScenario = "happy-path"

// journey expands the built-in journey on a fresh session. Its timeline
// (about 30 s) ends now, so that no timestamp lies in the future, and its
// seed is fresh, because expansion draws the measurement ID from it.
func (s *suite) journey() ([]scenarios.Delivery, error) {
	sc, err := scenarios.Find(journeyScenario)
	if err != nil {
		return nil, err
	}
	return sc.Expand(scenarios.ExpandOptions{
		Seed:      rand.Uint64(),
		Start:     time.Now().Add(-sc.Duration()),
		Signer:    s.signer,
		SessionID: freshSessionID(),
	})
}

// sendJourney delivers a journey in order and records every event that is
// not accepted.
func (s *suite) sendJourney(ctx context.Context, c *check) {
	ds, err := s.journey()
	if err != nil {
		c.fail("internal error: the " + journeyScenario + " scenario: " + err.Error())
		return
	}
	for _, d := range ds {
		x := s.send(ctx, d.Request)
		if !x.accepted() {
			c.fail(fmt.Sprintf("%s (sequence %d) was not accepted: %s.", d.Event, d.Sequence, x.outcome()), x)
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
	sess := s.newSession()
	for _, ev := range catalogOrder() {
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

func specJourney(s *suite, ctx context.Context, c *check) {
	s.sendJourney(ctx, c)
}

func specInterleaved(s *suite, ctx context.Context, c *check) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range interleavedSessions {
		wg.Go(func() {
			defer ginkgo.GinkgoRecover()
			local := &check{}
			s.sendJourney(ctx, local)
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
	ds, err := s.journey()
	if err != nil {
		c.fail("internal error: the " + journeyScenario + " scenario: " + err.Error())
		return
	}
	for _, i := range []int{1, 0, 3, 2, 4} {
		x := s.send(ctx, ds[i].Request)
		if !x.accepted() {
			c.fail(s.notAccepted(fmt.Sprintf("Sent in the order 1, 0, 3, 2, 4, sequence %d (%s)", ds[i].Sequence, ds[i].Event), ""), x)
		}
	}
}
