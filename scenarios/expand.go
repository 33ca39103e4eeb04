package scenarios

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/wmsmock/wms-mock/emitter"
)

// ExpandOptions are what changes from one session of a scenario to the
// next. The zero value (but for Signer) is a session starting now, seed 0.
type ExpandOptions struct {
	// Seed makes the session's generated values: its ID, measurement ID,
	// SNR values. The same scenario with the same Seed and Start gives the
	// same bytes; the scenario's name is mixed in, so one seed gives
	// different sessions for different scenarios.
	Seed uint64
	// Start is the session's first moment; event timestamps are Start plus
	// the scenario's clock. Zero means now.
	Start time.Time
	// Signer signs every delivery. Required.
	Signer *emitter.Signer
	// SessionID, when set, replaces both the scenario's session and a
	// generated one.
	SessionID string
}

// Delivery is one HTTP request of an expanded session, ready to send.
type Delivery struct {
	// Scenario and SessionID say which session the delivery belongs to.
	Scenario  string
	SessionID string
	// Step is the index of the step in Scenario.Steps, Line its line in the
	// file, Repetition which repetition of it (from 0).
	Step, Line, Repetition int
	// Copy is 1 for the second request of a duplicated step, else 0.
	Copy int
	// Event is the event name, empty for a raw body.
	Event string
	// Sequence is the envelope's sequence, -1 for a raw body.
	Sequence int64
	// At is the event's offset on the session's virtual clock; its
	// timestamp is Start+At (plus the step's skew).
	At time.Duration
	// Delay is extra real time to wait before sending, whatever the pace.
	Delay time.Duration
	// Fault describes what is wrong on purpose ("tampered, no MAC"), empty
	// for a delivery as WMS makes it.
	Fault string
	// Request is what goes on the wire. Its body and header are shared
	// with other deliveries: do not modify them.
	Request emitter.Request
	// Expect is the answer a correct receiver gives.
	Expect Expect
}

// planned is one event of the compiled scenario, made by Parse so that
// Expand does no YAML work.
type planned struct {
	step, line, rep  int
	at, skew         time.Duration
	emit             emitter.Emit
	faults           Faults
	expect           Expect
	label, copyLabel string
}

// bodySizeHint is a typical envelope's size, to size Expand's buffer once.
const bodySizeHint = 224

// envelopeSize bounds an envelope's size without its payload overrides,
// its session ID and its event name: the keys, the numbers and the
// generated payload fields.
const envelopeSize = 320

// compile turns the steps into the plan Expand follows and makes the checks
// that need the whole session: the number of events and deliveries, the
// clock, the size of the bodies, and that each reorder has a later event to
// swap with. Every bound is checked before the plan grows, so that a short
// file (an anchored step with repeat: 1000, aliased again and again) cannot
// make a large plan.
func (p *parser) compile(s *Scenario, meta []stepNodes) {
	var clock time.Duration
	bodies := 0
	envelope := envelopeSize + jsonSize(s.SessionID)
	for i := range s.Steps {
		st := &s.Steps[i]
		at := meta[i].entry
		label := faultLabel(st)
		copyLabel := "duplicate"
		if label != "" {
			copyLabel = label + ", duplicate"
		}
		payload := mergePayload(st, 0) // shared by the repetitions unless each: varies it
		body := len(st.Faults.Raw)
		if st.Faults.Raw == nil {
			body = envelope + jsonSize(st.Event) + jsonSize(st.Payload) + jsonSize(st.Extra)
		}
		for r := 0; r < st.Repeat; r++ {
			if len(s.plan) == maxDeliveries {
				p.errorf(at, "the scenario makes over %d events by this step, dropped ones included: split it into smaller scenarios", maxDeliveries)
				return
			}
			if clock > maxClock-st.After {
				p.errorf(at, "the session's clock passes %v by this step: a WMS session lasts minutes; shorten after: or split the scenario", maxClock)
				return
			}
			clock += st.After
			pl := planned{step: i, line: st.Line, rep: r, at: clock, skew: st.Skew, faults: st.Faults, expect: st.Expect, label: label, copyLabel: copyLabel}
			if st.Faults.Raw == nil {
				if r > 0 && len(st.Each) > 0 {
					payload = mergePayload(st, r)
				}
				pl.emit = emitter.Emit{Event: st.Event, Payload: payload, Severity: st.Severity}
				if r == 0 {
					pl.emit.Sequence = st.Sequence
				}
				if st.Custom && st.Severity == "" {
					pl.emit.Severity = emitter.SeverityInfo
				}
			}
			if !st.Faults.Drop {
				s.deliveries++
				if st.Faults.Duplicate {
					s.deliveries++
				}
				size := body
				for _, e := range st.Each {
					size += jsonSize(e.Field) + jsonSize(e.Values[r])
				}
				if st.Faults.Tamper {
					size *= 2
				}
				bodies += size
			}
			if s.deliveries > maxDeliveries {
				p.errorf(at, "the scenario sends over %d requests by this step: split it into smaller scenarios", maxDeliveries)
				return
			}
			if bodies > maxBodyBytes {
				p.errorf(at, "the scenario's bodies add up to over %d MiB by this step: send smaller values or split the scenario", maxBodyBytes>>20)
				return
			}
			s.plan = append(s.plan, pl)
		}
	}
	s.duration, s.bodies = clock, bodies
	for i := range s.plan {
		if !s.plan[i].faults.Reorder {
			continue
		}
		next := i + 1
		for next < len(s.plan) && s.plan[next].faults.Drop {
			next++
		}
		at := meta[s.plan[i].step].reorder
		switch {
		case next == len(s.plan):
			p.errorf(at, "reorder: no later step is sent to swap with: add one after this step")
		case s.plan[next].faults.Reorder:
			p.errorf(at, "reorder on two steps in a row: the next step is already swapped with this one; remove one reorder")
		}
	}
}

// jsonSize bounds the encoded size of a payload value, strings escaped as
// the emitter escapes them.
func jsonSize(v any) int {
	switch v := v.(type) {
	case string:
		n := 2
		for _, r := range v { // an invalid byte is U+FFFD, escaped
			switch {
			case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
				n += 2
			case r < 0x20 || r >= utf8.RuneSelf && r < 0x10000:
				n += 6
			case r < utf8.RuneSelf:
				n++
			default:
				n += 12 // a surrogate pair
			}
		}
		return n
	case emitter.Payload:
		n := 2
		for _, f := range v {
			n += jsonSize(f.Key) + 2 + jsonSize(f.Value)
		}
		return n
	case []any:
		n := 2
		for _, e := range v {
			n += jsonSize(e) + 1
		}
		return n
	}
	return 24 // a number, a boolean or null
}

func mergePayload(st *Step, rep int) emitter.Payload {
	n := len(st.Payload) + len(st.Each) + len(st.Extra)
	if n == 0 {
		return nil
	}
	out := make(emitter.Payload, 0, n)
	out = append(out, st.Payload...)
	for _, s := range st.Each {
		out = append(out, emitter.PayloadField{Key: s.Field, Value: s.Values[rep]})
	}
	return append(out, st.Extra...)
}

// faultLabel says in a few words what a step does on purpose.
func faultLabel(st *Step) string {
	var parts []string
	if st.Custom {
		parts = append(parts, "custom event")
	}
	if st.Sequence != nil {
		parts = append(parts, "sequence set to "+strconv.FormatInt(*st.Sequence, 10))
	}
	if st.Severity != "" {
		parts = append(parts, "severity set to "+string(st.Severity))
	}
	if st.Skew != 0 {
		parts = append(parts, "timestamp skewed "+st.Skew.String())
	}
	if len(st.Extra) > 0 {
		parts = append(parts, "extra fields")
	}
	f := st.Faults
	if f.Raw != nil {
		parts = append(parts, "raw body")
	}
	if f.Reorder {
		parts = append(parts, "reordered")
	}
	if f.Tamper {
		parts = append(parts, "tampered")
	}
	switch f.MAC {
	case MACWrongSecret:
		parts = append(parts, "wrong secret")
	case MACNone:
		parts = append(parts, "no MAC")
	case MACMalformed:
		parts = append(parts, "malformed MAC")
	}
	if f.Delay > 0 {
		parts = append(parts, "delayed "+f.Delay.String())
	}
	return strings.Join(parts, ", ")
}

// Expand makes the session's deliveries in the order they are sent:
// envelopes from the catalog and the session's state, encoded, signed, and
// then spoilt as the steps' faults say. A dropped step spends its sequence
// number and makes no delivery. Parse has done every check, so an error
// here means a bad option. Expand is safe for concurrent use: the load
// generator expands one scenario from many goroutines.
func (s *Scenario) Expand(o ExpandOptions) ([]Delivery, error) {
	if o.Signer == nil {
		return nil, ErrNoSigner
	}
	start := o.Start
	if start.IsZero() {
		start = time.Now()
	}
	seed := mix(o.Seed ^ s.nameHash)
	id := o.SessionID
	if id == "" {
		id = s.SessionID
	}
	if id == "" {
		id = NewSessionID(seed)
	}
	sess := emitter.NewSession(id, mix(seed+1))

	out := make([]Delivery, 0, s.deliveries)
	buf := make([]byte, 0, s.deliveries*bodySizeHint)
	var wrong *emitter.Signer
	var group, held [2]Delivery
	nheld := 0
	for i := range s.plan {
		pl := &s.plan[i]
		d := Delivery{
			Scenario: s.Name, SessionID: id, Step: pl.step, Line: pl.line, Repetition: pl.rep,
			Event: pl.emit.Event, Sequence: -1, At: pl.at, Delay: pl.faults.Delay, Fault: pl.label, Expect: pl.expect,
		}
		signed := pl.faults.Raw
		sent := signed
		if signed == nil {
			e := pl.emit
			e.Time = start.Add(pl.at + pl.skew)
			env, err := sess.Next(e)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", s.File, pl.line, err)
			}
			d.Sequence = env.Sequence
			if pl.faults.Drop {
				continue
			}
			if signed, buf, err = appendBody(buf, &env); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", s.File, pl.line, err)
			}
			sent = signed
			if pl.faults.Tamper {
				env.Timestamp++
				if sent, buf, err = appendBody(buf, &env); err != nil {
					return nil, fmt.Errorf("%s:%d: %w", s.File, pl.line, err)
				}
			}
		} else if pl.faults.Drop {
			continue
		}

		var mac string
		switch pl.faults.MAC {
		case MACNone:
		case MACWrongSecret:
			if wrong == nil {
				wrong = wrongSigner(o.Signer)
			}
			mac = wrong.MAC(signed)
		case MACMalformed:
			mac = strings.TrimPrefix(o.Signer.MAC(signed), emitter.MACScheme)
		default:
			mac = o.Signer.MAC(signed)
		}
		d.Request.Body = sent
		if mac != "" {
			d.Request.Header = http.Header{emitter.HeaderMAC: {mac}}
		}

		n := 1
		group[0] = d
		if pl.faults.Duplicate {
			c := d
			c.Copy, c.Delay, c.Fault = 1, 0, pl.copyLabel
			group[1] = c
			n = 2
		}
		if pl.faults.Reorder {
			held, nheld = group, n
			continue
		}
		out = append(out, group[:n]...)
		if nheld > 0 {
			out = append(out, held[:nheld]...)
			nheld = 0
		}
	}
	return out, nil
}

// appendBody encodes env at the end of buf and returns the body alone,
// capped so that later appends to buf never write into it.
func appendBody(buf []byte, env *emitter.Envelope) (body, grown []byte, err error) {
	n := len(buf)
	grown, err = env.AppendJSON(buf)
	if err != nil {
		return nil, buf, err
	}
	return grown[n:len(grown):len(grown)], grown, nil
}

// wrongSigner returns a signer whose MACs differ from right's.
func wrongSigner(right *emitter.Signer) *emitter.Signer {
	probe := []byte(`{"probe":true}`)
	for i := 0; ; i++ {
		w, _ := emitter.NewSigner([]byte("wms-mock: not the Config ID's secret #" + strconv.Itoa(i)))
		if w.MAC(probe) != right.MAC(probe) {
			return w
		}
	}
}

const sessionIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// SessionIDLen is the length of generated session IDs, as in the vendor's
// example ("ryueiwoqfh910fu3rpqruvfiu").
const SessionIDLen = 25

// NewSessionID returns a session ID like the vendor's example: 25
// lowercase letters and digits, the same for the same seed.
func NewSessionID(seed uint64) string {
	f := gofakeit.NewFaker(rand.NewPCG(seed, mix(seed)), false)
	var b [SessionIDLen]byte
	for i := range b {
		b[i] = sessionIDAlphabet[f.IntN(len(sessionIDAlphabet))]
	}
	return string(b[:])
}

// mix is SplitMix64's finalizer: it spreads nearby seeds (0, 1, 2...) over
// unrelated values.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
