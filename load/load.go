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
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Sender delivers one request: the scenarios runner's, so that one fake or
// one *emitter.Client serves both.
type Sender = scenarios.Sender

// DefaultConcurrency is the concurrency of a Config that gives none.
const DefaultConcurrency = 10

// MaxConcurrency bounds Config.Concurrency: far past what one machine's
// ports and memory serve, and low enough that a typo does not start
// millions of goroutines.
const MaxConcurrency = 100_000

// MinRate and MaxRate bound Config.Rate when it is not zero.
const (
	MinRate = 0.001
	MaxRate = 1e9
)

// DefaultProgressEvery is how often Progress is called when
// Config.ProgressEvery is zero.
const DefaultProgressEvery = 500 * time.Millisecond

// ErrBadConfig is wrapped by Run for a Config it cannot run.
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
}

func (c Config) check() (Config, error) {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
	switch {
	case c.Source == nil:
		return c, fmt.Errorf("%w: no session source", ErrBadConfig)
	case c.Sender == nil:
		return c, fmt.Errorf("%w: no sender", ErrBadConfig)
	case c.Concurrency < 0 || c.Concurrency > MaxConcurrency:
		return c, fmt.Errorf("%w: the concurrency must be from 1 to %d, got %d", ErrBadConfig, MaxConcurrency, c.Concurrency)
	case c.Sessions < 0:
		return c, fmt.Errorf("%w: the number of sessions must be 1 or more, got %d", ErrBadConfig, c.Sessions)
	case c.Duration < 0:
		return c, fmt.Errorf("%w: the duration must be positive, got %v", ErrBadConfig, c.Duration)
	case c.Sessions == 0 && c.Duration == 0:
		return c, fmt.Errorf("%w: give a number of sessions or a duration, so that the run ends", ErrBadConfig)
	case c.Rate != 0 && !(c.Rate >= MinRate && c.Rate <= MaxRate):
		return c, fmt.Errorf("%w: the rate must be 0 (closed model) or from %g to %g events per second, got %g", ErrBadConfig, MinRate, MaxRate, c.Rate)
	}
	return c, nil
}

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
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return res, r.err
}

// runner is one run in progress.
type runner struct {
	cfg    Config
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

// session builds session i.
func (r *runner) session(i uint64) (Script, error) {
	s, err := r.cfg.Source.Script(i)
	if err != nil {
		return Script{}, fmt.Errorf("session %d: %w", i, err)
	}
	r.rec.started(s.Name)
	return s, nil
}

// deliver sends one request and records its latency counted from due. It
// reports false when the run was interrupted before the answer, and the
// delivery not counted.
func (r *runner) deliver(ctx context.Context, req emitter.Request, due time.Time) bool {
	out := r.cfg.Sender.Send(ctx, req)
	if out.Class == emitter.FailCanceled && ctx.Err() != nil {
		return false // the run was interrupted: not the receiver's doing
	}
	r.rec.record(out.Attempt, time.Since(due))
	return true
}

// closed runs the closed model: Concurrency workers, each playing whole
// sessions one after another.
func (r *runner) closed(ctx, stop context.Context) {
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for stop.Err() == nil {
				i := next.Add(1) - 1
				if r.cfg.Sessions > 0 && i >= uint64(r.cfg.Sessions) {
					return
				}
				s, err := r.session(i)
				if err != nil {
					r.fail(err)
					return
				}
				r.play(ctx, stop, s.Requests)
			}
		})
	}
	wg.Wait()
}

// play delivers a session's requests in order, each when the previous one
// was answered.
func (r *runner) play(ctx, stop context.Context, reqs []emitter.Request) {
	for _, req := range reqs {
		if stop.Err() != nil {
			return
		}
		r.deliver(ctx, req, time.Now())
	}
	r.rec.completed.Add(1)
}

// live is a session in flight in the open model.
type live struct {
	reqs []emitter.Request
	next int
}

// job asks a worker of the open model to send the next event of s, or to
// start session index when s is nil.
type job struct {
	s     *live
	index uint64
	// sched is when the event fell due by the schedule.
	sched time.Time
	// due is sched, or later when the dispatcher's timer woke after it.
	due time.Time
	// handed is when the job was handed to a worker that was waiting for
	// one (or was started for it), zero when the dispatcher had to wait
	// for a worker.
	handed time.Time
}

// open runs the open model. A dispatcher hands out one event every 1/Rate
// seconds: the next event of a session whose previous event was answered,
// or else the first event of a new session. Workers, at most Concurrency,
// started as they are needed, deliver them. Latency counts time spent
// waiting for a free worker; the generator's own delay (its timer's
// oversleep, waking or starting a worker, building a session) is left out
// of it and recorded as the event's lag, so that the run reports how much
// it left out.
func (r *runner) open(ctx, stop context.Context) {
	c := r.cfg.Concurrency
	jobs := make(chan job)
	// A session is in ready, in flight, or held by the dispatcher, and a new
	// one starts only when ready is empty, so at most c+1 are open at once
	// and workers never block on ready.
	ready := make(chan *live, c+1)
	ended := make(chan struct{}, 1)
	var openSessions atomic.Int64
	endSession := func() {
		openSessions.Add(-1)
		select {
		case ended <- struct{}{}:
		default:
		}
	}
	worker := func() {
		for j := range jobs {
			picked := time.Now()
			s := j.s
			if s == nil {
				sess, err := r.session(j.index)
				if err != nil {
					r.fail(err)
					endSession()
					continue
				}
				s = &live{reqs: sess.Requests}
			}
			// The generator's own work, waking an idle worker and
			// building a session, is not the receiver's latency.
			own := time.Since(picked)
			if !j.handed.IsZero() {
				own += picked.Sub(j.handed)
			}
			if s.next < len(s.reqs) {
				from := j.due.Add(own)
				if r.deliver(ctx, s.reqs[s.next], from) {
					r.rec.lag.Record(from.Sub(j.sched))
				}
				s.next++
			}
			if s.next < len(s.reqs) {
				ready <- s
				continue
			}
			r.rec.completed.Add(1)
			endSession()
		}
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(jobs)
	workers := 0

	interval := float64(time.Second) / r.cfg.Rate
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var started uint64
	var woke time.Time
	start := time.Now()
	// missedFrom counts, when the run stops, the scheduled events from the
	// i-th on that fell due but were never handed out.
	missedFrom := func(i int) {
		if r.cfg.Sessions > 0 {
			return // past the last session, ticks are not events
		}
		due := int64(float64(time.Since(start))/interval) + 1
		if n := due - int64(i); n > 0 {
			r.rec.missed.Add(uint64(n))
		}
	}
	for i := 0; ; i++ {
		j := job{due: start.Add(time.Duration(float64(i) * interval))}
		j.sched = j.due
		behind := !time.Now().Before(j.due)
		w, ok := sleepUntil(stop, timer, j.due)
		if !ok {
			// A run that stops while the timer sleeps for an event
			// (perhaps oversleeping past the end) has missed nothing.
			if behind {
				missedFrom(i)
			}
			return
		}
		// Go's timers wake in steps of about a millisecond when the
		// process is idle: an event that fell due while the timer overslept
		// counts from the wake-up, and the oversleep is in its lag.
		if !w.IsZero() {
			woke = w
		}
		if j.due.Before(woke) {
			j.due = woke
		}
		draining := false
		select {
		case j.s = <-ready:
		default:
			if r.cfg.Sessions == 0 || started < uint64(r.cfg.Sessions) {
				j.index = started
				started++
				openSessions.Add(1)
				break
			}
			// Every session has started: the next event is due when a
			// session has one ready.
			draining = true
			for j.s == nil {
				if openSessions.Load() == 0 {
					return
				}
				select {
				case j.s = <-ready:
					j.due = time.Now()
					j.sched = j.due
				case <-ended:
				case <-stop.Done():
					return
				}
			}
		}
		j.handed = time.Now()
		select {
		case jobs <- j:
			continue
		default:
		}
		if workers < c {
			// Starting a worker is the generator's own delay, as waking one is.
			workers++
			wg.Go(worker)
			jobs <- j
			continue
		}
		// Every worker is busy: the wait is the receiver's doing and
		// counts in the event's latency.
		j.handed = time.Time{}
		select {
		case jobs <- j:
		case <-stop.Done():
			if draining {
				r.rec.missed.Add(1)
			} else {
				missedFrom(i)
			}
			return
		}
	}
}

// sleepUntil waits for t and returns when it woke, or the zero time when t
// had passed already. It reports false if stop came first.
func sleepUntil(stop context.Context, timer *time.Timer, t time.Time) (time.Time, bool) {
	d := time.Until(t)
	if d <= 0 {
		return time.Time{}, stop.Err() == nil
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return time.Now(), true
	case <-stop.Done():
		return time.Time{}, false
	}
}
