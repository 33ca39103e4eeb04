package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/pause"
)

// Pace is how a session's virtual clock maps to real time: virtual seconds
// per real second, or 0 for no waiting at all. The zero value is PaceFast.
type Pace float64

// Paces with names.
const (
	// PaceFast sends without waiting; with Runner.Stamp each delivery is
	// stamped when it is sent, else on the scenario's clock.
	PaceFast Pace = 0
	// PaceRealtime waits as a real session would.
	PaceRealtime Pace = 1
)

// ParsePace reads "fast", "realtime" or "xN" (x10: ten times faster than
// real time; x0.5: half as fast).
func ParsePace(s string) (Pace, error) {
	switch s {
	case "fast", "":
		return PaceFast, nil
	case "realtime":
		return PaceRealtime, nil
	}
	if n, ok := strings.CutPrefix(s, "x"); ok {
		f, err := strconv.ParseFloat(n, 64)
		if err == nil && f > 0 && f <= 1e6 {
			return Pace(f), nil
		}
	}
	return PaceFast, fmt.Errorf("pace %q: want fast, realtime or xN (x10 plays ten times faster than real time)", s)
}

// String returns the pace as ParsePace reads it.
func (p Pace) String() string {
	switch p {
	case PaceFast:
		return "fast"
	case PaceRealtime:
		return "realtime"
	}
	return "x" + strconv.FormatFloat(float64(p), 'g', -1, 64)
}

// Real is the real time after a session's start at which an event at
// virtual offset at is sent; always 0 for PaceFast. A pace that is not
// positive (only a conversion can make one) does not wait either.
func (p Pace) Real(at time.Duration) time.Duration {
	if p <= 0 {
		return 0
	}
	return time.Duration(float64(at) / float64(p))
}

// Sender delivers one request; *emitter.Client is one.
type Sender interface {
	Send(ctx context.Context, r emitter.Request) emitter.Outcome
}

// Result is what became of one delivery.
type Result struct {
	// Delivery is what was sent, and Outcome the receiver's answer.
	Delivery Delivery
	Outcome  emitter.Outcome
	// Passed says whether the answer is the one the step expects.
	Passed bool
}

// Runner plays sessions against a webhook. The zero Pace is fast and zero
// Concurrency is one session at a time.
type Runner struct {
	// Sender delivers each request, and Pace says when.
	Sender Sender
	Pace   Pace
	// Concurrency is how many sessions Run plays at once; each session's
	// deliveries are always sent one after another, in order.
	Concurrency int
	// Stamp stamps each delivery with the moment it is sent, through a
	// Clock, as a real WMS does, instead of with its session's clock from
	// the expansion's Start: at a fast pace the session's clock runs ahead
	// of real time. Leave it off to keep the bytes a given Start makes.
	Stamp bool
}

// Play sends one session's deliveries in order, each when the pace says
// and after its own extra delay, and reports each one's Result, with the
// request as sent (stamped, when r.Stamp). It stops when ctx ends, without
// reporting the delivery that was cut short, and returns ctx's error then.
func (r *Runner) Play(ctx context.Context, ds []Delivery, report func(Result)) error {
	begin := time.Now()
	var clock *Clock
	if r.Stamp {
		clock = &Clock{}
	}
	var shift time.Duration // extra delays so far push the rest of the session back
	for i := range ds {
		d := &ds[i]
		if r.Pace > 0 {
			if err := pause.For(ctx, r.Pace.Real(d.At)+shift-time.Since(begin)); err != nil {
				return err
			}
		}
		if d.Delay > 0 {
			if err := pause.For(ctx, d.Delay); err != nil {
				return err
			}
			shift += d.Delay
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		sent := *d
		if clock != nil {
			sent.Request = clock.Stamp(d, time.Now())
		}
		out := r.Sender.Send(ctx, sent.Request)
		if err := ctx.Err(); err != nil {
			return err // the answer, if any, was cut short by ctx, not the receiver
		}
		report(Result{Delivery: sent, Outcome: out, Passed: d.Expect.Match(out.Attempt)})
	}
	return ctx.Err()
}

// Run expands and plays each scenario once, Concurrency sessions at a
// time. A session is expanded when its turn comes, so that with a zero
// o.Start its timestamps start when it is sent (and with r.Stamp each is
// the moment it is sent, see Clock). A scenario listed twice
// gets o.Seed+1 (and o.SessionSeed+1, when set) for its second session,
// and so on, so that its sessions differ. report is never called concurrently. Run returns the first
// expansion error, or ctx's error when ctx ends first.
func (r *Runner) Run(ctx context.Context, list []*Scenario, o ExpandOptions, report func(Result)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := map[string]uint64{}
	nth := make([]uint64, len(list)) // the scenario's how-manieth session, from 0
	for i, s := range list {
		nth[i] = seen[s.Name]
		seen[s.Name]++
	}

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	serial := func(res Result) {
		mu.Lock()
		defer mu.Unlock()
		report(res)
	}
	jobs := make(chan int)
	for range max(1, min(r.Concurrency, len(list))) {
		wg.Go(func() {
			for i := range jobs {
				opts := o
				opts.Seed += nth[i]
				if opts.SessionSeed != 0 {
					opts.SessionSeed += nth[i]
				}
				ds, err := list[i].Expand(opts)
				if err == nil {
					err = r.Play(ctx, ds, serial)
				}
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
feed:
	for i := range list {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
