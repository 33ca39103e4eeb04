package scenarios

import (
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// A Clock stamps one session's deliveries when they are sent, as a real
// WMS stamps an event when it happens. At a fast pace a 40-second journey
// is sent in milliseconds: stamped on its own clock from the moment it
// starts, its last events would lie half a minute in the future, and
// stamped so that it ends now, its first ones half a minute in the past,
// which a receiver with a strict replay window rightly refuses. A Clock
// stamps each delivery with the moment it is sent instead, so that every
// timestamp is within the time a delivery takes of its arrival, while the
// session keeps its order:
//
//   - a delivery in order is stamped now;
//   - a delivery sent after a later one (reordered on purpose, or sent out
//     of order by a caller) is stamped as much earlier than now as the
//     scenario puts it before the latest event sent, since it happened
//     then and arrives late;
//   - a step's skew still moves its timestamp from there, so a stale or
//     future event stays as stale or as future as the step says;
//   - a duplicated step's copy is the original's request, byte for byte,
//     since a redelivery repeats what was sent.
//
// Each delivery is encoded, signed and spoilt again as its step says; a
// raw body has no timestamp and is sent as it is. A Clock is for one
// session, and is not safe for concurrent use: a session is sent one
// delivery at a time. The zero Clock is ready to use.
type Clock struct {
	latest  time.Duration // the largest offset sent so far
	started bool
	copied  struct {
		step, rep int
		req       emitter.Request
		ok        bool
	}
}

// Stamp returns d's request as sent at now (see Clock).
func (c *Clock) Stamp(d *Delivery, now time.Time) emitter.Request {
	if d.Copy > 0 && c.copied.ok && c.copied.step == d.Step && c.copied.rep == d.Repetition {
		return c.copied.req
	}
	r := d.remake
	if r == nil {
		return d.Request
	}
	if !c.started || d.At > c.latest {
		c.latest, c.started = d.At, true
	}
	env := r.env
	env.Timestamp = now.Add(d.At - c.latest + r.skew).Unix()
	signed, err := env.AppendJSON(nil)
	if err != nil { // it encoded once in Expand, and only the time changed
		return d.Request
	}
	sent := signed
	if r.faults.Tamper {
		env.Timestamp++
		if sent, err = env.AppendJSON(nil); err != nil {
			return d.Request
		}
	}
	req := r.sig.request(r.faults, signed, sent)
	c.copied.step, c.copied.rep, c.copied.req, c.copied.ok = d.Step, d.Repetition, req, true
	return req
}
