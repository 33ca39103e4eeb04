package replay

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/scenarios"
)

// What a scenario step can hold, as package scenarios checks it; a
// scenario that passes them anyway is caught by ToScenario's own Parse.
const (
	maxAfter  = 24 * time.Hour
	maxSkew   = 366 * 24 * time.Hour
	maxRepeat = 1000
	maxEvents = 10000
	maxClock  = 7 * 24 * time.Hour
)

// step is one step of the scenario being written.
type step struct {
	event     string
	custom    bool
	after     time.Duration
	repeat    int // 0 and 1 alike: once, unless each says otherwise
	payload   object
	each      []series
	extra     object
	sequence  *int64
	severity  string
	skew      time.Duration
	duplicate bool
	raw       []byte
	why       string // for a raw step: why the event could not be a step
}

type series struct {
	field  string
	values []any
}

// ToScenario writes the YAML scenario that reproduces the captured session
// sessionID: one step per event (a run of alike events becomes one step
// with repeat or each), the gaps between them as after, and whatever the
// catalog would not generate by itself (SNR values, a state, a constraint,
// an error code, a sequence gap, a severity, a skewed timestamp) as the
// step's keys. An event no step can express (a field outside the envelope,
// an unknown severity, a null payload field) is a raw step, sent as
// captured. The scenario fixes no session ID, so that each run is a new
// session; measurement IDs are generated too, with the captured ones kept
// only where they break the session's pattern. The result passes
// scenarios.Parse: ToScenario checks it.
func ToScenario(events []Event, sessionID string) ([]byte, error) {
	var evs []Event
	var ids []string
	for _, ev := range events {
		if ev.SessionID == sessionID {
			evs = append(evs, ev)
		} else if !slices.Contains(ids, ev.SessionID) {
			ids = append(ids, ev.SessionID)
		}
	}
	if len(evs) == 0 {
		return nil, unknownSession(sessionID, ids)
	}
	at, skews := timeline(evs)
	switch last := &evs[len(evs)-1]; {
	case len(evs) > maxEvents:
		return nil, fmt.Errorf("session %q has %d events: a scenario holds at most %d; cut the capture into parts with fewer", humanize.Clip(sessionID, 64), len(evs), maxEvents)
	case at[len(at)-1] > maxClock:
		return nil, fmt.Errorf("session %q lasts %v up to %s:%d: a scenario's clock runs at most %v", humanize.Clip(sessionID, 64), at[len(at)-1], last.File, last.Line, maxClock)
	}
	w := &writer{}
	for i := range evs {
		var after time.Duration
		if i > 0 {
			after = at[i] - at[i-1]
			if after == 0 && bytes.Equal(evs[i].Body, evs[i-1].Body) && !w.steps[len(w.steps)-1].duplicate {
				w.steps[len(w.steps)-1].duplicate = true
				continue
			}
		}
		if after > maxAfter {
			return nil, fmt.Errorf("%s:%d: %v after the session's previous event: a scenario step waits at most %v; split the session by hand", evs[i].File, evs[i].Line, after, maxAfter)
		}
		st := w.step(&evs[i], skews[i])
		st.after = after
		w.steps = append(w.steps, st)
	}
	out := render(evs, collapse(w.steps), at[len(at)-1])
	if _, err := scenarios.Parse(scenarioName(sessionID)+".yaml", out); err != nil {
		return nil, fmt.Errorf("the scenario written for session %q does not pass validate, which is a bug of wms-mock (please report it with the capture): %w", humanize.Clip(sessionID, 64), err)
	}
	return out, nil
}

// timeline returns each event's offset on the scenario's clock and its
// skew. The clock follows the events' timestamps, the moments WMS says
// they happened, not their arrival: arrival gaps add the network's noise
// and, for a capture of a fast-paced run, squeeze a 40 s session into
// milliseconds. A timestamp that runs back, which after cannot express,
// becomes a skew.
func timeline(evs []Event) (at, skew []time.Duration) {
	at = clock(evs, false)
	skew = make([]time.Duration, len(evs))
	for i := range evs {
		skew[i] = time.Duration(evs[i].Timestamp-evs[0].Timestamp)*time.Second - at[i]
	}
	return at, skew
}

// writer builds the steps, following what the session would generate by
// itself so that a step says only what differs.
type writer struct {
	gen   genState
	steps []step
}

// step returns the step for ev, or a raw step when none can express it.
func (w *writer) step(ev *Event, skew time.Duration) step {
	g := w.gen // committed only when ev becomes a step: a raw body moves no state
	st, why := g.envelopeStep(ev, skew)
	if why != "" {
		return step{raw: ev.Body, why: why}
	}
	w.gen = g
	return st
}

// envelopeStep makes the step for ev, or says why it cannot.
func (g *genState) envelopeStep(ev *Event, skew time.Duration) (step, string) {
	top, err := decodeObject(ev.Body)
	if err != nil {
		return step{}, err.Error()
	}
	for _, m := range top {
		if !slices.Contains(envelopeFields, m.key) && m.key != "payload" {
			return step{}, fmt.Sprintf("the field %q outside the envelope", humanize.Clip(m.key, 40))
		}
	}
	switch {
	case ev.Severity != "INFO" && ev.Severity != "WARN" && ev.Severity != "ERROR":
		return step{}, fmt.Sprintf("the severity %q", humanize.Clip(ev.Severity, 40))
	case ev.Sequence < 0:
		return step{}, "a negative sequence"
	case skew.Abs() > maxSkew:
		return step{}, "a timestamp over a year away from the session's"
	}
	captured := object{}
	if v, ok := top.get("payload"); ok {
		if captured, ok = v.(object); !ok || len(captured) == 0 {
			return step{}, "a payload that is not a JSON object with fields"
		}
	}
	for _, m := range captured {
		if m.value == nil {
			return step{}, fmt.Sprintf("the payload field %q set to null", humanize.Clip(m.key, 40))
		}
	}
	st := step{event: ev.Event, skew: skew}
	if ev.Sequence != g.next {
		seq := ev.Sequence
		st.sequence = &seq
	}
	g.next = ev.Sequence + 1
	cat, err := emitter.LookupEvent(ev.Event)
	if err != nil {
		st.custom, st.payload = true, captured
		if ev.Severity != string(emitter.SeverityInfo) {
			st.severity = ev.Severity
		}
		return st, ""
	}
	if ev.Severity != string(cat.Severity) {
		st.severity = ev.Severity
	}
	return st, g.fields(&st, cat, captured)
}
