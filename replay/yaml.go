package replay

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// collapse joins each run of alike steps into one with repeat or each: the
// same event after the same wait, with the same payload keys and nothing
// else set. Values the run shares go under payload, the others under each.
// Nothing else is merged, so that the scenario sends exactly what the
// steps would.
func collapse(steps []step) []step {
	out := make([]step, 0, len(steps))
	for i := 0; i < len(steps); {
		j := i + 1
		for j < len(steps) && j-i < maxRepeat && alike(&steps[i], &steps[j]) {
			j++
		}
		if j-i == 1 {
			out = append(out, steps[i])
		} else {
			out = append(out, join(steps[i:j]))
		}
		i = j
	}
	return out
}

// alike reports whether b can be a repetition of a.
func alike(a, b *step) bool {
	simple := func(s *step) bool {
		return s.raw == nil && !s.custom && s.sequence == nil && s.severity == "" && s.skew == 0 &&
			len(s.extra) == 0 && !s.duplicate && len(s.each) == 0 && s.repeat <= 1
	}
	if !simple(a) || !simple(b) || a.event != b.event || a.after != b.after || len(a.payload) != len(b.payload) {
		return false
	}
	for k := range a.payload {
		if a.payload[k].key != b.payload[k].key {
			return false
		}
	}
	return true
}

// join makes one step of a run of alike steps.
func join(run []step) step {
	st := step{event: run[0].event, after: run[0].after, repeat: len(run)}
	for k, m := range run[0].payload {
		same := true
		first := appendValue(nil, m.value)
		values := make([]any, len(run))
		for r := range run {
			values[r] = run[r].payload[k].value
			same = same && bytes.Equal(appendValue(nil, values[r]), first)
		}
		if same {
			st.payload = append(st.payload, m)
		} else {
			st.each = append(st.each, series{m.key, values})
		}
	}
	return st
}

// render writes the scenario: a header that says where it came from, and
// one flow-style step per line, as the built-in library writes them.
func render(evs []Event, steps []step, length time.Duration) []byte {
	first, last := &evs[0], &evs[len(evs)-1]
	var b []byte
	b = append(b, "# Written by 'wms-mock scenario from-events' from a captured session (see the\n"...)
	b = append(b, "# description). Each run is a new session, with generated session and\n"...)
	b = append(b, "# measurement IDs; the steps give the rest as captured.\n"...)
	b = append(b, "name: "...)
	b = appendScalar(b, scenarioName(first.SessionID))
	b = append(b, "\ndescription: "...)
	where := first.File
	if last.File != first.File {
		where += " and " + last.File
	}
	events := "1 event"
	if len(evs) > 1 {
		events = fmt.Sprintf("%d events over %v", len(evs), length)
	}
	desc := fmt.Sprintf("Session %s as captured in %s (lines %d to %d): %s.",
		humanize.Clip(first.SessionID, 80), where, first.Line, last.Line, events)
	b = appendScalar(b, desc)
	b = append(b, "\ntags: [captured]\nsteps:\n"...)
	for i := range steps {
		b = append(b, "  - "...)
		b = appendStep(b, &steps[i])
		b = append(b, '\n')
	}
	return b
}

// appendStep writes one step: a bare event name when that is all it is,
// else a flow mapping.
func appendStep(b []byte, st *step) []byte {
	if st.raw != nil {
		b = append(b, "{raw: "...)
		b = appendRaw(b, st.raw)
		b = appendSteps(b, st)
		return append(b, "}  # sent as captured: "+st.why...)
	}
	if !st.custom && plainWord(st.event) && st.after == 0 && st.repeat <= 1 && len(st.payload) == 0 &&
		len(st.each) == 0 && len(st.extra) == 0 && st.sequence == nil && st.severity == "" && st.skew == 0 && !st.duplicate {
		return append(b, st.event...)
	}
	b = append(b, "{event: "...)
	b = appendScalar(b, st.event)
	if st.custom {
		b = append(b, ", custom: true"...)
	}
	b = appendSteps(b, st)
	if len(st.payload) > 0 {
		b = appendValue(append(b, ", payload: "...), st.payload)
	}
	if len(st.each) > 0 {
		b = append(b, ", each: {"...)
		for i, s := range st.each {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendValue(append(appendScalar(b, s.field), ": "...), s.values)
		}
		b = append(b, '}')
	}
	if len(st.extra) > 0 {
		b = appendValue(append(b, ", extra: "...), st.extra)
	}
	if st.sequence != nil {
		b = strconv.AppendInt(append(b, ", sequence: "...), *st.sequence, 10)
	}
	if st.severity != "" {
		b = append(append(b, ", severity: "...), st.severity...)
	}
	if st.skew != 0 {
		b = append(append(b, ", skew: "...), st.skew.String()...)
	}
	return append(b, '}')
}

// appendSteps writes the keys every kind of step may have: the wait, the
// repetition and the duplicate.
func appendSteps(b []byte, st *step) []byte {
	if st.after > 0 {
		b = append(append(b, ", after: "...), st.after.String()...)
	}
	if st.repeat > 1 && len(st.each) == 0 {
		b = strconv.AppendInt(append(b, ", repeat: "...), int64(st.repeat), 10)
	}
	if st.duplicate {
		b = append(b, ", duplicate: true"...)
	}
	return b
}

// appendRaw writes a body for raw: single-quoted, the most readable, when
// it is printable ASCII, else double-quoted with escapes, which keep every
// byte of it.
func appendRaw(b []byte, body []byte) []byte {
	for _, c := range body {
		if c < 0x20 || c >= 0x7f {
			return appendScalar(b, string(body))
		}
	}
	b = append(b, '\'')
	b = append(b, bytes.ReplaceAll(body, []byte("'"), []byte("''"))...)
	return append(b, '\'')
}

// scenarioName makes a scenario name of a session ID: the ID with every
// character the name does not allow turned into '-', after "session-", so
// that it always starts with a letter.
func scenarioName(id string) string {
	b := []byte("session-")
	for _, r := range id {
		if len(b) >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
	}
	return string(b)
}
