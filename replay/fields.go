package replay

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
)

// genState follows what an emitter.Session would do with the steps
// written so far: the sequence it sends next, whether it has a measurement
// ID, the intermediate results' count and the page's visibility. It
// mirrors emitter.Session.Next so that a step can leave out what the
// session generates by itself, and must change with it.
type genState struct {
	next         int64
	measurement  bool   // the session has made a measurement ID
	captured     string // the captured ID it stands for, "" when none
	intermediate int64
	hidden       bool
}

// fields sets in st the payload fields of a catalog event that differ from
// what the session would generate, and advances the state as the session
// will. It says why the event cannot be a step, or "".
func (g *genState) fields(st *step, ev emitter.Event, captured object) string {
	for _, f := range ev.Fields {
		v, has := captured.get(f.Name)
		if f.Name == emitter.FieldMeasurementID {
			if why := g.measurementField(st, ev, f, v, has); why != "" {
				return why
			}
			continue
		}
		want, generated, fixed := g.generated(f)
		switch {
		case !has && generated:
			st.payload = append(st.payload, member{f.Name, nil}) // null removes it
		case has && generated && fixed && sameValue(v, want):
		case has:
			place(st, f, v)
		}
		g.sent(ev, f, v, has)
	}
	for _, m := range captured {
		if _, known := ev.Field(m.key); !known {
			st.extra = append(st.extra, m)
		}
	}
	return ""
}

// measurementField handles measurementId: MEASUREMENT_CREATED makes a new
// one, which stands for the captured one; a later event that carries the
// captured ID needs nothing, any other value is written as it is.
func (g *genState) measurementField(st *step, ev emitter.Event, f emitter.Field, v any, has bool) string {
	id, isString := v.(string)
	if ev.Name == emitter.EventMeasurementCreated {
		g.measurement, g.captured, g.intermediate = true, "", 0
		switch {
		case !has:
			st.payload = append(st.payload, member{f.Name, nil})
		case isString:
			g.captured = id
		default:
			place(st, f, v)
		}
		return ""
	}
	switch {
	case g.measurement && !has:
		st.payload = append(st.payload, member{f.Name, nil})
	case g.measurement && isString && id != "" && id == g.captured:
	case has:
		place(st, f, v)
	case f.Presence == emitter.Required:
		return fmt.Sprintf("%s without a measurement ID before any MEASUREMENT_CREATED", ev.Name)
	}
	return ""
}

// generated says what the session sends for field f: whether it sends the
// field at all, and its value when that is known rather than drawn at
// random. It follows emitter.Session's generate.
func (g *genState) generated(f emitter.Field) (want any, generated, fixed bool) {
	switch f.Name {
	case emitter.FieldSNR:
		return nil, true, false
	case emitter.FieldSequence:
		return g.intermediate + 1, true, true
	case emitter.FieldState:
		if g.hidden {
			return "VISIBLE", true, true
		}
		return "HIDDEN", true, true
	}
	choices := f.Values
	if len(choices) == 0 {
		choices = f.Examples
	}
	switch len(choices) {
	case 0:
		return nil, false, false
	case 1:
		return choices[0], true, true
	}
	return nil, true, false
}

// sent advances the state once field f went out as v (or not at all), as
// emitter.Session.Next does after its overrides.
func (g *genState) sent(ev emitter.Event, f emitter.Field, v any, has bool) {
	if !has {
		return
	}
	switch {
	case f.Name == emitter.FieldSequence && ev.Name == emitter.EventIntermediateResults:
		if n, ok := v.(json.Number); ok {
			if i, isInt := sessionInt(string(n)); isInt {
				g.intermediate = i
			}
		}
	case f.Name == emitter.FieldState && ev.Name == emitter.EventPageVisibilityChange:
		g.hidden = v == "HIDDEN"
	}
}

// sessionInt is the integer the session reads from a number the scenario
// parser made of text: an int64, or a float64 that is whole; a number
// only uint64 holds is none.
func sessionInt(text string) (int64, bool) {
	if !strings.ContainsAny(text, ".eE") {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, true
		}
		if _, err := strconv.ParseUint(text, 10, 64); err == nil {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// sameValue reports whether a captured value is the one generated.
func sameValue(v, want any) bool {
	switch want := want.(type) {
	case string:
		return v == want
	case int64:
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return false
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		return err == nil && i == want
	}
	return false
}

// place sets a captured value in st: under payload when the parser takes
// it for the field, else under extra, which sends it unchecked.
func place(st *step, f emitter.Field, v any) {
	if fits(f, v) {
		st.payload = append(st.payload, member{f.Name, v})
	} else {
		st.extra = append(st.extra, member{f.Name, v})
	}
}

// fits reports whether v is of f's kind and among its values, as the
// scenario parser checks a payload.
func fits(f emitter.Field, v any) bool {
	switch f.Kind {
	case emitter.KindString, emitter.KindUUID:
		s, ok := v.(string)
		return ok && (len(f.Values) == 0 || slices.Contains(f.Values, s))
	case emitter.KindNumber:
		_, ok := v.(json.Number)
		return ok
	case emitter.KindInteger:
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return false
		}
		_, errI := strconv.ParseInt(string(n), 10, 64)
		_, errU := strconv.ParseUint(string(n), 10, 64)
		return errI == nil || errU == nil
	}
	return false
}
