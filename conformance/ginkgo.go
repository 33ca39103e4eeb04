package conformance

// This file is the one that talks to Ginkgo: it registers the specs, runs
// them, and reads Ginkgo's report back. Everything else in the package is
// plain Go: a spec ends with a Verdict (see suite.conclude), which is
// handed to Ginkgo here only so that its label filter and its JSON report
// work as Ginkgo users expect.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
)

// testingT is what RunSpecs reports a failed suite to; the Summary is
// computed from the verdicts instead, because a should failure fails the
// Ginkgo suite but not the run.
type testingT struct{}

func (testingT) Fail() {}

// runSpecs registers the suite's specs in a fresh Ginkgo tree and runs
// them in-process. It returns every spec's outcome in order (a spec that
// did not run has no verdict) and whether Ginkgo stopped the suite early
// (a signal). Ginkgo writes the JSON report as is; the JUnit report is the
// suite's own (see writeJUnit).
func (s *suite) runSpecs(ctx context.Context) ([]outcome, bool) {
	// Ginkgo keeps one tree per process and runs it once; a fresh tree per
	// Run lets a process run the suite again (one run at a time).
	globals.Reset()
	r := &ginkgoRun{s: s, outcomes: make([]outcome, len(s.specs)), byTitle: map[string]int{}}
	for i, sp := range s.specs {
		r.outcomes[i].SpecInfo = sp.SpecInfo
		r.byTitle[sp.Title] = i
	}
	r.register(ctx)

	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.LabelFilter = s.cfg.LabelFilter
	suiteCfg.RandomizeAllSpecs = false // the order is part of the design
	suiteCfg.FailFast = false
	suiteCfg.DryRun = false
	suiteCfg.ParallelProcess, suiteCfg.ParallelTotal, suiteCfg.ParallelHost = 1, 1, ""
	reporterCfg.JUnitReport = ""
	reporterCfg.JSONReport = s.cfg.JSONReport
	reporterCfg.GoJSONReport, reporterCfg.TeamcityReport = "", ""
	reporterCfg.NoColor = !s.cfg.Color
	reporterCfg.Succinct, reporterCfg.Verbose, reporterCfg.VeryVerbose = true, false, false

	// Ginkgo's own console reporter writes to formatter.ColorableStdOut;
	// the suite prints its own, customer-facing progress to Config.Out.
	stdout := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = stdout }()

	ginkgo.RunSpecs(testingT{}, suiteName, suiteCfg, reporterCfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.outcomes, r.stopped
}

// ginkgoRun is one run's bookkeeping between Ginkgo's callbacks, which
// run on Ginkgo's goroutines: each spec's outcome, found by its title.
type ginkgoRun struct {
	s        *suite
	byTitle  map[string]int
	outcomes []outcome // guarded by s.mu
	stopped  bool      // guarded by s.mu
}

// register declares the specs. They sit in one Ordered container, so that
// they run in the declared order, with ContinueOnFailure, so that a failure
// does not skip the specs after it.
func (r *ginkgoRun) register(runCtx context.Context) {
	ginkgo.Describe(containerName, ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
		for i := range r.s.specs {
			sp := &r.s.specs[i]
			ginkgo.It(sp.Title, ginkgo.Label(sp.Labels()...), func(sctx ginkgo.SpecContext) {
				r.end(i, r.s.conclude(runCtx, sctx, sp))
			})
		}
	})
	ginkgo.ReportAfterEach(r.reported)
	ginkgo.ReportAfterSuite("conformance summary", func(rep types.Report) {
		r.s.mu.Lock()
		defer r.s.mu.Unlock()
		// Ginkgo gives a reason when the suite as a whole stopped early: a
		// signal, or its own timeout.
		r.stopped = len(rep.SpecialSuiteFailureReasons) > 0
	})
}

// end keeps the outcome of spec i and hands its verdict to Ginkgo: a
// failure (must or should) fails the Ginkgo spec, no verdict skips it with
// the reason, so that the JSON report's states say the same. The verdict
// is also an entry of the JSON report, since Ginkgo's states cannot tell a
// warning from a failure.
func (r *ginkgoRun) end(i int, o outcome) {
	r.s.mu.Lock()
	r.outcomes[i].Verdict, r.outcomes[i].Message, r.outcomes[i].entries = o.Verdict, o.Message, o.entries
	r.s.mu.Unlock()
	for _, e := range o.entries {
		ginkgo.AddReportEntry(e.name, e.value)
	}
	if o.Verdict != "" {
		ginkgo.AddReportEntry("verdict", string(o.Verdict))
	}
	switch o.Verdict {
	case Failed, Warned:
		ginkgo.Fail(o.Message)
	case NoVerdict, "":
		ginkgo.Skip(o.Message)
	}
}

// reported completes a spec's outcome from Ginkgo's report of it and
// prints it. A spec that Ginkgo ended before it reached a verdict (a
// panic in the suite, Ginkgo's own interrupt) fails at its level.
func (r *ginkgoRun) reported(sr types.SpecReport) {
	i, ok := r.byTitle[sr.LeafNodeText]
	if !ok || sr.LeafNodeType != types.NodeTypeIt {
		return
	}
	r.s.mu.Lock()
	o := &r.outcomes[i]
	o.Duration = sr.RunTime
	if o.Verdict == "" && sr.State.Is(types.SpecStateFailureStates) {
		o.Verdict, o.Message = Failed, sr.Failure.Message
		if o.Level == Should {
			o.Verdict = Warned
		}
	}
	res := o.Result
	r.s.mu.Unlock()
	r.s.con.spec(res)
}

// checkFilter validates the label filter before Ginkgo sees it (RunSpecs
// exits the process on a bad one) and refuses a filter that selects no
// spec, which is nearly always a typo.
func checkFilter(expr string, specs []spec) error {
	f, err := types.ParseLabelFilter(expr)
	if err != nil {
		why := "syntax error"
		var ge types.GinkgoError
		if errors.As(err, &ge) {
			// The message is the filter with the culprit marked up, then
			// the reason on its last line.
			lines := strings.Split(ge.Message, "\n")
			why = "syntax error: " + lines[len(lines)-1]
		}
		return fmt.Errorf("%w: --label-filter %q: %s (labels combine with &&, || and !, grouped by parentheses)", ErrConfig, expr, why)
	}
	for _, sp := range specs {
		if f(sp.Labels()) {
			return nil
		}
	}
	return fmt.Errorf("%w: --label-filter %q selects no spec: labels are must, should, signature, delivery, payload, robustness, timing, scenario and each spec's ID", ErrConfig, expr)
}

// goTestFlags refuses the 'go test' flags with which Ginkgo would exit the
// process instead of running (-count other than 1, -parallel).
func goTestFlags() error {
	var err error
	flag.CommandLine.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "test.count" && f.Value.String() != "1":
			err = fmt.Errorf("%w: Ginkgo refuses 'go test -count' other than 1: use -count=1", ErrConfig)
		case f.Name == "test.parallel":
			err = fmt.Errorf("%w: Ginkgo refuses 'go test -parallel': drop the flag", ErrConfig)
		}
	})
	return err
}
