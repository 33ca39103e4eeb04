package conformance

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// suiteName and containerName name the suite and the container of its
// specs, as Ginkgo and the reports show them.
const (
	suiteName     = "WMS webhook conformance"
	containerName = "WMS webhook receiver"
)

// maxBurst bounds Config.Burst: beyond it the suite measures the machine
// it runs on more than the receiver.
const maxBurst = 10000

// suite is one run's state. The specs are closures over it, so nothing
// about a run lives in package variables.
type suite struct {
	cfg Config
	// specs are the built-in specs, then one per scenario.
	specs   []spec
	client  *emitter.Client
	url     string // cfg.URL for display, its password redacted
	signer  *emitter.Signer
	forger  *forgery.Forger
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

	// sessions numbers the run's sessions, whose seeds follow the run's.
	sessions atomic.Uint64

	mu    sync.Mutex
	burst *BurstStats
}

// outcome is a spec's Result with the figures only the reports keep.
type outcome struct {
	Result
	entries []entry
}

// notRun is the reason of a spec the run did not reach.
const notRun = "not run: the run was interrupted"

// newSuite checks the Config and prepares the run. Every check that can
// fail without touching the disk comes before the report paths, which
// create directories.
func newSuite(cfg Config) (*suite, error) {
	s := &suite{cfg: cfg, signer: cfg.Signer, timeout: cfg.Timeout, burstN: cfg.Burst, seed: cfg.Seed}
	if s.signer == nil {
		return nil, fmt.Errorf("%w: no MAC secret: pass --secret-file, set WMS_MAC_SECRET or pass --secret", ErrConfig)
	}
	if s.timeout == 0 {
		s.timeout = emitter.DefaultTimeout
	}
	if s.burstN == 0 {
		s.burstN = DefaultBurst
	}
	if s.burstN < 1 || s.burstN > maxBurst {
		return nil, fmt.Errorf("%w: the burst must be between 1 and %d sessions, got %d", ErrConfig, maxBurst, s.burstN)
	}
	if err := goTestFlags(); err != nil {
		return nil, err
	}
	if err := checkScenarios(cfg.Scenarios); err != nil {
		return nil, err
	}
	s.specs = append(builtinSpecs(), scenarioSpecs(cfg.Scenarios)...)
	if err := checkFilter(cfg.LabelFilter, s.specs); err != nil {
		return nil, err
	}
	opts := append([]emitter.Option{emitter.WithTimeout(s.timeout), emitter.WithMaxConns(s.burstN + 8)}, cfg.ClientOptions...)
	opts = append(opts, emitter.WithRetry(emitter.Retry{}))
	client, err := emitter.NewClient(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	for _, p := range []string{cfg.JUnitReport, cfg.JSONReport} {
		dirs, err := writable(p)
		s.made = append(dirs, s.made...)
		if err != nil {
			removeDirs(s.made)
			client.Close()
			return nil, err
		}
	}
	s.client, s.url, s.forger = client, emitter.RedactURL(cfg.URL), forgery.New(cfg.Signer)
	if s.seed == 0 {
		s.seed = rand.Uint64()
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	s.con = &console{w: out, color: cfg.Color}
	return s, nil
}

// conclude runs a spec to its verdict, and says why when it has none. A
// spec the run did not reach has no verdict at all; one the run cut short
// reaches none, since a delivery the run cancelled tells nothing about
// the receiver.
func (s *suite) conclude(runCtx, specCtx context.Context, sp *spec) outcome {
	if runCtx.Err() != nil {
		return outcome{Result: Result{Message: notRun}}
	}
	ctx, cancel := context.WithCancel(specCtx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	c := &check{correct: sp.Correct}
	if err := s.play(ctx, sp, c); err != nil {
		c.fail("internal error: " + err.Error())
	}
	v, msg := c.verdict(sp.Level, ctx.Err() != nil)
	return outcome{Result: Result{Verdict: v, Message: msg}, entries: c.entries}
}

// play runs one spec's body; a hostile one is framed by valid events to
// check that the receiver keeps serving. A spec that claims so reaches no
// verdict, unless it failed, when the valid event before its requests was
// refused: whether the receiver goes on serving cannot be shown then, and
// its refusals prove nothing.
func (s *suite) play(ctx context.Context, sp *spec, c *check) error {
	var before exchange
	if sp.frame != unframed {
		var err error
		if before, err = s.sendValid(ctx); err != nil {
			return err
		}
	}
	if err := sp.run(s, ctx, c); err != nil {
		return err
	}
	switch {
	case sp.frame == unframed || ctx.Err() != nil:
	case before.accepted():
		after, err := s.sendValid(ctx)
		if err != nil {
			return err
		}
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
	return nil
}

// sendValid sends the first event of a fresh session, validly signed: the
// probe, and the frame of a hostile spec.
func (s *suite) sendValid(ctx context.Context) (exchange, error) {
	r, err := s.validRequest(s.newSession(), "WMS_LOADED")
	if err != nil {
		return exchange{}, err
	}
	return s.send(ctx, r), nil
}

// setBurst keeps the burst spec's figures for the Summary and the reports.
func (s *suite) setBurst(c *check, b BurstStats) {
	s.mu.Lock()
	s.burst = &b
	s.mu.Unlock()
	c.report("burst", b.String())
}

func (s *suite) burstStats() *BurstStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.burst
}
