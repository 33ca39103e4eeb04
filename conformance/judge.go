package conformance

import (
	"context"
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// refused sends a request a correct receiver must not accept and records
// a problem when it does.
func (s *suite) refused(ctx context.Context, c *check, r emitter.Request, what string) exchange {
	x := s.send(ctx, r)
	s.judgeRefusal(c, what, x)
	return x
}

// judgeRefusal records a problem, shown with all of xs, unless the last of
// xs (a request a correct receiver must refuse) got an answer that is not
// a 2xx. Without an answer the suite cannot tell a refusal from a receiver
// that hung or crashed while acting on the request, so that is a problem
// too. A refusal shows that the receiver verifies only if it accepts valid
// events: when the probe got no 2xx either, the spec reaches no verdict
// (unless another of its requests was accepted, which is a problem). A
// delivery the run itself cancelled leaves the spec without a verdict
// whatever it recorded: see suite.conclude.
func (s *suite) judgeRefusal(c *check, what string, xs ...exchange) {
	switch x := xs[len(xs)-1]; {
	case x.att.Status == 0:
		c.fail(fmt.Sprintf("A request the receiver must refuse got %s, so the suite cannot tell whether it was refused: a correct receiver answers it with a 401 or 403.", x.outcome()), xs...)
	case x.att.Status >= 200 && x.att.Status < 300:
		c.fail(what, xs...)
	case !s.validOK:
		c.undecided = fmt.Sprintf("No verdict: the receiver refused this spec's forgeries, but it also refused the valid events sent before the first spec (the probe got %s), so the refusals do not show that it verifies the MAC.", s.probe.outcome())
	}
}

// accepted sends a request a correct receiver must accept and records a
// problem when it does not: what was sent, and why, the usual cause, if
// any (see notAccepted).
func (s *suite) accepted(ctx context.Context, c *check, r emitter.Request, what, why string) exchange {
	x := s.send(ctx, r)
	if !x.accepted() {
		c.fail(s.notAccepted(what, why), x)
	}
	return x
}

// notAccepted is the sentence for a valid event that got no 2xx: what was
// sent, then why, the usual cause. When the valid events sent before the
// first spec got no 2xx either, that usual cause is unproven, and the
// sentence points at their refusal instead.
func (s *suite) notAccepted(what, why string) string {
	switch {
	case !s.validOK:
		return fmt.Sprintf("%s was not accepted, but neither were the valid events sent before the first spec (the probe got %s): fix that first, as it is the likely cause here too.", what, s.probe.outcome())
	case why == "":
		return what + " was not accepted."
	default:
		return what + " was not accepted. Likely cause: " + why + "."
	}
}

// seqZero is what a refused valid event of sequence seq owes to the
// diagnosis, when the receiver refuses sequence 0 alone: a sentence to
// end its failure with, empty otherwise.
func (s *suite) seqZero(seq int64) string {
	if seq != 0 || s.diag.kind != seqZeroRefused {
		return ""
	}
	return " Events with sequence 0 are refused, others accepted: the `!event.sequence` slip (see the diagnosis at the top)."
}

// forgeryAccepted is the failure of a forgery of kind k that was accepted:
// what was observed, then every likely cause, since more than one defect
// lets the same forgery through.
func forgeryAccepted(k forgery.Kind) string {
	i := k.Info()
	return i.Accepted + " Likely causes: " + i.Causes + "."
}
