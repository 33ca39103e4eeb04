package conformance

import (
	"fmt"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Summary is what a run found.
type Summary struct {
	// URL is the webhook under test, its password redacted.
	URL string
	// Seed is the run's seed, drawn at random when Config.Seed is zero:
	// pass it back to generate the same values again.
	Seed uint64
	// Strict is Config.Strict: failed should specs fail the run.
	Strict bool
	// Duration is the time the specs took, the probe excluded.
	Duration time.Duration
	// Passed, MustFailed, ShouldFailed and Inconclusive count the Results
	// by Verdict (Passed, Failed, Warned, NoVerdict). Skipped counts specs
	// that did not run (NotRun): left out by the label filter, or not
	// reached after an interrupt.
	Passed, MustFailed, ShouldFailed, Skipped, Inconclusive int
	// Results lists every spec that ran, in order.
	Results []Result
	// Burst is the burst spec's figures, nil when it did not run.
	Burst *BurstStats
	// Unreachable is set when the probe made no HTTP exchange and no spec
	// ran.
	Unreachable bool
	// Interrupted is set when the run stopped before its last spec, and
	// Interruption says why ("interrupt signal received"): the run is no
	// verdict.
	Interrupted  bool
	Interruption string
	// Probe is the answer to the first valid event, sent before the first
	// spec.
	Probe emitter.Attempt
	// Diagnosis, when not empty, is what the run found about the receiver
	// as a whole, printed at the top and as the last line: every valid
	// event refused alike (a wrong secret or path, most likely), events
	// with sequence 0 refused, valid events answered late or not at all,
	// the receiver stopping answering during a spec.
	Diagnosis string
}

// OK reports whether the receiver passed: reachable, every selected spec
// run to a verdict, every must spec passed, and with Strict every should
// spec too.
func (s Summary) OK() bool {
	return !s.Unreachable && !s.Interrupted && s.MustFailed == 0 && s.Inconclusive == 0 && (!s.Strict || s.ShouldFailed == 0)
}

// outcome is the run's outcome in a word or two, as the reports give it.
func (s Summary) outcome() string {
	switch {
	case s.Interrupted:
		return "interrupted"
	case s.MustFailed > 0 || (s.Strict && s.ShouldFailed > 0):
		return "failed"
	case s.Inconclusive > 0:
		return "no verdict"
	case s.ShouldFailed > 0:
		return "passed with warnings"
	}
	return "passed"
}

// count adds a spec's result to the Summary: a spec that did not run is
// only counted, one that ran is listed.
func (s *Summary) count(r Result) {
	switch r.Verdict {
	case NotRun, "":
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
	// Message is the failure report, or why the spec reached no verdict
	// or did not run; empty when it passed.
	Message string
}

// Verdict is what a spec concluded. It is decided once, when the spec
// ends, and the console, the reports and the Summary's counts all read it.
type Verdict string

// The verdicts.
const (
	// Passed: the receiver did what the spec requires.
	Passed Verdict = "passed"
	// Failed: a must spec found a problem, so the run fails.
	Failed Verdict = "failed"
	// Warned: a should spec found a problem; it does not fail the run
	// unless Config.Strict.
	Warned Verdict = "warned"
	// NoVerdict: the spec could not judge (the run was interrupted while
	// it ran, the receiver refuses valid events so refusals prove nothing,
	// the receiver stopped answering before it). A run with such a spec
	// does not pass.
	NoVerdict Verdict = "no verdict"
	// NotRun: the spec did not run: left out by the label filter, or not
	// reached after an interrupt. Such specs are counted in
	// Summary.Skipped and listed only in the reports.
	NotRun Verdict = "not run"
)

// BurstStats are the burst spec's latency figures over every delivery.
type BurstStats struct {
	// Sessions ran at once, Deliveries were sent in all.
	Sessions, Deliveries int
	// Failed counts deliveries without a 2xx in time.
	Failed int
	// Min, Mean, P50, P90, P99 and Max are latencies over every
	// delivery, failed ones included.
	Min, Mean, P50, P90, P99, Max time.Duration
	// Buckets are how many deliveries took at most each bound, one bucket
	// a bound (each counts those above the bound before it); the last
	// bound is the deadline, and Over counts deliveries that took longer.
	Buckets []LatencyBucket
	Over    int
}

// LatencyBucket is one bar of the burst's latency histogram.
type LatencyBucket struct {
	UpTo  time.Duration
	Count int
}

// String is the figures on one line, as the console's summary prints them.
func (b BurstStats) String() string {
	return fmt.Sprintf("%d sessions, %d deliveries, %d failed, p50 %s, p99 %s, max %s",
		b.Sessions, b.Deliveries, b.Failed, humanize.Duration(b.P50), humanize.Duration(b.P99), humanize.Duration(b.Max))
}
