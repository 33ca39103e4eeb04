package conformance

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
)

// The value specs send, deterministically (not by the seed's chance), the
// edges of every value the vendor and the platform document: a receiver
// that stores SNR unsigned, or refuses a constraint it has not seen, fails
// on real traffic one day and on these specs today.

// snrValues are the SNRs real measurements report: about -10 to 20 dB,
// fractional, and -100 when a measurement fails for low signal. There are
// seven of them, so that the intermediate results' own sequence passes 5.
var snrValues = []float64{20, 12.75, 0, -0.5, -10, -100, 3.3}

var specSNRValues = spec{
	SpecInfo: SpecInfo{
		ID: "snr-values", Level: Must, Area: AreaPayload,
		Title:   "accepts every documented SNR, negative and fractional ones included, and intermediate results beyond the fifth",
		Correct: "accepts INTERMEDIATE_RESULTS whatever its snr (real SNR runs from about -10 to 20 dB, is fractional, and reads -100 when a measurement fails for low signal) and whatever its own sequence (it passes 5 when a measurement runs long).",
		Fix:     "SNR stored as an unsigned or whole number, or checked against a range such as 0 to 20: store a signed floating-point number (a double), and the intermediate sequence as an integer without an upper bound.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		created, err := s.bodyAt(sess, emitter.EventMeasurementCreated, 5)
		if err != nil {
			return err
		}
		s.accepted(ctx, c, s.signed(created), "The MEASUREMENT_CREATED that starts the SNR series", "")
		for i, snr := range snrValues {
			env, b, err := s.event(sess, emitter.Emit{Event: emitter.EventIntermediateResults, Payload: emitter.Payload{{Key: emitter.FieldSNR, Value: snr}}})
			if err != nil {
				return err
			}
			s.accepted(ctx, c, s.signed(b), fmt.Sprintf("INTERMEDIATE_RESULTS with snr %s (its intermediate sequence %d, the session's sequence %d)",
				strconv.FormatFloat(snr, 'g', -1, 64), i+1, env.Sequence), "")
			if ctx.Err() != nil {
				return nil
			}
		}
		return nil
	},
}

// valueCase is one event of the field-values spec: the event, the field
// and value it exercises, and whether it carries the session's
// measurement ID.
type valueCase struct {
	event, field, value string
	withMeasurement     bool
}

// valueCases are every value the catalog lists for a field (each
// PAGE_VISIBILITY_CHANGE state, each constraint, each error and details
// code), and every event whose measurement ID is present "if created",
// both with and without it. An event with such an ID alternates between
// the two, so that each appears both ways.
func valueCases() []valueCase {
	var cases []valueCase
	for _, ev := range emitter.Events() {
		ifCreated := false
		if f, ok := ev.Field(emitter.FieldMeasurementID); ok && f.Presence == emitter.IfCreated {
			ifCreated = true
		}
		var field string
		var values []string
		for _, f := range ev.Fields {
			if vs := append(append([]string(nil), f.Values...), f.Examples...); len(vs) > 0 {
				field, values = f.Name, vs
			}
		}
		if !ifCreated && field == "" {
			continue
		}
		n := len(values)
		if ifCreated {
			n = max(n, 2)
		}
		for i := range n {
			vc := valueCase{event: ev.Name, field: field, withMeasurement: ifCreated && i%2 == 1}
			if len(values) > 0 {
				vc.value = values[i%len(values)]
			}
			cases = append(cases, vc)
		}
	}
	return cases
}

var specFieldValues = spec{
	SpecInfo: SpecInfo{
		ID: "field-values", Level: Must, Area: AreaPayload,
		Title:   "accepts every documented field value, and events with and without their optional measurement ID",
		Correct: "accepts each value the documentation lists (both PAGE_VISIBILITY_CHANGE states, every constraint, every error and details code) and each event whose measurementId is present only once a measurement was created, with it and without it.",
		Fix:     "an enum or a check that lists some of the values only, or a measurementId column that may not be null: accept every documented value, and let measurementId be absent before MEASUREMENT_CREATED.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		before, after := s.newSession(), s.newSession()
		created, err := s.bodyAt(after, emitter.EventMeasurementCreated, 5)
		if err != nil {
			return err
		}
		s.accepted(ctx, c, s.signed(created), "The MEASUREMENT_CREATED of the session whose events carry a measurement ID", "")
		first := true
		for _, vc := range valueCases() {
			sess, e := before, emitter.Emit{Event: vc.event}
			if vc.withMeasurement {
				sess = after
			}
			if first && !vc.withMeasurement {
				e.Sequence, first = at(1), false
			}
			if vc.field != "" {
				e.Payload = emitter.Payload{{Key: vc.field, Value: vc.value}}
			}
			env, b, err := s.event(sess, e)
			if err != nil {
				return err
			}
			s.accepted(ctx, c, s.signed(b), vc.describe(env.Sequence), "")
			if ctx.Err() != nil {
				return nil
			}
		}
		return nil
	},
}

// describe is the case in a failure message.
func (vc valueCase) describe(seq int64) string {
	var parts []string
	if vc.field != "" {
		parts = append(parts, fmt.Sprintf("%s %s", vc.field, vc.value))
	}
	if vc.withMeasurement {
		parts = append(parts, "with a measurementId")
	} else if _, ok := lookupIfCreated(vc.event); ok {
		parts = append(parts, "without a measurementId, as before a measurement is created")
	}
	return fmt.Sprintf("%s (%s; sequence %d)", vc.event, strings.Join(parts, ", "), seq)
}

// lookupIfCreated reports whether event's measurement ID is present only
// once created.
func lookupIfCreated(event string) (emitter.Field, bool) {
	ev, err := emitter.LookupEvent(event)
	if err != nil {
		return emitter.Field{}, false
	}
	f, ok := ev.Field(emitter.FieldMeasurementID)
	return f, ok && f.Presence == emitter.IfCreated
}

// sessionIDs are session IDs of the shapes a customer may choose in the
// call-in URL, each fresh: a UUID, the vendor's example shape (25
// lowercase letters and digits), and one with percent-encoded characters.
func sessionIDs() []struct{ what, id string } {
	return []struct{ what, id string }{
		{"a UUID", freshMeasurementID()},
		{"25 lowercase letters and digits", freshSessionID()},
		{"percent-encoded characters", "order%2F" + freshSessionID()[:12] + "%3Fstep%3D2%20%C3%A9"},
	}
}

var specSessionIDs = spec{
	SpecInfo: SpecInfo{
		ID: "session-ids", Level: Must, Area: AreaPayload,
		Title:   "accepts session IDs of every shape a customer may choose",
		Correct: "takes the sessionId as an opaque string, whatever its length and characters: a UUID, 25 lowercase letters and digits, percent-encoded characters such as %2F and %20, stored as sent.",
		Fix:     "a column too short for a UUID, a pattern that allows only letters and digits, or a sessionId used unescaped in a path or URL: store it as an opaque string, and escape it wherever it is used.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		for i, id := range sessionIDs() {
			sess := emitter.NewSession(id.id, s.seed+uint64(i)<<32)
			for _, e := range []emitter.Emit{
				{Event: emitter.EventMeasurementCreated, Sequence: at(5)},
				{Event: emitter.EventIntermediateResults},
			} {
				env, b, err := s.event(sess, e)
				if err != nil {
					return err
				}
				s.accepted(ctx, c, s.signed(b), fmt.Sprintf("%s (sequence %d) of a session whose ID has %s (%q)", env.Event, env.Sequence, id.what, id.id), "")
			}
		}
		return nil
	},
}
