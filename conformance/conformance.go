// Package conformance judges a WMS webhook receiver: Ginkgo specs drive the
// emitter against a URL and check each answer, so that a customer learns,
// spec by spec, whether an endpoint is ready for go-live.
//
// The specs live in ordinary (non-test) files so that the wms-mock binary
// runs them in-process with Run; 'go test ./conformance' runs the same
// suite against the reference receiver. Each spec is labelled must or
// should and by area (signature, delivery, payload, robustness, timing); a
// must failure fails the run, a should failure is a warning. Every failure
// shows the request sent (the MAC, never the secret), the answer, and what
// a correct receiver does.
package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// DefaultBurst is how many sessions the burst spec runs at once.
const DefaultBurst = 50

// Errors returned by Run for a run that could not start. Each is wrapped
// with a one-line explanation that says what to do.
var (
	// ErrUnreachable: the probe before the first spec got no HTTP answer.
	ErrUnreachable = errors.New("cannot reach the webhook")
	// ErrConfig: the Config cannot run (no signer, bad URL, bad filter,
	// unwritable report).
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
	URL  string
	Seed uint64
	// Duration is the time the specs took, the probe excluded.
	Duration time.Duration
	// Passed counts specs that passed; MustFailed and ShouldFailed count
	// failures by level; Skipped counts specs that did not run (left out
	// by the label filter, or not reached after an interrupt);
	// Inconclusive counts specs that ran and reached no verdict: cut short
	// by an interrupt, or unable to judge because the receiver refuses
	// valid events (the deadline spec, the signature specs whose forgeries
	// were refused while the probe was refused too, and the specs that
	// claim the receiver keeps serving, when the valid event sent just
	// before them was refused).
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

// Result is one spec's outcome.
type Result struct {
	// ID is the spec's ID label; scenario specs use the scenario's name.
	ID    string
	Title string
	Level Level
	Area  string
	// State is Ginkgo's: passed, failed, panicked, interrupted, ...;
	// skipped for a spec that reached no verdict.
	State    string
	Passed   bool
	Duration time.Duration
	// Message is the failure report, or why the spec reached no verdict;
	// empty when the spec passed.
	Message string
}

// BurstStats are the burst spec's latency figures over every delivery.
type BurstStats struct {
	Sessions   int
	Deliveries int
	// Failed counts deliveries without a 2xx in time.
	Failed        int
	P50, P99, Max time.Duration
}

// String is the figures on one line, as the console's summary prints them.
func (b BurstStats) String() string {
	return fmt.Sprintf("%d sessions, %d deliveries, %d failed, p50 %s, p99 %s, max %s",
		b.Sessions, b.Deliveries, b.Failed, latency(b.P50), latency(b.P99), latency(b.Max))
}

// runMu serialises runs: Ginkgo's suite is process-wide.
var runMu sync.Mutex

// Run checks the target is reachable, then runs the suite against it and
// returns what it found. The error is for a run that could not start
// (ErrConfig, ErrUnreachable, ErrBusy) or was interrupted; failed specs
// are in the Summary, not in the error.
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
	probe := s.send(ctx, s.validRequest(s.newSession(), "WMS_LOADED"))
	sum.Probe = probe.att
	if ctx.Err() != nil {
		removeDirs(s.made)
		sum.Interrupted = true
		return sum, ErrInterrupted
	}
	if !probe.answered() {
		removeDirs(s.made)
		sum.Unreachable = true
		return sum, fmt.Errorf("%w %s: %s", ErrUnreachable, s.url, probe.att.Message)
	}
	s.probe = probe
	s.con.header(s, probe)

	start := time.Now()
	report := s.runSpecs(ctx)
	sum.Duration = time.Since(start)
	s.summarise(&sum, report)
	reportErr := s.writeJUnit(report)
	s.con.footer(sum)
	if sum.Interrupted || ctx.Err() != nil {
		sum.Interrupted = true
		return sum, ErrInterrupted
	}
	return sum, reportErr
}

// suite is one run's state. The specs are registered as closures over it,
// so nothing about a run lives in package variables.
type suite struct {
	cfg     Config
	specs   []spec
	client  *emitter.Client
	url     string // cfg.URL for display, its password redacted
	signer  *emitter.Signer
	other   *emitter.Signer // a secret that is not the Config ID's
	timeout time.Duration
	seed    uint64
	burstN  int
	con     *console
	// made are the report directories the run created, deepest first,
	// removed again when it stops before the first spec.
	made []string
	// probe is the answer to the plain valid event sent before the first
	// spec; when it is not a 2xx, refusals prove nothing about
	// verification and the specs' own explanations of a refused valid
	// event are unproven.
	probe exchange

	// ids maps spec titles to IDs (scenario names for scenario specs).
	ids map[string]string

	// sessions numbers the run's sessions, whose seeds follow the run's.
	sessions atomic.Uint64

	mu     sync.Mutex
	burst  *BurstStats
	report types.Report
}

func newSuite(cfg Config) (*suite, error) {
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: no MAC secret: pass --secret-file, set WMS_MAC_SECRET or pass --secret", ErrConfig)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = emitter.DefaultTimeout
	}
	burst := cfg.Burst
	if burst == 0 {
		burst = DefaultBurst
	}
	if burst < 1 || burst > 10000 {
		return nil, fmt.Errorf("%w: the burst must be between 1 and 10000 sessions, got %d", ErrConfig, burst)
	}
	if err := goTestFlags(); err != nil {
		return nil, err
	}
	specs := builtinSpecs()
	if err := checkFilter(cfg.LabelFilter, specs, cfg.Scenarios); err != nil {
		return nil, err
	}
	if err := checkScenarios(cfg.Scenarios); err != nil {
		return nil, err
	}
	opts := append([]emitter.Option{emitter.WithTimeout(timeout), emitter.WithMaxConns(burst + 8)}, cfg.ClientOptions...)
	opts = append(opts, emitter.WithRetry(emitter.Retry{}))
	display := emitter.RedactURL(cfg.URL)
	client, err := emitter.NewClient(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	// The report paths come last, as they create directories: every
	// check that can fail without touching the disk has passed.
	var made []string
	for _, p := range []string{cfg.JUnitReport, cfg.JSONReport} {
		dirs, err := writable(p)
		made = append(dirs, made...)
		if err != nil {
			removeDirs(made)
			client.Close()
			return nil, err
		}
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	ids := map[string]string{}
	for _, sp := range specs {
		ids[sp.Title] = sp.ID
	}
	for _, sc := range cfg.Scenarios {
		ids[scenarioTitle(sc)] = sc.Name
	}
	return &suite{
		cfg:     cfg,
		specs:   specs,
		client:  client,
		url:     display,
		signer:  cfg.Signer,
		other:   otherSigner(cfg.Signer),
		timeout: timeout,
		seed:    seed,
		burstN:  burst,
		con:     &console{w: out, color: cfg.Color},
		ids:     ids,
		made:    made,
	}, nil
}

// otherSigner returns a signer whose MACs differ from right's, for the
// specs that sign with the wrong secret.
func otherSigner(right *emitter.Signer) *emitter.Signer {
	probe := []byte(`{"probe":true}`)
	for i := 0; ; i++ {
		s, err := emitter.NewSigner(fmt.Appendf(nil, "wms-mock: not the Config ID's secret #%d", i))
		if err == nil && s.MAC(probe) != right.MAC(probe) {
			return s
		}
	}
}

// checkFilter validates the label filter before Ginkgo sees it (RunSpecs
// exits the process on a bad one) and refuses a filter that selects no
// spec, which is nearly always a typo.
func checkFilter(expr string, specs []spec, scs []*scenarios.Scenario) error {
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
	if len(scs) > 0 && f(scenarioLabels()) {
		return nil
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

// writable checks that a report can be written before any spec runs, so
// that a typo in a path does not cost a whole run. It returns the
// directories it created, deepest first, also when it fails. It leaves no
// empty file behind for a run that then stops early.
func writable(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	_, statErr := os.Stat(path)
	made := missingDirs(filepath.Dir(path))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return made, fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return made, fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f.Close()
	if errors.Is(statErr, fs.ErrNotExist) {
		os.Remove(path)
	}
	return made, nil
}

// missingDirs lists the directories that creating dir would create,
// deepest first. A path whose state cannot be read counts as present, so
// that nothing the run did not create is ever removed.
func missingDirs(dir string) []string {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			return missing
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			return missing
		}
	}
}

// removeDirs removes directories the run created, deepest first; one that
// holds anything stays.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		os.Remove(d)
	}
}

// testingT is what RunSpecs reports a failed suite to; the Summary is
// computed from the report instead, because a should failure fails the
// Ginkgo suite but not the run.
type testingT struct{}

func (testingT) Fail() {}

// runSpecs registers the suite's specs in a fresh Ginkgo tree and runs
// them in-process, returning Ginkgo's report. Ginkgo writes the JSON
// report as is; the JUnit report is the suite's own (see writeJUnit).
func (s *suite) runSpecs(ctx context.Context) types.Report {
	// Ginkgo keeps one tree per process and runs it once; a fresh tree per
	// Run lets a process run the suite again (one run at a time).
	globals.Reset()
	s.register(ctx)

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

	ginkgo.RunSpecs(testingT{}, "WMS webhook conformance", suiteCfg, reporterCfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}

// writeJUnit writes the JUnit report for CI, which reads every failed test
// case as a red build: a should spec that failed is a passed test case
// whose system-out holds the warning, so that CI agrees with the exit
// status. Only the specs are test cases, not Ginkgo's reporting nodes.
func (s *suite) writeJUnit(r types.Report) error {
	if s.cfg.JUnitReport == "" {
		return nil
	}
	r.SpecReports = slices.Clone(r.SpecReports)
	mustFailed := false
	for i := range r.SpecReports {
		sr := &r.SpecReports[i]
		if sr.LeafNodeType != types.NodeTypeIt || !sr.Failed() {
			continue
		}
		if s.result(*sr).Level != Should || sr.State != types.SpecStateFailed {
			mustFailed = true
			continue
		}
		sr.CapturedStdOutErr = "WARNING: this should spec failed; a should failure does not fail the run.\n\n" + sr.Failure.Message + "\n" + sr.CapturedStdOutErr
		sr.State, sr.Failure, sr.AdditionalFailures = types.SpecStatePassed, types.Failure{}, nil
	}
	r.SuiteSucceeded = !mustFailed && len(r.SpecialSuiteFailureReasons) == 0
	err := reporters.GenerateJUnitReportWithConfig(r, s.cfg.JUnitReport, reporters.JunitReportConfig{OmitSuiteSetupNodes: true})
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrReport, s.cfg.JUnitReport, err)
	}
	return nil
}

// register declares the specs. They sit in one Ordered container, so that
// they run in the declared order, with ContinueOnFailure, so that a failure
// does not skip the specs after it.
func (s *suite) register(runCtx context.Context) {
	ginkgo.Describe("WMS webhook receiver", ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
		for i := range s.specs {
			sp := &s.specs[i]
			ginkgo.It(sp.Title, ginkgo.Label(sp.Labels()...), func(sctx ginkgo.SpecContext) {
				s.runChecked(runCtx, sctx, sp.Correct, func(ctx context.Context, c *check) { s.runSpec(ctx, sp, c) })
			})
		}
		s.registerScenarios(runCtx)
	})
	ginkgo.ReportAfterEach(func(r types.SpecReport) { s.con.spec(s.result(r)) })
	ginkgo.ReportAfterSuite("conformance summary", func(r types.Report) {
		s.mu.Lock()
		s.report = r
		s.mu.Unlock()
	})
}

// notRun is the skip message of a spec the run did not reach.
const notRun = "not run: the run was interrupted"

// runChecked runs a spec's body and turns its check into the verdict. A
// spec cut short by an interrupt reaches no verdict: a delivery the run
// cancelled tells nothing about the receiver.
func (s *suite) runChecked(runCtx context.Context, sctx ginkgo.SpecContext, correct string, body func(context.Context, *check)) {
	if runCtx.Err() != nil {
		ginkgo.Skip(notRun)
	}
	ctx, cancel := context.WithCancel(sctx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	c := &check{correct: correct}
	body(ctx, c)
	switch {
	case ctx.Err() != nil:
		ginkgo.Skip("No verdict: the run was interrupted before this spec finished.")
	case c.failed():
		ginkgo.Fail(c.message())
	case c.undecided != "":
		ginkgo.Skip(c.undecided)
	}
}

// runSpec runs one built-in spec; a hostile one is framed by valid events
// to check that the receiver keeps serving. A spec that claims so reaches
// no verdict, unless it failed, when the valid event before its requests
// was refused: whether the receiver goes on serving cannot be shown then,
// and its refusals prove nothing.
func (s *suite) runSpec(ctx context.Context, sp *spec, c *check) {
	var before exchange
	if sp.frame != unframed {
		before = s.send(ctx, s.validRequest(s.newSession(), "WMS_LOADED"))
	}
	sp.run(s, ctx, c)
	switch {
	case sp.frame == unframed || ctx.Err() != nil:
	case before.accepted():
		after := s.send(ctx, s.validRequest(s.newSession(), "WMS_LOADED"))
		if !after.accepted() {
			c.fail("The receiver stopped accepting valid events: it accepted one just before this spec's requests, and not the one right after them.", before, after)
			c.correct += " It also goes on accepting valid events after any hostile request."
		}
	case sp.frame == survives && c.undecided == "":
		also := ""
		if !s.probe.accepted() {
			also = ", like the plain valid event sent before the first spec"
		}
		c.undecided = fmt.Sprintf("No verdict: this spec's requests got answers a correct receiver may give, but the valid event sent just before them got %s%s, so they do not show that the receiver goes on serving after them.", before.outcome(), also)
	}
}

func (s *suite) setBurst(b BurstStats) {
	s.mu.Lock()
	s.burst = &b
	s.mu.Unlock()
	ginkgo.AddReportEntry("burst", b.String())
}

// summarise turns Ginkgo's report into the Summary.
func (s *suite) summarise(sum *Summary, r types.Report) {
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		res := s.result(sr)
		switch {
		case sr.State == types.SpecStateSkipped && res.Message != "" && res.Message != notRun:
			sum.Inconclusive++
		case sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending:
			sum.Skipped++
			continue
		case res.Passed:
			sum.Passed++
		case res.Level == Should:
			sum.ShouldFailed++
		default:
			sum.MustFailed++
		}
		sum.Results = append(sum.Results, res)
	}
	s.mu.Lock()
	sum.Burst = s.burst
	s.mu.Unlock()
	// Ginkgo gives a reason when the suite as a whole stopped early: a
	// signal, or its own timeout.
	sum.Interrupted = len(r.SpecialSuiteFailureReasons) > 0
}

// result reads a spec's identity back from its labels.
func (s *suite) result(sr types.SpecReport) Result {
	res := Result{
		Title:    sr.LeafNodeText,
		State:    sr.State.String(),
		Passed:   sr.State == types.SpecStatePassed,
		Duration: sr.RunTime,
		Level:    Must,
	}
	if sr.Failed() || sr.State == types.SpecStateSkipped {
		res.Message = sr.Failure.Message
	}
	for _, l := range sr.Labels() {
		switch l {
		case string(Should):
			res.Level = Should
		case AreaSignature, AreaDelivery, AreaPayload, AreaRobustness, AreaTiming, AreaScenario:
			res.Area = l
		}
	}
	res.ID = s.ids[sr.LeafNodeText]
	if res.ID == "" {
		res.ID = sr.LeafNodeText
	}
	return res
}
