package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// scenarioCorrect is what a correct receiver does in a scenario spec: a
// step's expected answer is a hard requirement, so the specs are must.
const scenarioCorrect = "gives each delivery the answer its step expects: 2xx for an event as WMS sends it, a refusal for a delivery the step spoils on purpose."

// scenarioSpecs are one spec per scenario, in the order given, after the
// built-in specs.
func scenarioSpecs(list []*scenarios.Scenario) []spec {
	specs := make([]spec, len(list))
	for i, sc := range list {
		specs[i] = spec{
			SpecInfo: SpecInfo{
				ID: sc.Name, Level: Must, Area: AreaScenario,
				Title:   "plays scenario " + sc.Name + " as its steps expect",
				Correct: scenarioCorrect,
				Fix:     "each failure names the step's file and line: compare the answer with the step's expect.",
			},
			needsValid: true,
			run: func(s *suite, ctx context.Context, c *check) error {
				s.playScenario(ctx, c, sc)
				return nil
			},
		}
	}
	return specs
}

// checkScenarios refuses a list the suite cannot report on clearly.
func checkScenarios(list []*scenarios.Scenario) error {
	seen := map[string]bool{}
	for _, sc := range list {
		if sc == nil {
			return fmt.Errorf("%w: a nil scenario", ErrConfig)
		}
		if seen[sc.Name] {
			return fmt.Errorf("%w: two scenarios are named %q: each becomes a spec, so names must differ", ErrConfig, sc.Name)
		}
		seen[sc.Name] = true
	}
	return nil
}

// recorder is the Sender of a scenario spec: it sends through the suite
// and keeps the last exchange, so that a failure shows the request as
// sent. The runner sends a session's deliveries one after another and
// reports each before it sends the next.
type recorder struct {
	s    *suite
	last exchange
}

// Send delivers req and keeps the exchange.
func (r *recorder) Send(ctx context.Context, req emitter.Request) emitter.Outcome {
	r.last = r.s.send(ctx, req)
	return emitter.Outcome{Attempt: r.last.att}
}

// playScenario expands a scenario on a fresh session, sends each delivery
// stamped when it is sent, and checks every answer against its step's
// expectation. The seed is fresh,
// because expansion draws measurement IDs from it: a rerun must not repeat
// them.
func (s *suite) playScenario(ctx context.Context, c *check, sc *scenarios.Scenario) {
	opts := scenarios.ExpandOptions{Seed: rand.Uint64(), Signer: s.signer}
	if sc.SessionID == "" {
		opts.SessionID = freshSessionID()
	}
	ds, err := sc.Expand(opts)
	if err != nil {
		c.fail(fmt.Sprintf("Scenario %s (%s) cannot be expanded: %v", sc.Name, sc.File, err))
		return
	}
	rec := &recorder{s: s}
	// Stamped when sent, as WMS does; a step's skew stays relative to
	// that moment, so a scenario's stale event (edge-stale-timestamp)
	// stays as stale as it says.
	runner := scenarios.Runner{Sender: rec, Stamp: true}
	err = runner.Play(ctx, ds, func(r scenarios.Result) {
		if r.Passed {
			return
		}
		d := r.Delivery
		x := rec.last
		what := []string{d.Event}
		if d.Event == "" {
			what = []string{"raw body"}
		}
		if d.Sequence >= 0 {
			what = append(what, fmt.Sprintf("sequence %d", d.Sequence))
		}
		if d.Fault != "" {
			what = append(what, d.Fault)
		}
		c.fail(fmt.Sprintf("%s:%d (%s) expects %s, got %s.", sc.File, d.Line, strings.Join(what, ", "), d.Expect, x.outcome()), x)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		c.fail(fmt.Sprintf("Scenario %s stopped: %v", sc.Name, err))
	}
}
