package conformance

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// outcome is a spec's Result with what only the reports keep.
type outcome struct {
	Result
	// filtered marks a spec the label filter left out, which the console
	// does not mention.
	filtered bool
	entries  []entry
	problems []problem
	// sample is the first request the spec sent and its answer; requests
	// counts them all.
	sample   *exchange
	requests int
}

// The reasons of specs that did not run.
const (
	filteredOut = "not run: left out by the label filter"
	notReached  = "not run: the run was interrupted (%s) before this spec"
)

// runSpecs runs the selected specs in the order declared (the specs most
// likely to crash a receiver come last), each to its verdict, printing
// each as it ends. A spec whose proof cannot be made (the receiver
// stopped answering before it, or refuses every valid event, or answers
// none in time) reaches no verdict without sending anything. After an
// interrupt, the specs not reached are not run.
func (s *suite) runSpecs(ctx context.Context) []outcome {
	outcomes := make([]outcome, len(s.specs))
	for i := range s.specs {
		sp := &s.specs[i]
		o := &outcomes[i]
		o.SpecInfo = sp.SpecInfo
		switch {
		case !s.selected(sp.Labels()):
			o.Verdict, o.Message, o.filtered = NotRun, filteredOut, true
			continue
		case ctx.Err() != nil:
			o.Verdict, o.Message = NotRun, fmt.Sprintf(notReached, interruption(ctx))
		default:
			if why := s.blocked(sp); why != "" {
				o.Verdict, o.Message = NoVerdict, why
				break
			}
			start := time.Now()
			*o = s.conclude(ctx, sp)
			o.Duration = time.Since(start)
		}
		s.con.spec(o)
		if g := s.goneDuring(sp.ID); g != nil {
			s.con.note(g.headline())
		}
	}
	return outcomes
}

// notReached is every spec as not run, for a run interrupted before the
// first.
func (s *suite) notReached(ctx context.Context) []outcome {
	outcomes := make([]outcome, len(s.specs))
	for i, sp := range s.specs {
		outcomes[i].SpecInfo, outcomes[i].Verdict = sp.SpecInfo, NotRun
		outcomes[i].Message, outcomes[i].filtered = fmt.Sprintf(notReached, interruption(ctx)), !s.selected(sp.Labels())
		if outcomes[i].filtered {
			outcomes[i].Message = filteredOut
		}
	}
	return outcomes
}

// blocked says why sp cannot reach a verdict whatever it sends, empty
// when it can run.
func (s *suite) blocked(sp *spec) string {
	s.mu.Lock()
	g := s.gone
	s.mu.Unlock()
	switch {
	case g != nil:
		return fmt.Sprintf("No verdict: the receiver stopped answering during %s (%s from then on), before this spec, which was not run.", g.spec, g.lost())
	case s.diag.kind == unanswered && sp.ID != specDeadline.ID:
		return "No verdict: the receiver answers no valid event within the deadline (see the diagnosis at the top), so this spec was not run: each of its requests would wait out the deadline and prove nothing."
	case s.diag.kind == refusedAlike && sp.needsValid:
		return fmt.Sprintf("No verdict: every valid event sent before the first spec was answered %s (see the diagnosis at the top), so this spec, whose proof needs valid events accepted, was not run.", statusText(s.diag.status))
	}
	return ""
}

// tally counts the requests of one spec and keeps its first exchange, for
// the reports; it travels in the spec's context, so that every send of
// the spec, from any of its goroutines, is counted.
type tally struct {
	id    string
	mu    sync.Mutex
	n     int
	first *exchange
}

type tallyKey struct{}

func withTally(ctx context.Context, id string) (context.Context, *tally) {
	t := &tally{id: id}
	return context.WithValue(ctx, tallyKey{}, t), t
}

func tallyOf(ctx context.Context) *tally {
	t, _ := ctx.Value(tallyKey{}).(*tally)
	return t
}

func (t *tally) add(x exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	if t.first == nil {
		t.first = &x
	}
}

func (t *tally) sample() *exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.first
}

func (t *tally) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// gone is the moment the receiver stopped taking connections: the spec
// that was running and the first exchange that found it gone.
type gone struct {
	spec string
	x    exchange
}

// noteGone records, once, that a spec's request found no receiver: a
// refused connection, or one that never opened, after the probe was
// answered means the receiver stopped (crashed, or was stopped).
func (s *suite) noteGone(ctx context.Context, x exchange) {
	t := tallyOf(ctx)
	if t == nil || (x.att.Class != emitter.FailRefused && x.att.Class != emitter.FailConnect) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone == nil {
		s.gone = &gone{spec: t.id, x: x}
	}
}

// goneDuring is the receiver's end when it came during spec id.
func (s *suite) goneDuring(id string) *gone {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone != nil && s.gone.spec == id {
		return s.gone
	}
	return nil
}

// lost says how the receiver was found gone.
func (g *gone) lost() string {
	if g.x.att.Class == emitter.FailConnect {
		return "connections that never opened"
	}
	return "connections refused"
}

// headline is the one line the run says about it.
func (g *gone) headline() string {
	return fmt.Sprintf("the receiver stopped answering during %s (%s from then on), so the specs after it reach no verdict. Likely causes: one of that spec's requests crashed it, or it was stopped or restarted: check its logs.", g.spec, g.lost())
}

// during is the problem it is for the spec that was running.
func (g *gone) during() string {
	return fmt.Sprintf("The receiver stopped answering during this spec (%s from then on). Likely causes: one of this spec's requests crashed it, or it was stopped or restarted for another reason: check its logs.", g.lost())
}

// diagnosis is the run's one line about the receiver as a whole: what the
// probe found, or that the receiver stopped answering.
func (s *suite) diagnosis() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone != nil {
		return s.gone.headline()
	}
	return s.diag.text
}
