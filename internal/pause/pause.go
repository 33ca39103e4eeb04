// Package pause waits without outliving a context: every wait in the
// project (pacing, retry backoff, a scenario's delay) ends when its run
// is cancelled.
package pause

import (
	"context"
	"time"
)

// For waits d, or returns ctx's error when ctx ends first. A d of zero or
// less returns at once, with ctx's error if it has ended.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Until waits until t, as For does.
func Until(ctx context.Context, t time.Time) error { return For(ctx, time.Until(t)) }
