package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

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
		return nil, fmt.Errorf("the %s scenario: %w", journeyScenario, err)
	}
	ds, err := sc.Expand(scenarios.ExpandOptions{
		Seed:      rand.Uint64(),
		Start:     time.Now().Add(-sc.Duration()),
		Signer:    s.signer,
		SessionID: freshSessionID(),
	})
	if err != nil {
		return nil, fmt.Errorf("the %s scenario: %w", journeyScenario, err)
	}
	return ds, nil
}

// sendJourney delivers a journey in order and records every event that is
// not accepted.
func (s *suite) sendJourney(ctx context.Context, c *check) error {
	ds, err := s.journey()
	if err != nil {
		return err
	}
	for _, d := range ds {
		x := s.send(ctx, d.Request)
		if !x.accepted() {
			c.fail(fmt.Sprintf("%s (sequence %d) was not accepted: %s.", d.Event, d.Sequence, x.outcome()), x)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
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

var specAllEvents = spec{
	SpecInfo: SpecInfo{
		ID: "all-events", Level: Must, Area: AreaDelivery,
		Title:   "accepts each of the 21 documented events, validly signed",
		Correct: "answers 2xx within the deadline to every validly signed event, whatever its type.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		for _, ev := range catalogOrder() {
			env, x, err := s.sendNext(ctx, sess, ev)
			if err != nil {
				return err
			}
			if !x.accepted() {
				c.fail(fmt.Sprintf("%s (sequence %d) was not accepted: %s.", ev, env.Sequence, x.outcome()), x)
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		return nil
	},
}

var specJourney = spec{
	SpecInfo: SpecInfo{
		ID: "journey", Level: Must, Area: AreaDelivery,
		Title:   "accepts a whole measurement journey in order",
		Correct: "answers 2xx to each event of a realistic session (the built-in happy-path scenario, from WMS_LOADED to REDIRECTING_TO_CALLBACK).",
	},
	run: func(s *suite, ctx context.Context, c *check) error { return s.sendJourney(ctx, c) },
}

var specInterleaved = spec{
	SpecInfo: SpecInfo{
		ID: "interleaved", Level: Must, Area: AreaDelivery,
		Title:   "accepts several sessions interleaved at once",
		Correct: "keeps the state of each session apart and answers 2xx to every event while several sessions deliver at the same time.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var errs []error
		for range interleavedSessions {
			wg.Go(func() {
				// Each journey's problems stay together in the report.
				local := &check{}
				err := s.sendJourney(ctx, local)
				mu.Lock()
				defer mu.Unlock()
				c.problems = append(c.problems, local.problems...)
				errs = append(errs, err)
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	},
}

var specDuplicate = spec{
	SpecInfo: SpecInfo{
		ID: "duplicate", Level: Must, Area: AreaDelivery,
		Title:   "accepts a redelivered duplicate",
		Correct: "is idempotent: a second delivery of the same (sessionId, sequence) gets a 2xx again and is stored once; a 409 tells the sender the event was not taken.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		b, _, err := s.measurementBody()
		if err != nil {
			return err
		}
		r := s.signed(b)
		first := s.send(ctx, r)
		second := s.send(ctx, r)
		switch {
		case !first.accepted():
			c.fail("The first delivery of a valid event was not accepted, so the duplicate could not be judged.", first)
		case !second.accepted():
			c.fail("The same event, delivered a second time byte for byte, was not accepted.", first, second)
		}
		return nil
	},
}

var specOutOfOrder = spec{
	SpecInfo: SpecInfo{
		ID: "out-of-order", Level: Must, Area: AreaDelivery,
		Title:   "accepts a session's events out of order",
		Correct: "accepts any sequence number, early or late, because arrival order is not guaranteed; it orders a session by 'sequence' when it reads it, not when it receives it.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		ds, err := s.journey()
		if err != nil {
			return err
		}
		for _, i := range []int{1, 0, 3, 2, 4} {
			x := s.send(ctx, ds[i].Request)
			if !x.accepted() {
				c.fail(s.notAccepted(fmt.Sprintf("Sent in the order 1, 0, 3, 2, 4, sequence %d (%s)", ds[i].Sequence, ds[i].Event), ""), x)
			}
		}
		return nil
	},
}
