package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// closed runs the closed model: Concurrency workers, each playing whole
// sessions one after another, until stop or until every session of
// Config.Sessions has been played.
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
		r.deliver(ctx, req, time.Time{})
	}
	r.rec.completed.Add(1)
}
