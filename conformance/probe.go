package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Before the first spec the suite sends valid events, the probes, and
// reads the receiver as a whole from their answers. What a receiver does
// to every valid event (refuses it with the wrong secret, answers it too
// late, refuses a session's first one) would otherwise show as a failure
// in every spec, each blaming a cause of its own; said once, at the top,
// it is what the customer fixes first, and the specs it makes unprovable
// reach no verdict instead.

// diagKind is what the probes found.
type diagKind int

const (
	// healthy: the probe was accepted.
	healthy diagKind = iota
	// noted: the probe was refused, but not in a way that explains the
	// run; the note says what was seen.
	noted
	// refusedAlike: every probe was answered with the same non-2xx
	// status, the mark of a setup mistake (secret, path).
	refusedAlike
	// seqZeroRefused: events with sequence 0 are refused, others
	// accepted.
	seqZeroRefused
	// unanswered: the receiver took the connection but answered valid
	// events late, or not at all.
	unanswered
)

// diagnosis is what the probes say about the receiver as a whole.
type diagnosis struct {
	kind diagKind
	// status is the one status of refusedAlike.
	status int
	// text is the line the console leads with and ends on, and the
	// reports keep; empty when healthy.
	text string
}

// probed is one probe: what was sent, in a few words, and the exchange.
type probed struct {
	what string
	x    exchange
}

// patience is how long the probe that measures a slow receiver waits: a
// few deadlines, so that the latency of a receiver a little too slow is
// measured, but not much longer than the deadline itself.
func (s *suite) patience() time.Duration {
	return min(3*s.timeout, s.timeout+20*time.Second)
}

// probeTarget sends the probe and reads the receiver from it. Its error
// is ErrUnreachable when no HTTP exchange was made at all, ErrInterrupted
// when ctx ended; everything else is the run's to judge.
func (s *suite) probeTarget(ctx context.Context) error {
	sess := s.newSession()
	p0, err := s.sendProbe(ctx, s.client, sess, emitter.Emit{Event: "WMS_LOADED"})
	if err != nil {
		return fmt.Errorf("%w: the probe event: %w", ErrConfig, err)
	}
	s.probe = p0
	switch {
	case ctx.Err() != nil:
		return ErrInterrupted
	case noExchange(p0):
		return fmt.Errorf("%w %s: %s", ErrUnreachable, s.url, p0.att.Message)
	case !p0.answered():
		return s.measureSlow(ctx)
	case p0.accepted():
		s.validOK = true
		return nil
	}
	return s.readRefusal(ctx, sess)
}

// noExchange reports whether a delivery made no HTTP exchange at all:
// nothing listens, the name does not resolve, the connection never opens,
// TLS fails. Those are for the user to fix in the setup; a receiver that
// took the connection is judged.
func noExchange(x exchange) bool {
	switch x.att.Class {
	case emitter.FailRefused, emitter.FailDNS, emitter.FailConnect, emitter.FailTLS, emitter.FailOther:
		return true
	}
	return false
}

// sendProbe sends the session's next event, e, validly signed, and keeps
// it among the probes.
func (s *suite) sendProbe(ctx context.Context, client *emitter.Client, sess *emitter.Session, e emitter.Emit) (exchange, error) {
	env, b, err := s.event(sess, e)
	if err != nil {
		return exchange{}, err
	}
	x := s.sendWith(ctx, client, s.signed(b))
	s.probes = append(s.probes, probed{what: fmt.Sprintf("%s, sequence %d", env.Event, env.Sequence), x: x})
	return x, nil
}

// measureSlow follows a probe that got no complete answer: a second valid
// event, given a few deadlines, measures how late the receiver answers.
// When it answers within the deadline, the first was a cold start and the
// run goes on from the second; otherwise the receiver answers valid
// events too late, or not at all, and only the deadline spec is judged.
func (s *suite) measureSlow(ctx context.Context) error {
	client, err := s.newClient(s.patience())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer client.Close()
	sess := s.newSession()
	p1, err := s.sendProbe(ctx, client, sess, emitter.Emit{Event: "WMS_LOADED"})
	if err != nil {
		return fmt.Errorf("%w: the probe event: %w", ErrConfig, err)
	}
	switch {
	case ctx.Err() != nil:
		return ErrInterrupted
	case p1.answered() && p1.att.Latency <= s.timeout:
		note := fmt.Sprintf("note: the probe got %s, but a second valid event was answered %s: the receiver was slow to answer its first request (a cold start?), and the specs judge the rest.", s.probe.brief(), p1.brief())
		s.probe = p1
		if p1.accepted() {
			s.validOK, s.diag = true, diagnosis{kind: noted, text: note}
			return nil
		}
		return s.readRefusal(ctx, sess)
	case p1.answered():
		s.diag = diagnosis{kind: unanswered, text: fmt.Sprintf("diagnosis: the receiver answers valid events only after the deadline: the probe got %s, and a second valid event, given %s, was answered %s. Each spec's requests would wait out the deadline, so the deadline spec failed on these two and the other specs reach no verdict. Answer within --timeout (verify, store, answer, then do the slow work), or raise --timeout if %s is not the deadline you mean.",
			s.probe.brief(), s.patience(), p1.brief(), s.timeout)}
	default:
		s.diag = diagnosis{kind: unanswered, text: fmt.Sprintf("diagnosis: the receiver takes the connection but answers no valid event: the probe got %s, and a second valid event, given %s, got %s. Each spec's requests would go unanswered too, so the deadline spec failed on these two and the other specs reach no verdict. Check the receiver's logs: a handler that never writes its answer, a crash on every request, an https server behind an http:// URL.",
			s.probe.brief(), s.patience(), p1.brief())}
	}
	return nil
}

// readRefusal follows a refused probe with two more valid events: the
// next of its session (sequence 1) and another session's first
// (sequence 0). Refused alike, all three are a setup mistake; only those
// with sequence 0 refused, the `!event.sequence` slip; another mix is a
// note.
func (s *suite) readRefusal(ctx context.Context, sess *emitter.Session) error {
	p1, err := s.sendProbe(ctx, s.client, sess, emitter.Emit{Event: "CONFIGURATION_LOADED"})
	if err != nil {
		return fmt.Errorf("%w: the probe event: %w", ErrConfig, err)
	}
	p2, err := s.sendProbe(ctx, s.client, s.newSession(), emitter.Emit{Event: "CONFIGURATION_LOADED"})
	if err != nil {
		return fmt.Errorf("%w: the probe event: %w", ErrConfig, err)
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	p0 := s.probe
	seen := s.probeOutcomes()
	switch st := p0.att.Status; {
	case p1.accepted() && p2.answered() && !p2.accepted():
		s.validOK = true
		s.diag = diagnosis{kind: seqZeroRefused, text: fmt.Sprintf("diagnosis: events with sequence 0 are refused, others accepted: the `!event.sequence` slip (%s). A check such as `if (!event.sequence)` in JavaScript or `if not event.get(\"sequence\")` in Python takes 0, every session's first event, for a missing field: test for undefined or None instead. The specs send their own sessions from later sequences, so that this one slip does not hide the rest.", seen)}
	case p1.accepted() || p2.accepted():
		s.validOK = true
		s.diag = diagnosis{kind: noted, text: fmt.Sprintf("note: the probe was refused, but other valid events were accepted (%s): the specs below say which events are refused.", seen)}
	case p1.answered() && p2.answered() && p1.att.Status == st && p2.att.Status == st:
		s.diag = diagnosis{kind: refusedAlike, status: st, text: fmt.Sprintf("diagnosis: every validly signed event was answered %s (%s): %s The specs whose proof needs valid events accepted reach no verdict until this is fixed.", statusText(st), seen, refusedWhy(st))}
	default:
		s.diag = diagnosis{kind: noted, text: fmt.Sprintf("note: no valid event sent before the first spec was accepted (%s): until valid events get a 2xx, the specs that need one accepted fail, and refusals show nothing, neither that the receiver verifies the MAC nor that it keeps serving.", seen)}
	}
	return nil
}

// probeOutcomes is every probe and its answer, in a few words each.
func (s *suite) probeOutcomes() string {
	parts := make([]string, len(s.probes))
	for i, p := range s.probes {
		parts[i] = fmt.Sprintf("%s: %s", p.what, p.x.brief())
	}
	return strings.Join(parts, "; ")
}

// statusText is "401 Unauthorized".
func statusText(st int) string { return fmt.Sprintf("%d %s", st, http.StatusText(st)) }

// refusedWhy is the likely cause of every valid event refused with st,
// the likeliest first, and what to check.
func refusedWhy(st int) string {
	switch {
	case st == 401 || st == 403:
		return "the secret given to wms-mock is probably not the receiver's. Likely causes: another Config ID's secret (staging and production differ), a secret read with a trailing newline or space, or a receiver that verifies something other than the raw body bytes (a body its JSON parser already consumed). Check that both sides use this Config ID's secret, then rerun."
	case st == 404:
		return "the URL's path is probably not the webhook's. Check the path the receiver routes POSTs to: a missing prefix such as /api, a trailing slash, a typo."
	case st == 405:
		return "the URL does not take POST, so it is probably not the webhook's path (or its route takes another method). Check the path the receiver routes POSTs to."
	case st >= 300 && st < 400:
		return "the receiver redirects valid events, and a webhook sender follows no redirect. Give the URL it redirects to (https rather than http, a trailing slash)."
	case st == 400 || st == 422:
		return "the receiver refuses every valid event as malformed: it probably expects another envelope (a field set, a wrapper object, a content type). Compare what its parser or schema wants with the documented envelope."
	case st == 413:
		return "the receiver refuses even a small event as too large: its body limit is probably set in bytes where kilobytes were meant."
	case st == 429:
		return "the receiver rate-limits from the first request: exempt WMS's traffic from the limit, or raise it."
	case st >= 500:
		return "the receiver fails on every valid event. Check its logs for the error: a database it cannot reach, a configuration value it lacks."
	}
	return "check the receiver's logs for why it refuses valid events."
}

// slowFailure is the deadline spec's failure when the receiver answers no
// valid event in time: the probes are the evidence, latency measured.
func (s *suite) slowFailure(c *check) {
	var xs []exchange
	for _, p := range s.probes {
		xs = append(xs, p.x)
	}
	last := xs[len(xs)-1]
	measured := "no answer either"
	if last.answered() {
		measured = "an answer after " + humanize.Duration(last.att.Latency)
	}
	c.fail(fmt.Sprintf("No valid event got a complete answer within the %s deadline: the probe got %s, and a second valid event, given %s, got %s. Likely causes: slow work before the answer (calling other services, a slow database), or a handler that never answers.",
		s.timeout, s.probe.brief(), s.patience(), measured), xs...)
}
