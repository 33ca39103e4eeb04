// Package load sends many concurrent WMS sessions to a webhook and measures
// how fast it answers: latency percentiles, status counts, failure classes.
//
// Two models, as in vegeta. The closed model keeps Concurrency sessions in
// flight, each sending its next event when the previous one is answered: it
// finds the receiver's capacity, and an event's latency runs from sending
// it to its answer. The open model sends events at a fixed Rate whatever
// the receiver does. There an event's latency counts the time it waited for
// a free worker (at most Concurrency requests are in flight), so that a
// slow receiver cannot hide its latency by holding the generator back
// (coordinated omission); it leaves out the generator's own delay between
// the event falling due and its latency starting to count: the timer's
// oversleep (Go's timers wake in steps of about a millisecond when the
// process is idle), waking a worker, building a session. That delay is
// measured for each event and reported as the lag (Result.Lag), and events
// that fell due but were never sent as Result.Missed. In both models a
// session's events go out one at a time, in order, as WMS sends them.
package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Sender delivers one request: the scenarios runner's, so that one fake or
// one *emitter.Client serves both.
type Sender = scenarios.Sender

// DefaultConcurrency is the concurrency of a Config that gives none, and
// of `wms-mock load` without --concurrency.
const DefaultConcurrency = 10

// MaxConcurrency bounds Config.Concurrency: far past what one machine's
// ports and memory serve, and low enough that a typo does not start
// millions of goroutines.
const MaxConcurrency = 100_000

// MinRate and MaxRate bound Config.Rate when it is not zero, for the
// library and the CLI alike. Below MinRate an event is due less than once
// in 17 minutes, which is no load. MaxRate is what one dispatcher on one
// machine can pace: an event every microsecond, each through a timer, a
// channel and a worker, and an HTTP request of its own. A rate past it
// would not be honoured but turn into lag and missed events, the generator
// measuring itself rather than the receiver; spread such a load over
// several machines.
const (
	MinRate = 0.001
	MaxRate = 1e6
)

// DefaultProgressEvery is how often Progress is called when
// Config.ProgressEvery is zero.
const DefaultProgressEvery = 500 * time.Millisecond

// ErrBadConfig is wrapped by Run for a Config it cannot run, and matched
// by the errors of CheckConcurrency and CheckRate.
var ErrBadConfig = errors.New("bad load configuration")

// Config describes a run. At least one of Sessions and Duration must be
// set, so that every run ends; given both, the run stops at whichever comes
// first (the CLI takes one or the other).
type Config struct {
	// Source makes each session's requests.
	Source Source
	// Sender delivers them.
	Sender Sender
	// Sessions is how many sessions to run; 0 means as many as Duration
	// allows.
	Sessions int
	// Duration bounds the run: after it no event is sent, deliveries in
	// flight are awaited, and sessions cut short count as incomplete.
	Duration time.Duration
	// Concurrency is how many sessions are in flight in the closed model,
	// and how many requests may be in flight in the open model (an event
	// that waits for a free slot has the wait in its latency). Zero means
	// DefaultConcurrency; at most MaxConcurrency.
	Concurrency int
	// Rate, when not zero, selects the open model at Rate events per
	// second, from MinRate to MaxRate.
	Rate float64
	// Progress, when set, is called every ProgressEvery with the figures so
	// far, from a goroutine of Run's own.
	Progress func(Snapshot)
	// ProgressEvery is the progress period; zero means
	// DefaultProgressEvery.
	ProgressEvery time.Duration
	// Thresholds, when set, are judged at the end of the run: the result
	// holds them and the breaches (Result.Thresholds, Result.Breached).
	Thresholds Thresholds
}

// check applies the defaults to c and checks what remains.
func (c Config) check() (Config, error) {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
	concurrency, rate, limits := CheckConcurrency(c.Concurrency), CheckRate(c.Rate), CheckThresholds(c.Thresholds)
	var err error
	switch {
	case c.Source == nil:
		err = badConfig("no session source")
	case c.Sender == nil:
		err = badConfig("no sender")
	case concurrency != nil:
		err = concurrency
	case c.Sessions < 0:
		err = badConfig(fmt.Sprintf("the number of sessions must be 1 or more, got %d", c.Sessions))
	case c.Duration < 0:
		err = badConfig(fmt.Sprintf("the duration must be positive, got %v", c.Duration))
	case c.Sessions == 0 && c.Duration == 0:
		err = badConfig("give a number of sessions or a duration, so that the run ends")
	case rate != nil:
		err = rate
	case limits != nil:
		err = limits
	}
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	return c, nil
}

// CheckConcurrency returns an error when n is not from 1 to
// MaxConcurrency: the one rule for Config.Concurrency (once its zero has
// become DefaultConcurrency) and for the CLI's --concurrency. The error
// matches ErrBadConfig and, unlike Run's, does not say so in its text, so
// that the CLI can name its flag in front of it.
func CheckConcurrency(n int) error {
	if n < 1 || n > MaxConcurrency {
		return badConfig(fmt.Sprintf("the concurrency must be from 1 to %d, got %d", MaxConcurrency, n))
	}
	return nil
}

// CheckRate returns an error when rate is neither 0 (the closed model) nor
// from MinRate to MaxRate: the one rule for Config.Rate and the CLI's
// --rate. Its error is as CheckConcurrency's.
func CheckRate(rate float64) error {
	if rate != 0 && !(rate >= MinRate && rate <= MaxRate) {
		return badConfig(fmt.Sprintf("the rate must be 0 (closed model) or from %g to %g events per second, got %g", MinRate, MaxRate, rate))
	}
	return nil
}

// badConfig is what is wrong with a Config, in words without ErrBadConfig's
// own, which it matches.
type badConfig string

func (e badConfig) Error() string        { return string(e) }
func (e badConfig) Is(target error) bool { return target == ErrBadConfig }

// Run sends the sessions of cfg and returns what they came to. Canceling
// ctx ends the run early: deliveries in flight are abandoned and not
// counted, and the result is marked Interrupted. The error is non-nil only
// when cfg is invalid or its Source fails; the result then holds what was
// measured before.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, rec: newRecorder()}
	r.signed, _ = cfg.Sender.(SignedSender)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	stop := runCtx
	if cfg.Duration > 0 {
		var cancelStop context.CancelFunc
		stop, cancelStop = context.WithTimeout(runCtx, cfg.Duration)
		defer cancelStop()
	}

	start := time.Now()
	var wg sync.WaitGroup
	progressDone := make(chan struct{})
	if cfg.Progress != nil {
		wg.Go(func() { r.progress(start, progressDone) })
	}
	wg.Go(func() { r.clock(start, progressDone) })
	if cfg.Rate > 0 {
		r.open(runCtx, stop)
	} else {
		r.closed(runCtx, stop)
	}
	elapsed := time.Since(start)
	close(progressDone)
	wg.Wait()

	res := r.rec.result(elapsed)
	res.Model, res.Concurrency, res.Rate = "closed", cfg.Concurrency, cfg.Rate
	if cfg.Rate > 0 {
		res.Model = "open"
		q := r.rec.lag.Quantiles(0.5, 0.99)
		res.Lag = &Lag{P50: q[0], P99: q[1], Max: r.rec.lag.Max()}
	}
	res.Interrupted = ctx.Err() != nil
	if cfg.Thresholds.Any() {
		res.Thresholds = &cfg.Thresholds
		res.Breached = res.Breaches(cfg.Thresholds)
	}
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return res, r.err
}

// runner is one run in progress.
type runner struct {
	cfg    Config
	signed SignedSender // cfg.Sender, when it is one
	rec    *recorder
	cancel context.CancelFunc

	errMu sync.Mutex
	err   error
}

// fail ends the run because the Source failed; the first error wins.
func (r *runner) fail(err error) {
	r.errMu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.errMu.Unlock()
	r.cancel()
}

func (r *runner) progress(start time.Time, done <-chan struct{}) {
	t := time.NewTicker(r.cfg.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.cfg.Progress(r.rec.snapshot(time.Since(start)))
		}
	}
}

// clockStep is how often the timeline's second is advanced: a delivery
// is counted in the second it was answered in, give or take this.
const clockStep = 10 * time.Millisecond

// clock advances the timeline's second until done, so that recording a
// delivery reads no clock.
func (r *runner) clock(start time.Time, done <-chan struct{}) {
	t := time.NewTicker(clockStep)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.rec.seconds.tick(time.Since(start))
		}
	}
}

// session builds session i.
func (r *runner) session(i uint64) (Script, error) {
	s, err := r.cfg.Source.Script(i)
	if err != nil {
		return Script{}, fmt.Errorf("session %d: %w", i, err)
	}
	r.rec.started(s.Name)
	return s, nil
}

// deliver sends one request and records its latency counted from due, or,
// when due is zero (the closed model, where the event is due when it is
// sent), the attempt's own latency: the sender has read the clock at both
// ends already, and two more clock reads per event are measurable at
// 100,000 events a second. It reports false when the run was interrupted
// before the answer, and the delivery not counted.
func (r *runner) deliver(ctx context.Context, req emitter.Request, due time.Time) bool {
	return r.recordOutcome(ctx, r.cfg.Sender.Send(ctx, req), due)
}

// recordOutcome counts one delivery's outcome as deliver says.
func (r *runner) recordOutcome(ctx context.Context, out emitter.Outcome, due time.Time) bool {
	if out.Class == emitter.FailCanceled && ctx.Err() != nil {
		return false // the run was interrupted: not the receiver's doing
	}
	latency := out.Latency
	if !due.IsZero() {
		latency = time.Since(due)
	}
	r.rec.record(out.Attempt, latency)
	return true
}

// eventBufSize is the room a goroutine keeps for one event and its MAC,
// a few hundred bytes for WMS's events; a larger one grows it once.
const eventBufSize = 1024

// SignedSender is a Sender that also sends a correctly signed POST from
// its body and MAC as they are: a Stream's event needs no header map, and
// making one for each event would be the generator's only allocation per
// event. HTTPSender is one; a Sender that is not is given ev.Request().
type SignedSender interface {
	Sender
	SendSigned(ctx context.Context, body, mac []byte) emitter.Outcome
}

// deliverEvent sends one event of a Stream and records it as deliver does.
func (r *runner) deliverEvent(ctx context.Context, ev *scenarios.Event, due time.Time) bool {
	var out emitter.Outcome
	if r.signed != nil {
		out = r.signed.SendSigned(ctx, ev.Body, ev.MAC)
	} else {
		out = r.cfg.Sender.Send(ctx, ev.Request())
	}
	return r.recordOutcome(ctx, out, due)
}
