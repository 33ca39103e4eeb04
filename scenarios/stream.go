package scenarios

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// ErrFaulted is wrapped by (*Scenario).Stream for a scenario with delivery
// faults: a Stream sends each event once, in order, as WMS does, and a
// fault changes that (a duplicate, a reorder, a drop, a delay that must
// pass before the event is stamped) or spoils what is sent (a tampered
// body, a forged MAC, a raw body).
var ErrFaulted = errors.New("the scenario has delivery faults")

// A Stream makes one session's events one at a time, each encoded and
// signed at the moment it is sent, into the caller's buffer. It exists for
// the load generator, where two things went wrong with Expand: at a fast
// pace a 40-second journey expanded when the session starts sends its last
// events stamped 40 seconds ahead (a real WMS stamps an event when it
// happens), and making every request up front cost a header map, a MAC
// string and more for each event, the largest part of the generator's CPU
// per event. A Clock stamps Expand's deliveries when sent, but encodes and
// signs each one a second time.
//
// A Stream holds the session's state (its sequence, measurement ID and
// random stream) and a small scratch payload, and nothing per event.
// AppendNext allocates nothing when dst has room, but for the measurement
// ID that MEASUREMENT_CREATED makes (once a measurement) and a step with
// more payload fields than any before it (once). Its bytes are those
// Expand and a Clock send for the same options and moments: the same
// session ID, sequence, measurement ID, generated and given payload
// values, each event stamped with the moment given (moved by the step's
// skew, as a Clock does).
//
// A Stream is for one session and is not safe for concurrent use: a
// session is sent one event at a time.
type Stream struct {
	s       *Scenario
	signer  *emitter.Signer
	sess    *emitter.Session
	next    int
	scratch emitter.Payload
	// inline is the scratch payload's first room: no catalog event has
	// more fields, so only a step that adds fields grows it.
	inline [4]emitter.PayloadField
}

// Event is one event of a Stream, as sent.
type Event struct {
	// Body is the envelope and MAC the X-WMS-Content-MAC header's value
	// for it; both are in the buffer given to AppendNext.
	Body, MAC []byte
	// Step, Line and Repetition locate the event in the scenario, as in a
	// Delivery.
	Step, Line, Repetition int
	// Event is the event name and Sequence the envelope's sequence.
	Event    string
	Sequence int64
	// At is the event's offset on the session's virtual clock, for a
	// caller that paces the session in real time.
	At time.Duration
	// Expect is the answer a correct receiver gives.
	Expect Expect
}

// Request returns the event as an emitter.Request, for a sender that takes
// one. It allocates the header and the MAC's string: a sender on the hot
// path takes Body and MAC as they are.
func (e *Event) Request() emitter.Request {
	return emitter.Request{Body: e.Body, Header: map[string][]string{emitter.HeaderMAC: {string(e.MAC)}}}
}

// Stream starts the session of s that o says, as Expand would (o.Start is
// not used: each event is stamped when it is made). A scenario with
// delivery faults is refused with ErrFaulted: expand it and stamp it with
// a Clock.
func (s *Scenario) Stream(o ExpandOptions) (*Stream, error) {
	if o.Signer == nil {
		return nil, ErrNoSigner
	}
	if st := s.faulted; st != nil {
		return nil, fmt.Errorf("%w: %s (%s:%d) is %s: a Stream sends each event once, in order, as WMS does; play it with Expand and a Clock",
			ErrFaulted, s.Name, s.File, st.Line, faultLabel(st))
	}
	st := &Stream{s: s, signer: o.Signer, sess: s.session(o)}
	st.scratch = st.inline[:0]
	return st, nil
}

// SessionID returns the session ID every event carries.
func (st *Stream) SessionID() string { return st.sess.ID() }

// Scenario returns the scenario the session follows.
func (st *Stream) Scenario() *Scenario { return st.s }

// Remaining is how many events AppendNext has still to make.
func (st *Stream) Remaining() int { return len(st.s.plan) - st.next }

// AppendNext makes the session's next event as sent at now: it appends
// the body, then the MAC, to dst, and returns the grown buffer and the
// event, whose Body and MAC are in it. dst's earlier bytes are left as
// they are, so a caller that keeps them may append several events to one
// buffer; a caller that sends each event before making the next reuses
// one buffer, emptied, for all of them. After the last event AppendNext
// returns io.EOF. An error is the scenario's, with its file and line.
func (st *Stream) AppendNext(dst []byte, now time.Time) ([]byte, Event, error) {
	if st.next == len(st.s.plan) {
		return dst, Event{}, io.EOF
	}
	pl := &st.s.plan[st.next]
	e := pl.emit
	e.Time = now.Add(pl.skew)
	env, scratch, err := st.sess.AppendNext(st.scratch[:0], e)
	if err != nil {
		return dst, Event{}, fmt.Errorf("%s:%d: %w", st.s.File, pl.line, err)
	}
	st.scratch = scratch
	n := len(dst)
	grown, err := env.AppendJSON(dst)
	if err != nil {
		return dst, Event{}, fmt.Errorf("%s:%d: %w", st.s.File, pl.line, err)
	}
	m := len(grown)
	dst = st.signer.AppendMAC(grown, grown[n:m])
	st.next++
	return dst, Event{
		Body: dst[n:m:m], MAC: dst[m:len(dst):len(dst)],
		Step: pl.step, Line: pl.line, Repetition: pl.rep,
		Event: pl.emit.Event, Sequence: env.Sequence, At: pl.at, Expect: pl.expect,
	}, nil
}
