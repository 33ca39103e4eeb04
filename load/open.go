package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// live is a session in flight in the open model.
type live struct {
	reqs []emitter.Request
	st   *scenarios.Stream // when set, played instead of reqs
	next int
}

// more reports whether s has an event left to send.
func (s *live) more() bool {
	if s.st != nil {
		return s.st.Remaining() > 0
	}
	return s.next < len(s.reqs)
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

// openRun is a run of the open model in progress. One dispatcher (the
// goroutine of open) hands out one event each time the pacer says one is
// due: the next event of a session whose previous event was answered, or
// else the first event of a new session. Workers, at most Concurrency,
// started as they are needed, deliver them. Latency counts time spent
// waiting for a free worker; the generator's own delay (its timer's
// oversleep, waking or starting a worker, building a session) is left out
// of it and recorded as the event's lag, so that the run reports how much
// it left out.
type openRun struct {
	*runner
	ctx, stop context.Context
	pace      pacer
	jobs      chan job
	// A session is in ready, in flight, or held by the dispatcher, and a
	// new one starts only when ready is empty, so at most Concurrency+1 are
	// open at once and workers never block on ready.
	ready chan *live
	// ended wakes a dispatcher that waits, every session started, for one
	// to have an event ready or for the last to end.
	ended    chan struct{}
	sessions atomic.Int64 // open now

	// The rest is the dispatcher's own.
	wg      sync.WaitGroup
	workers int
	started uint64
	timer   *time.Timer
	woke    time.Time
}

// open runs the open model until stop, or until every session of
// Config.Sessions has ended.
func (r *runner) open(ctx, stop context.Context) {
	o := &openRun{
		runner: r, ctx: ctx, stop: stop,
		pace:  pacer{start: time.Now(), rate: r.cfg.Rate},
		jobs:  make(chan job),
		ready: make(chan *live, r.cfg.Concurrency+1),
		ended: make(chan struct{}, 1),
		timer: time.NewTimer(time.Hour),
	}
	defer o.wg.Wait()
	defer close(o.jobs)
	defer o.timer.Stop()
	for i := uint64(0); ; i++ {
		j, ok := o.wait(i)
		if !ok {
			return
		}
		draining, ok := o.pick(&j)
		if !ok || !o.hand(j, i, draining) {
			return
		}
	}
}

// wait sleeps until event i is due and returns its job, still without a
// session. It reports false when the run stopped first.
func (o *openRun) wait(i uint64) (job, bool) {
	j := job{due: o.pace.due(i)}
	j.sched = j.due
	behind := !time.Now().Before(j.due)
	w, ok := sleepUntil(o.stop, o.timer, j.due)
	if !ok {
		// A run that stops while the timer sleeps for an event
		// (perhaps oversleeping past the end) has missed nothing.
		if behind {
			o.missedFrom(i)
		}
		return j, false
	}
	// Go's timers wake in steps of about a millisecond when the process
	// is idle: an event that fell due while the timer overslept counts
	// from the wake-up, and the oversleep is in its lag.
	if !w.IsZero() {
		o.woke = w
	}
	if j.due.Before(o.woke) {
		j.due = o.woke
	}
	return j, true
}

// pick gives j its session: one with an event ready, or else a new one.
// Once every session of Config.Sessions has started, it waits for a
// session to have an event ready, which is then due at once (draining),
// and reports false when none is left or the run stopped.
func (o *openRun) pick(j *job) (draining, ok bool) {
	select {
	case j.s = <-o.ready:
		return false, true
	default:
	}
	if o.cfg.Sessions == 0 || o.started < uint64(o.cfg.Sessions) {
		j.index = o.started
		o.started++
		o.sessions.Add(1)
		return false, true
	}
	for j.s == nil {
		if o.sessions.Load() == 0 {
			return true, false
		}
		select {
		case j.s = <-o.ready:
			j.due = time.Now()
			j.sched = j.due
		case <-o.ended:
		case <-o.stop.Done():
			return true, false
		}
	}
	return true, true
}

// hand gives j, event i of the schedule, to a worker: a waiting one, or a
// new one while there are fewer than Concurrency, or else the first to be
// free. It reports false when the run stopped before a worker was free.
func (o *openRun) hand(j job, i uint64, draining bool) bool {
	j.handed = time.Now()
	select {
	case o.jobs <- j:
		return true
	default:
	}
	if o.workers < o.cfg.Concurrency {
		// Starting a worker is the generator's own delay, as waking one is.
		o.workers++
		o.wg.Go(o.work)
		o.jobs <- j
		return true
	}
	// Every worker is busy: the wait is the receiver's doing and counts in
	// the event's latency.
	j.handed = time.Time{}
	select {
	case o.jobs <- j:
		return true
	case <-o.stop.Done():
		if draining {
			o.rec.missed.Add(1)
		} else {
			o.missedFrom(i)
		}
		return false
	}
}

// missedFrom counts, when the run stops, the scheduled events from the
// i-th on that fell due but were never handed out.
func (o *openRun) missedFrom(i uint64) {
	if o.cfg.Sessions > 0 {
		return // past the last session, ticks are not events
	}
	o.rec.missed.Add(o.pace.missed(i, time.Now()))
}

// work is a worker: it sends the event of each job it is handed.
func (o *openRun) work() {
	buf := make([]byte, 0, eventBufSize)
	for j := range o.jobs {
		buf = o.send(j, buf)
	}
}

// send delivers j's event, starting its session first when j has none,
// and hands the session back to the dispatcher while it has events left.
func (o *openRun) send(j job, buf []byte) []byte {
	picked := time.Now()
	s := j.s
	if s == nil {
		sess, err := o.session(j.index)
		if err != nil {
			o.fail(err)
			o.endSession()
			return buf
		}
		s = &live{reqs: sess.Requests, st: sess.Stream}
	}
	var ev scenarios.Event
	if s.st != nil && s.more() {
		var err error
		if buf, ev, err = s.st.AppendNext(buf[:0], time.Now()); err != nil {
			o.fail(err)
			o.endSession()
			return buf
		}
	}
	// The generator's own work, waking an idle worker and building a
	// session, is not the receiver's latency.
	own := time.Since(picked)
	if !j.handed.IsZero() {
		own += picked.Sub(j.handed)
	}
	switch from := j.due.Add(own); {
	case ev.Body != nil:
		if o.deliverEvent(o.ctx, &ev, from) {
			o.rec.lag.Record(from.Sub(j.sched))
		}
	case s.next < len(s.reqs):
		if o.deliver(o.ctx, s.reqs[s.next], from) {
			o.rec.lag.Record(from.Sub(j.sched))
		}
		s.next++
	}
	if s.more() {
		o.ready <- s
		return buf
	}
	o.rec.completed.Add(1)
	o.endSession()
	return buf
}

// endSession counts a session out and wakes a draining dispatcher.
func (o *openRun) endSession() {
	o.sessions.Add(-1)
	select {
	case o.ended <- struct{}{}:
	default:
	}
}

// sleepUntil waits for t and returns when it woke, or the zero time when t
// had passed already. It reports false if stop came first.
//
// It is not pause.Until: the dispatcher sleeps once per event, up to
// MaxRate times a second, and reuses one timer for all of them where
// pause makes a new one each call; and the open model needs the moment it
// woke, to count the timer's oversleep as lag, which pause does not give.
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
