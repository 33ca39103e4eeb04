package receiver

import (
	"slices"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// step is one event of a hand-built session: its name and, for
// INTERMEDIATE_RESULTS, the payload.sequence (0 means none at all, -1 the
// value 0). switchID gives it a new measurement ID without a
// MEASUREMENT_CREATED.
type step struct {
	event    string
	result   int64
	switchID bool
}

// stepBodies numbers steps from envelope sequence 0, fills measurement IDs
// as WMS does (a new one at each MEASUREMENT_CREATED), and leaves out the
// envelope sequences in skip.
func stepBodies(t *testing.T, session string, steps []step, skip ...int64) [][]byte {
	t.Helper()
	ids := []string{"a1e6c2e6-410b-4e19-bae5-a72a0343d322", "fbfbec8f-cb05-4288-99e5-5e219648399a"}
	m := ""
	var out [][]byte
	for i, st := range steps {
		seq := int64(i)
		if st.event == emitter.EventMeasurementCreated || st.switchID {
			m, ids = ids[0], ids[1:]
		}
		var p emitter.Payload
		if m != "" && st.event != "WMS_LOADED" {
			p = append(p, emitter.PayloadField{Key: emitter.FieldMeasurementID, Value: m})
		}
		if st.event == emitter.EventIntermediateResults {
			p = append(p, emitter.PayloadField{Key: emitter.FieldSNR, Value: 4.5})
			switch {
			case st.result == -1:
				p = append(p, emitter.PayloadField{Key: emitter.FieldSequence, Value: 0})
			case st.result != 0:
				p = append(p, emitter.PayloadField{Key: emitter.FieldSequence, Value: st.result})
			}
		}
		if !slices.Contains(skip, seq) {
			out = append(out, eventBody(t, session, seq, st.event, p))
		}
	}
	return out
}

// INTERMEDIATE_RESULTS' payload.sequence starts at 1 and only increases
// within a measurement; it is judged in envelope sequence order, so that no
// arrival order and no lost event makes a correct session look wrong.
func TestIntermediateSequence(t *testing.T) {
	const (
		created = emitter.EventMeasurementCreated
		ir      = emitter.EventIntermediateResults
	)
	res := func(n int64) step { return step{event: ir, result: n} }
	ev := func(name string) step { return step{event: name} }
	reconnect := []step{ev("WEBSOCKET_DISCONNECTED"), ev("WEBSOCKET_RECONNECTED")}
	join := func(parts ...[]step) []step { return slices.Concat(parts...) }

	cases := []struct {
		name  string
		steps []step
		skip  []int64
		want  []int64 // envelope sequences flagged intermediate-sequence
		gap   bool
	}{
		{"carries on across a reconnect", join([]step{ev("WMS_LOADED"), ev(created), res(1), res(2)}, reconnect, []step{res(3), res(4)}), nil, nil, false},
		{"restarts after a reconnect", join([]step{ev("WMS_LOADED"), ev(created), res(1), res(2)}, reconnect, []step{res(1), res(2)}), nil, []int64{6}, false},
		{"repeats a number", []step{ev(created), res(1), res(2), res(2), res(3)}, nil, []int64{3}, false},
		{"starts at 2", []step{ev("WMS_LOADED"), ev(created), res(2), res(3)}, nil, []int64{2}, false},
		{"starts at 0", []step{ev(created), res(-1), res(1)}, nil, []int64{1}, false},
		{"first result lost on the way", []step{ev("WMS_LOADED"), ev(created), res(1), res(2), res(3)}, []int64{2}, nil, true},
		{"lost before the measurement", []step{ev("WMS_LOADED"), ev("CAMERA_STARTED"), ev(created), res(2)}, []int64{1}, []int64{3}, true},
		{"a new measurement starts again", []step{ev(created), res(1), res(2), ev("MEASUREMENT_CANCELED"), ev(created), res(1), res(2)}, nil, nil, false},
		{"a changed ID is the measurement-changed finding's", []step{ev(created), res(1), res(2), {event: ir, result: 3, switchID: true}, res(4)}, nil, nil, false},
		{"no sequence is the missing-field finding's", []step{ev(created), res(0), res(1)}, nil, nil, false},
	}
	signer := testkit.Signer(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc, url := startReceiver(t)
			bodies := stepBodies(t, "ir", c.steps, c.skip...)
			for i := len(bodies) - 1; i >= 0; i-- { // backwards: arrival order proves nothing
				if a := deliver(t, url, signer, bodies[i]); a.status != 200 {
					t.Fatalf("%s: %d %s", bodies[i], a.status, a.body)
				}
			}
			var flagged []int64
			gap := false
			for _, f := range rc.Findings() {
				switch f.Kind {
				case FindingIntermediateSequence:
					flagged = append(flagged, f.Sequence)
					if f.Event != ir || !strings.Contains(f.Message, "payload.sequence") {
						t.Errorf("finding %v", f)
					}
				case FindingSequenceGap:
					gap = true
				case FindingMissingField, FindingMeasurementChanged:
				default:
					t.Errorf("unexpected finding %v", f)
				}
			}
			if !slices.Equal(flagged, c.want) || gap != c.gap {
				t.Errorf("intermediate-sequence findings at %v (gap %v), want %v (gap %v): %v", flagged, gap, c.want, c.gap, rc.Findings())
			}
		})
	}
}

// Which payload fields are judged is the catalog's call: a field marked
// Undocumented there is skipped, whatever its name.
func TestUndocumentedFieldsFollowTheCatalog(t *testing.T) {
	kinds := func(fs []Finding) map[FindingKind]int { return findingKinds(fs) }
	bare := func(name string) *Record {
		rec, err := decode(eventBody(t, "u", 1, name, emitter.Payload{{Key: "other", Value: "x"}}))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	// The real catalog: every required field is judged unless marked.
	for _, ev := range emitter.Events() {
		want := 0
		for _, f := range ev.Fields {
			if f.Presence == emitter.Required && !f.Undocumented {
				want++
			}
		}
		if got := kinds(checkEvent(bare(ev.Name)))[FindingMissingField]; got != want {
			t.Errorf("%s without its payload: %d missing-field findings, want %d", ev.Name, got, want)
		}
	}

	// The same event, with snr marked in the entry it is judged against.
	ev, err := emitter.LookupEvent(emitter.EventIntermediateResults)
	if err != nil {
		t.Fatal(err)
	}
	rec := bare(ev.Name)
	if got := judgeEvent(rec, ev, nil); !strings.Contains(findingsText(got), "payload.snr") {
		t.Fatalf("snr not judged: %v", got)
	}
	for i := range ev.Fields {
		if ev.Fields[i].Name == emitter.FieldSNR {
			ev.Fields[i].Undocumented = true
		}
	}
	if got := judgeEvent(rec, ev, nil); strings.Contains(findingsText(got), "payload.snr") {
		t.Errorf("snr marked Undocumented in the catalog entry, yet judged: %v", got)
	}
}

func findingsText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}
