package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// closed runs the closed model: Concurrency workers, each playing whole
// sessions one after another, until stop or until every session of
// Config.Sessions has been played.
func (r *runner) closed(ctx, stop context.Context) {
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			buf := make([]byte, 0, eventBufSize)
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
				if s.Stream != nil {
					buf = r.stream(ctx, stop, s.Stream, buf)
					continue
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
		r.deliver(ctx, req, time.Time{})
	}
	r.rec.completed.Add(1)
}

// stream delivers a Stream's events in order, each made and stamped when
// the previous one was answered, into buf, which it returns for the next
// session.
func (r *runner) stream(ctx, stop context.Context, st *scenarios.Stream, buf []byte) []byte {
	for st.Remaining() > 0 {
		if stop.Err() != nil {
			return buf
		}
		var ev scenarios.Event
		var err error
		if buf, ev, err = st.AppendNext(buf[:0], time.Now()); err != nil {
			r.fail(err)
			return buf
		}
		r.deliverEvent(ctx, &ev, time.Time{})
	}
	r.rec.completed.Add(1)
	return buf
}
