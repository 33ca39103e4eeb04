// Package conformance judges a WMS webhook receiver: specs drive the
// emitter against a URL and check each answer, so that a customer learns,
// spec by spec, whether an endpoint is ready for go-live.
//
// Run takes a Config and returns a Summary with one Result, and its
// Verdict, per spec that ran; Specs lists the built-in specs. The specs live in ordinary (non-test) files so
// that the wms-mock binary runs them in-process; 'go test ./conformance'
// runs the same suite against the reference receiver. Ginkgo registers and
// runs them (its label filter and JSON report are what CI users know);
// the verdicts, the console and the JUnit report are the suite's own.
//
// Each spec is labelled must or should and by area (signature, delivery,
// payload, robustness, timing); a must failure fails the run, a should
// failure is a warning. Every failure shows the request sent (the MAC,
// never the secret), the answer, and what a correct receiver does.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/scenarios"
)

// DefaultBurst is how many sessions the burst spec runs at once: enough
// to expose a handler serialised behind one lock, few enough for a laptop.
const DefaultBurst = 50

// Errors returned by Run for a run that could not start or finish. Each is
// wrapped with a one-line explanation that says what to do.
var (
	// ErrUnreachable: the probe before the first spec got no HTTP answer.
	ErrUnreachable = errors.New("cannot reach the webhook")
	// ErrConfig: the Config cannot run (no signer, bad URL, bad filter,
	// unwritable report). Nothing was sent.
	ErrConfig = errors.New("bad conformance configuration")
	// ErrInterrupted: the run stopped early (a signal, or ctx ended);
	// the Summary holds the specs that ran.
	ErrInterrupted = errors.New("interrupted: the suite did not finish")
	// ErrBusy: another Run is in progress in this process. Ginkgo keeps one
	// suite per process, so runs take turns.
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
	// parent directories are created.
	JUnitReport string
	JSONReport  string
	// Scenarios are QA's scenarios, one spec each, labelled scenario and
	// must; their steps' expected answers are the assertions.
	Scenarios []*scenarios.Scenario
	// Burst is how many sessions the burst spec runs at once;
	// DefaultBurst when zero.
	Burst int
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

// Summary is what a run found.
type Summary struct {
	// URL is the webhook under test, its password redacted.
	URL string
	// Seed is the run's seed, drawn at random when Config.Seed is zero:
	// pass it back to generate the same values again.
	Seed uint64
	// Duration is the time the specs took, the probe excluded.
	Duration time.Duration
	// Passed, MustFailed, ShouldFailed and Inconclusive count the Results
	// by Verdict (Passed, Failed, Warned, NoVerdict). Skipped counts specs
	// that did not run: left out by the label filter, or not reached after
	// an interrupt.
	Passed, MustFailed, ShouldFailed, Skipped, Inconclusive int
	// Results lists every spec that ran, in order.
	Results []Result
	// Burst is the burst spec's figures, nil when it did not run.
	Burst *BurstStats
	// Unreachable is set when the probe got no answer and no spec ran.
	Unreachable bool
	// Interrupted is set when the run stopped before its last spec.
	Interrupted bool
	// Probe is the answer to the valid event sent before the first spec.
	// When it is not a 2xx, the console says why at the top and again as
	// its last line.
	Probe emitter.Attempt
}

// OK reports whether the receiver passed: reachable, every selected spec
// run to a verdict, and every must spec passed.
func (s Summary) OK() bool {
	return !s.Unreachable && !s.Interrupted && s.MustFailed == 0 && s.Inconclusive == 0
}

// count adds a spec's result to the Summary: a spec that did not run is
// only counted, one that ran is listed.
func (s *Summary) count(r Result) {
	switch r.Verdict {
	case "":
		s.Skipped++
		return
	case Passed:
		s.Passed++
	case Failed:
		s.MustFailed++
	case Warned:
		s.ShouldFailed++
	case NoVerdict:
		s.Inconclusive++
	}
	s.Results = append(s.Results, r)
}

// Result is one spec's outcome. For a scenario spec, ID is the scenario's
// name.
type Result struct {
	SpecInfo
	Verdict Verdict
	// Duration is the time the spec took, its framing events included.
	Duration time.Duration
	// Message is the failure report, or why the spec reached no verdict;
	// empty when the spec passed.
	Message string
}

// Verdict is what a spec that ran concluded. It is decided once, when the
// spec ends, and the console, the JUnit report, the JSON report (as the
// spec's "verdict" entry) and the Summary's counts all read it.
type Verdict string

// The verdicts.
const (
	// Passed: the receiver did what the spec requires.
	Passed Verdict = "passed"
	// Failed: a must spec found a problem, so the run fails.
	Failed Verdict = "failed"
	// Warned: a should spec found a problem; it does not fail the run.
	Warned Verdict = "warned"
	// NoVerdict: the spec could not judge (the run was interrupted, or the
	// receiver refuses valid events so refusals prove nothing). A run with
	// such a spec does not pass.
	NoVerdict Verdict = "no verdict"
)

// BurstStats are the burst spec's latency figures over every delivery.
type BurstStats struct {
	// Sessions ran at once, Deliveries were sent in all.
	Sessions, Deliveries int
	// Failed counts deliveries without a 2xx in time.
	Failed int
	// P50, P99 and Max are latencies over every delivery, failed ones
	// included.
	P50, P99, Max time.Duration
}

// String is the figures on one line, as the console's summary prints them.
func (b BurstStats) String() string {
	return fmt.Sprintf("%d sessions, %d deliveries, %d failed, p50 %s, p99 %s, max %s",
		b.Sessions, b.Deliveries, b.Failed, humanize.Duration(b.P50), humanize.Duration(b.P99), humanize.Duration(b.Max))
}

// runMu serialises runs: Ginkgo's suite is process-wide.
var runMu sync.Mutex

// Run checks the target is reachable, then runs the suite against it and
// returns what it found. The error is for a run that could not start
// (ErrConfig, ErrUnreachable, ErrBusy), was interrupted, or could not
// write its JUnit report (ErrReport); failed specs are in the Summary, not
// in the error.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if !runMu.TryLock() {
		return Summary{}, ErrBusy
	}
	defer runMu.Unlock()
	s, err := newSuite(cfg)
	if err != nil {
		return Summary{}, err
	}
	defer s.client.Close()

	sum := Summary{URL: s.url, Seed: s.seed}
	probe, err := s.sendValid(ctx)
	sum.Probe = probe.att
	switch {
	case err != nil:
		removeDirs(s.made)
		return sum, fmt.Errorf("the probe event: %w", err)
	case ctx.Err() != nil:
		removeDirs(s.made)
		sum.Interrupted = true
		return sum, ErrInterrupted
	case !probe.answered():
		removeDirs(s.made)
		sum.Unreachable = true
		return sum, fmt.Errorf("%w %s: %s", ErrUnreachable, s.url, probe.att.Message)
	}
	s.probe = probe
	s.con.header(s, probe)

	start := time.Now()
	outcomes, stopped := s.runSpecs(ctx)
	sum.Duration = time.Since(start)
	for _, o := range outcomes {
		sum.count(o.Result)
	}
	sum.Burst = s.burstStats()
	sum.Interrupted = stopped || ctx.Err() != nil
	reportErr := s.writeJUnit(outcomes, start, sum)
	s.con.footer(sum)
	if sum.Interrupted {
		return sum, ErrInterrupted
	}
	return sum, reportErr
}
