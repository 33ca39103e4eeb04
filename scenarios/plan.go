package scenarios

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

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
	envelope := envelopeSize + jsonSize(s.SessionID)
	for i := range s.Steps {
		if !p.planStep(s, i, meta[i].entry, envelope) {
			return
		}
	}
	p.checkReorders(s, meta)
}

// planStep adds step i's events to the plan, each repetition once the
// bounds allow it, and reports at the step's entry the first bound it
// passes. envelope bounds the size of the step's envelope without its own
// fields.
func (p *parser) planStep(s *Scenario, i int, at *yaml.Node, envelope int) bool {
	st := &s.Steps[i]
	label := faultLabel(st)
	copyLabel := "duplicate"
	if label != "" {
		copyLabel = label + ", duplicate"
	}
	payload := mergePayload(st, 0) // shared by the repetitions unless each: varies it
	body, fields := len(st.Faults.Raw), 0
	if st.Faults.Raw == nil {
		body = envelope + jsonSize(st.Event) + jsonSize(st.Payload) + jsonSize(st.Extra)
		fields = catalogFields(st.Event) + len(payload)
	}
	if st.Faults.Any() && s.faulted == nil {
		s.faulted = st
	}
	for r := 0; r < st.Repeat; r++ {
		if len(s.plan) == maxDeliveries {
			p.errorf(at, "the scenario makes over %d events by this step, dropped ones included: split it into smaller scenarios", maxDeliveries)
			return false
		}
		if s.duration > maxClock-st.After {
			p.errorf(at, "the session's clock passes %v by this step: a WMS session lasts minutes; shorten after: or split the scenario", maxClock)
			return false
		}
		s.duration += st.After
		pl := planned{step: i, line: st.Line, rep: r, at: s.duration, skew: st.Skew, faults: st.Faults, expect: st.Expect, label: label, copyLabel: copyLabel}
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
			s.bodies += size
		}
		if s.deliveries > maxDeliveries {
			p.errorf(at, "the scenario sends over %d requests by this step: split it into smaller scenarios", maxDeliveries)
			return false
		}
		if s.bodies > maxBodyBytes {
			p.errorf(at, "the scenario's bodies add up to over %d MiB by this step: send smaller values or split the scenario", maxBodyBytes>>20)
			return false
		}
		s.fields += fields
		s.plan = append(s.plan, pl)
	}
	return true
}

// catalogFields is how many payload fields the catalog gives event, none
// for a custom one.
func catalogFields(event string) int {
	ev, err := emitter.LookupEvent(event)
	if err != nil {
		return 0
	}
	return len(ev.Fields)
}

// checkReorders reports each reorder that has no later event sent to swap
// with, or whose later event is itself reordered.
func (p *parser) checkReorders(s *Scenario, meta []stepNodes) {
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
		case next == len(s.plan) && p.partial:
			// The later step may be past the syntax error.
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

// mergePayload is the payload of repetition rep: payload, each's value
// for rep, then extra, in the order the body keeps.
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
	if f.MAC != forgery.Valid {
		parts = append(parts, f.MAC.Info().Label)
	}
	if f.Delay > 0 {
		parts = append(parts, "delayed "+f.Delay.String())
	}
	return strings.Join(parts, ", ")
}
