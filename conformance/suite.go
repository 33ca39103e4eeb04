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

// maxBurst bounds Config.Burst: beyond it the suite measures the machine
// it runs on more than the receiver.
const maxBurst = 10000

// suite is one run's state. The specs are closures over it, so nothing
// about a run lives in package variables, and runs may overlap.
type suite struct {
	cfg Config
	// specs are the built-in specs, then one per scenario; selected says
	// which the label filter keeps.
	specs    []spec
	selected func([]string) bool
	client   *emitter.Client
	url      string // cfg.URL for display, its password redacted
	signer   *emitter.Signer
	forger   *forgery.Forger
	timeout  time.Duration
	seed     uint64
	burstN   int
	con      *console

	// probe is the first valid event sent before the first spec, probes
	// every one sent then, validOK whether any was accepted (when none
	// was, refusals prove nothing about verification), and diag what
	// they say about the receiver as a whole (see probe.go).
	probe   exchange
	probes  []probed
	validOK bool
	diag    diagnosis

	// sessions numbers the run's sessions, whose seeds follow the run's.
	sessions atomic.Uint64

	mu    sync.Mutex
	burst *BurstStats
	// gone is set when the receiver stopped taking connections during a
	// spec: the specs after it reach no verdict.
	gone *gone
}

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
	if err := checkScenarios(cfg.Scenarios); err != nil {
		return nil, err
	}
	s.specs = append(builtinSpecs(), scenarioSpecs(cfg.Scenarios)...)
	var err error
	if s.selected, err = parseFilter(cfg.LabelFilter, s.specs); err != nil {
		return nil, err
	}
	if s.client, err = s.newClient(s.timeout); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	for _, p := range []string{cfg.JUnitReport, cfg.JSONReport} {
		if err := writable(p); err != nil {
			s.client.Close()
			return nil, err
		}
	}
	s.url, s.forger = emitter.RedactURL(cfg.URL), forgery.New(cfg.Signer)
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

// newClient is a delivery client with the given deadline: the run's, or
// the longer one of the probe that measures a slow receiver.
func (s *suite) newClient(timeout time.Duration) (*emitter.Client, error) {
	opts := append([]emitter.Option{emitter.WithTimeout(timeout), emitter.WithMaxConns(s.burstN + 8)}, s.cfg.ClientOptions...)
	opts = append(opts, emitter.WithRetry(emitter.Retry{}))
	return emitter.NewClient(s.cfg.URL, opts...)
}

func (s *suite) close() { s.client.Close() }

// conclude runs a spec to its verdict, and says why when it has none. A
// spec the run cut short reaches none, since a delivery the run cancelled
// tells nothing about the receiver.
func (s *suite) conclude(ctx context.Context, sp *spec) outcome {
	tctx, t := withTally(ctx, sp.ID)
	c := &check{correct: sp.Correct, fix: sp.Fix}
	if err := s.play(tctx, sp, c); err != nil {
		c.fail("internal error: " + err.Error())
	}
	if g := s.goneDuring(sp.ID); g != nil {
		c.problems = append([]problem{{what: g.during(), xs: []exchange{g.x}}}, c.problems...)
	}
	cut := ""
	if ctx.Err() != nil {
		cut = interruption(ctx)
	}
	v, msg := c.verdict(sp.Level, cut)
	return outcome{Result: Result{SpecInfo: sp.SpecInfo, Verdict: v, Message: msg}, entries: c.entries, problems: c.problems, sample: t.sample(), requests: t.count()}
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
			c.fail("The receiver stopped accepting valid events: it accepted one just before this spec's requests, and not the one right after them. Likely causes: one of those requests crashed a worker or left a lock held, or the receiver stopped for another reason during the spec.", before, after)
			c.correct += " It also goes on accepting valid events after any hostile request."
		}
	case sp.frame == survives && c.undecided == "":
		also := ""
		if !s.validOK {
			also = ", like the valid events sent before the first spec"
		}
		c.undecided = fmt.Sprintf("No verdict: this spec's requests got answers a correct receiver may give, but the valid event sent just before them got %s%s, so they do not show that the receiver goes on serving after them.", before.outcome(), also)
	}
	return nil
}

// sendValid sends a fresh session's first event, validly signed: the
// frame of a hostile spec. When the receiver refuses sequence 0 (and only
// that), it is the session's second event instead, so that the frames
// still show whether the receiver keeps serving.
func (s *suite) sendValid(ctx context.Context) (exchange, error) {
	e := emitter.Emit{Event: "WMS_LOADED"}
	if s.diag.kind == seqZeroRefused {
		e = emitter.Emit{Event: "CONFIGURATION_LOADED", Sequence: at(1)}
	}
	_, b, err := s.event(s.newSession(), e)
	if err != nil {
		return exchange{}, err
	}
	return s.send(ctx, s.signed(b)), nil
}

// at is a sequence number for emitter.Emit: a spec's session starts where
// a real session has that event, not at 0, unless sequence 0 is the point.
func at(n int64) *int64 { return &n }

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
