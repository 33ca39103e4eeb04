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

// journey expands the built-in journey on a fresh session, with a fresh
// seed, because expansion draws the measurement ID from it. Its deliveries
// are sent through a scenarios.Clock, which stamps each with the moment it
// is sent, as WMS does: the journey's own clock spans some 40 s, which the
// suite sends in milliseconds, and a receiver with a strict replay window
// would rightly refuse events stamped that far from their arrival.
func (s *suite) journey() ([]scenarios.Delivery, error) {
	sc, err := scenarios.Find(journeyScenario)
	if err != nil {
		return nil, fmt.Errorf("the %s scenario: %w", journeyScenario, err)
	}
	ds, err := sc.Expand(scenarios.ExpandOptions{
		Seed:      rand.Uint64(),
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
	var clock scenarios.Clock
	for i := range ds {
		d := &ds[i]
		x := s.send(ctx, clock.Stamp(d, time.Now()))
		if !x.accepted() {
			c.failSeq(s.seqZero(d.Sequence), fmt.Sprintf("%s (sequence %d) was not accepted: %s.", d.Event, d.Sequence, x.outcome()), x)
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
		Fix:     "a switch on the event name that errors on some, or a slow handler for one event: accept every documented event, and do slow work after answering.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		for _, ev := range catalogOrder() {
			env, x, err := s.sendNext(ctx, sess, ev)
			if err != nil {
				return err
			}
			if !x.accepted() {
				c.failSeq(s.seqZero(env.Sequence), fmt.Sprintf("%s (sequence %d) was not accepted: %s.", ev, env.Sequence, x.outcome()), x)
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
		Fix:     "a state machine that refuses transitions it did not expect: store first, interpret later.",
	},
	needsValid: true,
	run:        func(s *suite, ctx context.Context, c *check) error { return s.sendJourney(ctx, c) },
}

var specInterleaved = spec{
	SpecInfo: SpecInfo{
		ID: "interleaved", Level: Must, Area: AreaDelivery,
		Title:   "accepts several sessions interleaved at once",
		Correct: "keeps the state of each session apart and answers 2xx to every event while several sessions deliver at the same time.",
		Fix:     "per-process \"current session\" state, or a database lock held across requests: key all state by sessionId.",
	},
	needsValid: true,
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
		Fix:     "409 or 500 on a unique-key violation: treat a known (sessionId, sequence) as success.",
	},
	needsValid: true,
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
		Fix:     "the endpoint insists on sequence == last + 1: accept any order and sort by sequence when reading.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		ds, err := s.journey()
		if err != nil {
			return err
		}
		// The clock stamps a late event as early as it happened.
		var clock scenarios.Clock
		for _, i := range []int{1, 0, 3, 2, 4} {
			x := s.send(ctx, clock.Stamp(&ds[i], time.Now()))
			if !x.accepted() {
				c.failSeq(s.seqZero(ds[i].Sequence), s.notAccepted(fmt.Sprintf("Sent in the order 1, 0, 3, 2, 4, sequence %d (%s)", ds[i].Sequence, ds[i].Event), ""), x)
			}
		}
		return nil
	},
}
