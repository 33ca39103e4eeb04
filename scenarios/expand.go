package scenarios

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/seed"
)

// ExpandOptions are what changes from one session of a scenario to the
// next. The zero value (but for Signer) is a session starting now, seed 0.
type ExpandOptions struct {
	// Seed makes the session's generated values: its ID (unless
	// SessionSeed is set), measurement ID, SNR values. The same scenario
	// with the same Seed and Start gives the same bytes; the scenario's
	// name is mixed in, so one seed gives different sessions for
	// different scenarios.
	Seed uint64
	// SessionSeed, when not zero, makes the generated session ID in
	// Seed's place. A receiver takes a session ID it has seen as the same
	// session, so a command that runs again with the same Seed (to send
	// the same values) gives each run a SessionSeed of its own, and its
	// sessions are new ones; the same SessionSeed gives the same IDs.
	SessionSeed uint64
	// Start is the session's first moment; event timestamps are Start plus
	// the scenario's clock. Zero means now. A Stream takes no Start: it
	// stamps each event with the moment it is made.
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
	// File is the scenario's file (Scenario.File), Step the index of the
	// step in Scenario.Steps, Line its line in File, Repetition which
	// repetition of it (from 0): where to look when the answer is not the
	// one expected.
	File                   string
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
	// Request is what goes on the wire, stamped on the session's clock
	// from Start (a Clock makes it again stamped when it is sent). Its
	// body and header are shared with other deliveries: do not modify
	// them.
	Request emitter.Request
	// Expect is the answer a correct receiver gives.
	Expect Expect

	// remake is what a Clock needs to make the delivery again at another
	// moment; nil for a raw body, which has no timestamp.
	remake *remake
}

// remake is a delivery's event before encoding, with what spoils it.
type remake struct {
	env    emitter.Envelope
	skew   time.Duration
	faults Faults
	sig    *signing
}

// bodySizeHint is a typical envelope's size, to size Expand's buffer once
// without reserving the bound a scenario's bodies could reach.
const bodySizeHint = 224

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
	var x expansion
	x.begin(s, o)
	for i := range s.plan {
		pl := &s.plan[i]
		d := Delivery{
			Scenario: s.Name, SessionID: x.id, File: s.File, Step: pl.step, Line: pl.line, Repetition: pl.rep,
			Event: pl.emit.Event, Sequence: -1, At: pl.at, Delay: pl.faults.Delay, Fault: pl.label, Expect: pl.expect,
		}
		signed, sent, err := x.bodies(pl, &d)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", s.File, pl.line, err)
		}
		if pl.faults.Drop {
			continue
		}
		d.Request = x.request(pl.faults, signed, sent)
		if pl.faults.Raw == nil {
			x.remakes = append(x.remakes, remake{env: x.env, skew: pl.skew, faults: pl.faults, sig: x.sig})
			d.remake = &x.remakes[len(x.remakes)-1]
		}
		x.add(pl, d)
	}
	return x.out, nil
}

// expansion is one call of Expand: the session's state, and the
// deliveries made so far.
type expansion struct {
	sig   *signing
	start time.Time
	id    string
	sess  *emitter.Session
	env   emitter.Envelope // the last event built, before any tampering
	out   []Delivery
	held  [2]Delivery // a reordered delivery and its duplicate, until the next is out
	nheld int

	// The session's parts, each in one allocation rather than one per
	// delivery, since a program may expand a session for each one it
	// plays. Deliveries point into remakes and values, which are made
	// with room for the whole session so that they never move; the
	// others hand out capped slices, which stay valid when they grow.
	buf      []byte          // every body, one after another
	payloads emitter.Payload // every envelope's payload
	remakes  []remake        // what a Clock needs of each delivery
	macs     strings.Builder // every correct MAC, one after another
	values   []string        // the MAC header values, each in macs
}

// macLen is the length of a MAC header value.
const macLen = len(emitter.MACScheme) + 2*sha256.Size

// signing is a session's signer, and its Forger, made for the first
// forged delivery; read-only once Expand returns.
type signing struct {
	signer *emitter.Signer
	forger *forgery.Forger
}

// begin starts the session of s that o says.
func (x *expansion) begin(s *Scenario, o ExpandOptions) {
	x.sig, x.start = &signing{signer: o.Signer}, o.Start
	if x.start.IsZero() {
		x.start = time.Now()
	}
	x.sess = s.session(o)
	x.id = x.sess.ID()
	x.out = make([]Delivery, 0, s.deliveries)
	x.buf = make([]byte, 0, min(s.bodies, s.deliveries*bodySizeHint))
	x.payloads = make(emitter.Payload, 0, s.fields)
	x.remakes = make([]remake, 0, len(s.plan))
	x.macs.Grow(len(s.plan) * macLen)
	x.values = make([]string, len(s.plan))
}

// session starts the session of s that o says: its ID, and the seed of
// its generated values.
func (s *Scenario) session(o ExpandOptions) *emitter.Session {
	sessionSeed := seed.Mix(o.Seed ^ s.nameHash)
	id := o.SessionID
	if id == "" {
		id = s.SessionID
	}
	if id == "" {
		idSeed := sessionSeed
		if o.SessionSeed != 0 {
			idSeed = seed.Mix(o.SessionSeed ^ s.nameHash)
		}
		id = NewSessionID(idSeed)
	}
	return emitter.NewSession(id, seed.Mix(sessionSeed+1))
}

// bodies returns the body that is signed and the body that is sent, which
// differ only when tampered, and sets d's sequence. A dropped event spends
// its sequence number and has no body.
func (x *expansion) bodies(pl *planned, d *Delivery) (signed, sent []byte, err error) {
	if pl.faults.Raw != nil {
		return pl.faults.Raw, pl.faults.Raw, nil
	}
	e := pl.emit
	e.Time = x.start.Add(pl.at + pl.skew)
	env, payloads, err := x.sess.AppendNext(x.payloads, e)
	if err != nil {
		return nil, nil, err
	}
	x.payloads = payloads
	d.Sequence = env.Sequence
	x.env = env
	if pl.faults.Drop {
		return nil, nil, nil
	}
	if signed, x.buf, err = appendBody(x.buf, &env); err != nil {
		return nil, nil, err
	}
	if !pl.faults.Tamper {
		return signed, signed, nil
	}
	env.Timestamp++
	sent, x.buf, err = appendBody(x.buf, &env)
	return signed, sent, err
}

// request is the POST of sent with the MAC header that f says, for signed.
// A correct MAC is written to macs, whose String never copies and whose
// written bytes never change, so that the session's MACs take one
// allocation.
func (x *expansion) request(f Faults, signed, sent []byte) emitter.Request {
	if f.MAC != forgery.Valid || f.Tamper {
		return x.sig.request(f, signed, sent)
	}
	var mac [macLen]byte
	x.macs.Write(x.sig.signer.AppendMAC(mac[:0], signed))
	all := x.macs.String()
	k := len(all)/macLen - 1
	x.values[k] = all[len(all)-macLen:]
	return emitter.Request{Body: sent, Header: http.Header{emitter.HeaderMAC: x.values[k : k+1 : k+1]}}
}

// request is the POST of sent with the MAC header that f says, for signed.
// A correctly signed request needs no Forger, whose other secret would
// cost every session a signer of its own.
func (g *signing) request(f Faults, signed, sent []byte) emitter.Request {
	if f.MAC == forgery.Valid && !f.Tamper {
		return emitter.Request{Body: sent, Header: http.Header{emitter.HeaderMAC: {g.signer.MAC(signed)}}}
	}
	if g.forger == nil {
		g.forger = forgery.New(g.signer)
	}
	if f.MAC == forgery.Valid {
		return g.forger.Tampered(signed, sent)
	}
	r := g.forger.Request(f.MAC, signed)
	r.Body = sent
	return r
}

// add puts d, and its copy when duplicated, in the order they are sent: a
// reordered delivery waits for the next one.
func (x *expansion) add(pl *planned, d Delivery) {
	var group [2]Delivery
	n := 1
	group[0] = d
	if pl.faults.Duplicate {
		c := d
		c.Copy, c.Delay, c.Fault = 1, 0, pl.copyLabel
		group[1] = c
		n = 2
	}
	if pl.faults.Reorder {
		x.held, x.nheld = group, n
		return
	}
	x.out = append(x.out, group[:n]...)
	if x.nheld > 0 {
		x.out = append(x.out, x.held[:x.nheld]...)
		x.nheld = 0
	}
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

const sessionIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// SessionIDLen is the length of generated session IDs, as in the vendor's
// example ("ryueiwoqfh910fu3rpqruvfiu").
const SessionIDLen = 25

// NewSessionID returns a session ID like the vendor's example: 25
// lowercase letters and digits, the same for the same sessionSeed.
func NewSessionID(sessionSeed uint64) string {
	f := gofakeit.NewFaker(rand.NewPCG(sessionSeed, seed.Mix(sessionSeed)), false)
	var b [SessionIDLen]byte
	for i := range b {
		b[i] = sessionIDAlphabet[f.IntN(len(sessionIDAlphabet))]
	}
	return string(b[:])
}
