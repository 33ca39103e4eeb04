package emitter

import (
	"math/rand/v2"
	"time"
)

// Retry configures retries of failed deliveries. The zero value retries
// nothing, as WMS documents no retries; turning them on shows how a
// receiver copes with the same event arriving again.
type Retry struct {
	// Max is how many times a failed delivery is tried again.
	Max int
	// Base is the first backoff (default 500ms); it doubles each time up
	// to Cap.
	Base time.Duration
	// Cap bounds a single backoff (default 30s).
	Cap time.Duration
}

// backoff is the wait before retry i+1: Base doubled i times, at most Cap,
// with equal jitter.
func (r Retry) backoff(i int) time.Duration {
	base, ceiling := r.Base, r.Cap
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 30 * time.Second
	}
	d := base << min(i, 30)
	if d <= 0 || d > ceiling {
		d = ceiling
	}
	// Equal jitter: half fixed, half random, so retries from many sessions
	// spread out without ever collapsing to zero.
	return d/2 + rand.N(d/2+1)
}
