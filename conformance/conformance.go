// Package conformance judges a WMS webhook receiver: specs drive the
// emitter against a URL and check each answer, so that a customer learns,
// spec by spec, whether an endpoint is ready for go-live.
//
// Run takes a Config and returns a Summary with one Result, and its
// Verdict, per spec that ran; Specs lists the built-in specs. The specs
// live in ordinary (non-test) files so that the wms-mock binary runs them
// in-process; 'go test ./conformance' runs the same suite against the
// reference receiver. The suite runs its specs itself, in order, and
// shares no state with other runs: Ginkgo's label syntax selects specs,
// and nothing else of Ginkgo's is touched, so a caller's own Ginkgo suite
// is left as it was.
//
// Each spec is labelled must or should and by area (signature, delivery,
// payload, robustness, timing); a must failure fails the run, a should
// failure is a warning (a failure too with Config.Strict). Every failure
// shows the request sent (the MAC, never the secret), the answer, what a
// correct receiver does and the usual causes. Before the first spec the
// suite sends valid events, the probe, and when the receiver refuses them
// all alike, answers none in time, or refuses only a session's first
// event, it says so once, at the top, rather than in every spec.
package conformance

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// DefaultBurst is how many sessions the burst spec runs at once: enough
// to expose a handler serialised behind one lock, few enough for a laptop.
const DefaultBurst = 50

// Errors returned by Run for a run that could not start or finish. Each is
// wrapped with a one-line explanation that says what to do.
var (
	// ErrUnreachable: the probe before the first spec made no HTTP
	// exchange at all (nothing listens, DNS, a connection that never
	// opens, a TLS handshake that fails). A receiver that took the
	// connection and answered late, or not at all, is judged instead.
	ErrUnreachable = errors.New("cannot reach the webhook")
	// ErrConfig: the Config cannot run (no signer, bad URL, bad filter,
	// unwritable report). Nothing was sent.
	ErrConfig = errors.New("bad conformance configuration")
	// ErrInterrupted: the run stopped early (a signal, or ctx ended);
	// the Summary holds the specs that ran, and is no verdict.
	ErrInterrupted = errors.New("interrupted: the suite did not finish")
	// ErrBusy is no longer returned: runs share no process-wide state and
	// may overlap. It stays so that code that checks for it compiles.
	ErrBusy = errors.New("a conformance run is already in progress in this process")
	// ErrReport: the specs ran but a report could not be written; the
	// Summary is complete.
	ErrReport = errors.New("cannot write the report")
)

// Config is one run of the suite. The zero value of each optional field
// makes sense: default timeout, random seed, every spec, no reports, no
// console output.
type Config struct {
	// URL is the webhook under test.
	URL string
	// Signer holds the Config ID's MAC secret.
	Signer *emitter.Signer
	// Timeout is the delivery deadline; emitter.DefaultTimeout when zero.
	Timeout time.Duration
	// Seed drives the values the suite generates for its own sessions
	// (SNR, constraints, error details); random when zero. Session IDs and
	// measurement IDs are fresh on every run whatever the seed, so that a
	// rerun against the same endpoint never collides with earlier runs;
	// scenario specs (the journey and Scenarios) are expanded with a fresh
	// seed for the same reason.
	Seed uint64
	// LabelFilter selects specs with Ginkgo's label syntax, such as
	// "must && !timing" or "signature".
	LabelFilter string
	// JUnitReport and JSONReport are paths of reports to write; their
	// parent directories are created. Every run writes them, one that
	// cannot start too (with one failing test case that says why).
	JUnitReport string
	JSONReport  string
	// Scenarios are QA's scenarios, one spec each, labelled scenario and
	// must; their steps' expected answers are the assertions.
	Scenarios []*scenarios.Scenario
	// Burst is how many sessions the burst spec runs at once;
	// DefaultBurst when zero.
	Burst int
	// Strict makes a failed should spec fail the run, for CI that gates
	// on them too.
	Strict bool
	// ClientOptions add delivery options such as emitter.WithCACert or
	// emitter.WithInsecureTLS. Retries are never used: the suite judges
	// single deliveries.
	ClientOptions []emitter.Option
	// Out receives the progress and the summary; nothing is printed when
	// nil.
	Out io.Writer
	// Color turns on ANSI colours in Out.
	Color bool
}

// Run checks that the target answers, then runs the suite against it and
// returns what it found, and writes the reports Config asks for, whatever
// happens once the Config is read. The error is for a run that could not
// start (ErrConfig, ErrUnreachable), was interrupted (ErrInterrupted), or
// could not write a report (ErrReport); failed specs, and a receiver that
// answers late or stops answering, are in the Summary, not in the error.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	start := time.Now()
	s, err := newSuite(cfg)
	if err != nil {
		writeSetupReports(cfg, start, err, nil)
		return Summary{}, err
	}
	defer s.close()

	sum := Summary{URL: s.url, Seed: s.seed, Strict: cfg.Strict}
	err = s.probeTarget(ctx)
	sum.Probe = s.probe.att
	sum.Diagnosis = s.diag.text
	switch {
	case errors.Is(err, ErrInterrupted):
		sum.Interrupted, sum.Interruption = true, interruption(ctx)
		outcomes := s.notReached(ctx)
		s.con.footer(sum, outcomes)
		return sum, errors.Join(err, s.writeReports(outcomes, start, sum))
	case err != nil:
		sum.Unreachable = errors.Is(err, ErrUnreachable)
		seeded := cfg
		seeded.Seed = s.seed
		return sum, errors.Join(err, writeSetupReports(seeded, start, err, s.probes))
	}
	s.con.header(s)

	begin := time.Now()
	outcomes := s.runSpecs(ctx)
	sum.Duration = time.Since(begin)
	for _, o := range outcomes {
		sum.count(o.Result)
	}
	sum.Burst = s.burstStats()
	sum.Diagnosis = s.diagnosis()
	if ctx.Err() != nil {
		sum.Interrupted, sum.Interruption = true, interruption(ctx)
	}
	reportErr := s.writeReports(outcomes, start, sum)
	s.con.footer(sum, outcomes)
	if sum.Interrupted {
		return sum, errors.Join(ErrInterrupted, reportErr)
	}
	return sum, reportErr
}

// interruption says why ctx ended: the signal, as os/signal's
// NotifyContext gives it ("interrupt signal received"), or the context's
// own error.
func interruption(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil {
		return cause.Error()
	}
	return "the run's context ended"
}

// ReportSetupError writes the reports cfg asks for (JUnitReport,
// JSONReport) for a run that cannot start: one failing test case that says
// what is wrong and what to do, err's text. A command calls it for the
// mistakes it finds before Run (a missing secret, an unreadable scenario);
// Run calls it for its own. A report that cannot be written is left out:
// the error returned says which.
func ReportSetupError(cfg Config, err error) error {
	return writeSetupReports(cfg, time.Now(), err, nil)
}

// CannotSee lists what the suite cannot see from outside the receiver,
// shown after a passing run and kept in the reports, so that a PASS is not
// read as more than it proves.
func CannotSee() []string {
	return []string{
		"whether the MAC is compared in constant time: nanoseconds of difference do not show through a network (use hmac.Equal, crypto.timingSafeEqual or hmac.compare_digest)",
		"whether deduplication survives a restart: a redelivery is recognised within the run only (keep the (sessionId, sequence) key in durable storage)",
		"what the receiver does after it answers: whether each event is stored, processed and forwarded correctly (only the answer is seen)",
	}
}
