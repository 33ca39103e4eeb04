package replay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/seed"
	"github.com/wmsmock/wms-mock/internal/suggest"
	"github.com/wmsmock/wms-mock/scenarios"
)

// ErrNoSigner is returned by Prepare without Options.Signer: every replayed
// event is signed again, with the target's secret.
var ErrNoSigner = errors.New("replay: a signer is required: the events are re-signed with the target's secret")

// Options say what to replay and how. The zero value (but for Signer)
// replays every session, as captured, at PaceFast.
type Options struct {
	// Signer signs every delivery, with the target's secret: a capture
	// made with the production secret replays against staging. Required.
	Signer *emitter.Signer
	// Sessions picks the captured session IDs to replay; empty means all.
	Sessions []string
	// Pace is how the capture's clock maps to real time, as in
	// 'wms-mock run': the gaps between arrivals are kept, scaled by it.
	// Plan.Play uses it; Fresh needs it to stamp each session with the
	// moment it will be sent.
	Pace scenarios.Pace
	// Fresh sends new session IDs, new measurement IDs and current
	// timestamps, so that the target does not take the replay for
	// redeliveries of what it already has. Every other byte is kept.
	Fresh bool
	// Seed makes Fresh's new IDs; 0 picks a random one.
	Seed uint64
	// Now is the replay's start, for Fresh's timestamps; zero means now.
	Now time.Time
}

// Session is one replayed session.
type Session struct {
	// ID is the session ID in the capture; SentAs is the one sent, which
	// differs only with Fresh.
	ID, SentAs string
	// Events is how many of its events are replayed.
	Events int
	// File and Line locate its first event in the capture.
	File string
	Line int
}

// Plan is a replay ready to send.
type Plan struct {
	// Deliveries are every selected event, in arrival order, each with its
	// offset from the first on the capture's clock (At). Scenario is the
	// capture file, Line the event's line in it, and Step the event's
	// index within its session; Expect is 2xx.
	Deliveries []scenarios.Delivery
	// Sessions are the replayed sessions, in the order they start.
	Sessions []Session
	// Pace is Options.Pace, for Play.
	Pace scenarios.Pace
}

// Prepare plans the replay of events (in arrival order, as Read returns
// them). Each delivery's body is the captured one, re-signed, or with
// Fresh the captured one with its session ID, measurement ID and timestamp
// replaced in place. The gaps are the arrival times' when every selected
// event has one, else the events' own timestamps', never running back.
func Prepare(events []Event, o Options) (*Plan, error) {
	if o.Signer == nil {
		return nil, ErrNoSigner
	}
	picked, err := selectSessions(events, o.Sessions)
	if err != nil {
		return nil, err
	}
	p := &Plan{Pace: o.Pace, Deliveries: make([]scenarios.Delivery, 0, len(picked))}
	if len(picked) == 0 {
		return p, nil
	}
	offsets := clock(picked, allArrived(picked))
	var fresh *freshener
	if o.Fresh {
		fresh = newFreshener(o)
	}
	index := map[string]int{} // session ID: its index in p.Sessions
	for i := range picked {
		ev := &picked[i]
		si, seen := index[ev.SessionID]
		if !seen {
			si = len(p.Sessions)
			index[ev.SessionID] = si
			p.Sessions = append(p.Sessions, Session{ID: ev.SessionID, SentAs: ev.SessionID, File: ev.File, Line: ev.Line})
		}
		body := ev.Body
		if fresh != nil {
			if body, err = fresh.rewrite(ev, offsets[i]); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", ev.File, ev.Line, err)
			}
			p.Sessions[si].SentAs = fresh.sessions[ev.SessionID].id
		}
		p.Deliveries = append(p.Deliveries, scenarios.Delivery{
			Scenario: ev.File, SessionID: p.Sessions[si].SentAs, File: ev.File, Step: p.Sessions[si].Events, Line: ev.Line,
			Event: ev.Event, Sequence: ev.Sequence, At: offsets[i], Request: emitter.SignedRequest(o.Signer, body),
		})
		p.Sessions[si].Events++
	}
	return p, nil
}

// Play sends the plan's deliveries one after another, each when the pace
// says, and reports each one as scenarios.Runner.Play does; the report of
// 'wms-mock run' takes them as they are.
func (p *Plan) Play(ctx context.Context, s scenarios.Sender, report func(scenarios.Result)) error {
	r := &scenarios.Runner{Sender: s, Pace: p.Pace}
	return r.Play(ctx, p.Deliveries, report)
}

// selectSessions returns the events of the sessions asked for, in their
// order, or an error naming a session the capture does not hold.
func selectSessions(events []Event, want []string) ([]Event, error) {
	if len(want) == 0 {
		return events, nil
	}
	have := map[string]bool{}
	var ids []string
	for i := range events {
		if id := events[i].SessionID; !have[id] {
			have[id] = true
			ids = append(ids, id)
		}
	}
	for _, w := range want {
		if !have[w] {
			return nil, unknownSession(w, ids)
		}
	}
	out := make([]Event, 0, len(events))
	for _, ev := range events {
		if slices.Contains(want, ev.SessionID) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// unknownSession says which sessions the capture holds, and the closest
// one when the ID looks mistyped.
func unknownSession(id string, ids []string) error {
	msg := fmt.Sprintf("session %q is not in the capture", humanize.Clip(id, 64))
	near := suggest.Closest(id, ids)
	switch {
	case len(ids) == 0:
		return errors.New(msg + ": it holds no event")
	case near != "":
		return fmt.Errorf("%s: did you mean %s?", msg, near)
	case len(ids) <= 5:
		return fmt.Errorf("%s: it holds %s", msg, strings.Join(ids, ", "))
	}
	return fmt.Errorf("%s: it holds %d sessions, %s...", msg, len(ids), strings.Join(ids[:5], ", "))
}

// clock returns each event's offset from the first: by arrival when every
// event has one, else by timestamp. It never runs back, so that a late
// timestamp (a retry stamped earlier) or the jitter of concurrent arrivals
// cannot make the pace wait for the past.
func clock(events []Event, byArrival bool) []time.Duration {
	when := func(e *Event) time.Time {
		if byArrival {
			return e.ReceivedAt
		}
		return time.Unix(e.Timestamp, 0)
	}
	out := make([]time.Duration, len(events))
	start := when(&events[0])
	for i := range events {
		out[i] = when(&events[i]).Sub(start)
		if i > 0 && out[i] < out[i-1] {
			out[i] = out[i-1]
		}
	}
	return out
}

// allArrived reports whether every event has an arrival time, so that a
// replay can follow the rhythm the events arrived in.
func allArrived(events []Event) bool {
	for i := range events {
		if events[i].ReceivedAt.IsZero() {
			return false
		}
	}
	return true
}

// freshener gives a replay new IDs and current timestamps.
type freshener struct {
	rng          *rand.Rand
	now          time.Time
	pace         scenarios.Pace
	sessions     map[string]*freshSession
	measurements map[string]string // old measurement ID: new one
	used         map[string]bool   // new session IDs handed out
}

// freshSession is one session's new ID and how far its timestamps move.
type freshSession struct {
	id    string
	shift int64 // seconds
}

func newFreshener(o Options) *freshener {
	s := o.Seed
	for s == 0 {
		s = rand.Uint64()
	}
	f := &freshener{rng: seed.Rand(s, 0), now: o.Now, pace: o.Pace,
		sessions: map[string]*freshSession{}, measurements: map[string]string{}, used: map[string]bool{}}
	if f.now.IsZero() {
		f.now = time.Now()
	}
	return f
}

// rewrite returns ev's body with its session ID, timestamp and measurement
// ID replaced in place. A session's first event is stamped with the moment
// it is due to be sent, and its later ones move by as much, so that the
// session keeps its own gaps between timestamps.
func (f *freshener) rewrite(ev *Event, at time.Duration) ([]byte, error) {
	env, err := scanEnvelope(ev.Body)
	if err != nil {
		return nil, err
	}
	s := f.sessions[ev.SessionID]
	if s == nil {
		s = &freshSession{id: f.sessionID()}
		s.shift = f.now.Add(f.pace.Real(at)).Unix() - env.timestamp
		f.sessions[ev.SessionID] = s
	}
	edits := []edit{
		{env.tsAt, fmt.Append(nil, env.timestamp+s.shift)},
		{env.sessionAt, quoteJSON(s.id)},
	}
	if env.measurementAt != (span{}) {
		id, ok := f.measurements[env.measurementID]
		if !ok {
			id = emitter.UUIDv4(f.rng.Uint64)
			f.measurements[env.measurementID] = id
		}
		edits = append(edits, edit{env.measurementAt, quoteJSON(id)})
	}
	return splice(ev.Body, edits), nil
}

// sessionID returns a new session ID, in the generated form, unused so far.
func (f *freshener) sessionID() string {
	for {
		id := scenarios.NewSessionID(f.rng.Uint64())
		if !f.used[id] {
			f.used[id] = true
			return id
		}
	}
}

// edit replaces the bytes at a span.
type edit struct {
	at   span
	with []byte
}

// splice returns body with each edit made. Editing in place, rather than
// encoding the envelope again, keeps every other byte as captured: the
// key order, unknown fields, how numbers are written and how characters
// are escaped. The new values are ASCII, so an ASCII body stays ASCII, as
// the documented verifier needs.
func splice(body []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return a.at.start - b.at.start })
	out := make([]byte, 0, len(body)+64)
	pos := 0
	for _, e := range edits {
		out = append(out, body[pos:e.at.start]...)
		out = append(out, e.with...)
		pos = e.at.end
	}
	return append(out, body[pos:]...)
}

// quoteJSON quotes an ID made of ASCII letters, digits and dashes.
func quoteJSON(s string) []byte { return fmt.Appendf(nil, "%q", s) }
