package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// header is a valid scenario start that the error cases append steps to;
// it takes lines 1 to 3, so the first step is on line 4.
const header = "name: t\ndescription: d\nsteps:\n"

// TestParseErrors checks every kind of loader error at its exact line and
// column: a wrong position is as bad as a missing error for someone fixing
// a file by hand. It is over 80 lines because it is one table, kept whole
// so that every message of the loader reads in one place.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // "LINE:COL: substring of the message"
	}{
		// Unknown keys, at every depth.
		{"unknown top-level key", "name: t\ndescripton: d\nsteps: [WMS_LOADED]\n", `2:1: unknown key "descripton" in the scenario: did you mean "description"?`},
		{"unknown step key", header + "  - event: WMS_LOADED\n    paylod: {}\n", `5:5: unknown key "paylod" in a step: did you mean "payload"?`},
		{"unknown step key in flow mapping", header + "  - {event: WMS_LOADED, aftr: 1s}\n", `4:25: unknown key "aftr" in a step: did you mean "after"?`},
		{"misspelt event written as a key", header + "  - CONFIGURATON_LOADED: {after: 1s}\n", `4:5: unknown key "CONFIGURATON_LOADED" in a step: did you mean the event CONFIGURATION_LOADED? write it as - event: CONFIGURATION_LOADED`},
		{"event written as a key", header + "  - CONFIGURATION_LOADED: {after: 1s}\n", `4:5: unknown key "CONFIGURATION_LOADED" in a step: write the event as - CONFIGURATION_LOADED or - event: CONFIGURATION_LOADED`},
		{"unknown payload field", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    payload: {snrr: 3}\n", `6:15: INTERMEDIATE_RESULTS has no payload field "snrr" (it has measurementId, snr, sequence): did you mean "snr"? put it under extra:`},
		{"payload on an event without one", header + "  - event: CAMERA_STARTED\n    payload:\n      facing: user\n", `6:7: CAMERA_STARTED carries no payload, so "facing" is not one of its fields: put it under extra:`},
		{"unknown each field", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    each:\n      snrs: [1, 2]\n", `7:7: INTERMEDIATE_RESULTS has no payload field "snrs"`},
		{"key given twice", header + "  - event: WMS_LOADED\n    after: 1s\n    after: 2s\n", `6:5: key "after" is given twice in a step (first on line 5)`},

		// Unknown events.
		{"misspelt event", header + "  - WMS_LOADED\n  - event: MEASURMENT_CREATED\n", `5:12: unknown event "MEASURMENT_CREATED": did you mean MEASUREMENT_CREATED`},
		{"misspelt event shorthand", header + "  - WMS_LOADD\n", `4:5: unknown event "WMS_LOADD": did you mean WMS_LOADED?`},
		{"custom on a catalog event", header + "  - {event: WMS_LOADED, custom: true}\n", `4:13: WMS_LOADED is in the catalog: remove custom: true`},

		// Wrong types.
		{"repeat not a number", header + "  - {event: WMS_LOADED, repeat: five}\n", `4:33: repeat: want a whole number, got "five"`},
		{"repeat out of range", header + "  - {event: WMS_LOADED, repeat: 0}\n", `4:33: repeat: want 1 to 1000, got 0`},
		{"steps not a list", "name: t\nsteps: WMS_LOADED\n", `2:8: steps: want a list of events`},
		{"tags a mapping", "name: t\ntags: {a: b}\nsteps: [WMS_LOADED]\n", `2:7: tags: want a list like [journey, camera], got a mapping`},
		{"boolean as string", header + "  - {event: WMS_LOADED, duplicate: yes}\n", `4:36: duplicate: want true or false, got "yes"`},
		{"payload number as string", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    payload: {snr: high}\n", `6:20: payload.snr: want a number, got "high"`},
		{"payload integer as float", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    payload: {sequence: 1.5}\n", `6:25: payload.sequence: want an integer, got the number 1.5`},
		{"payload value not allowed", header + "  - event: PAGE_VISIBILITY_CHANGE\n    payload: {state: HIDEN}\n", `5:22: payload.state: want one of VISIBLE, HIDDEN, got "HIDEN"`},
		{"each value of the wrong type", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    each: {snr: [1, x]}\n", `6:21: each.snr: want a number, got "x"`},
		{"each lists of different lengths", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    each:\n      snr: [1, 2]\n      sequence: [1, 2, 3]\n", `8:17: each.sequence: 3 values, but each.snr has 2`},
		{"each against repeat", header + "  - MEASUREMENT_CREATED\n  - event: INTERMEDIATE_RESULTS\n    repeat: 3\n    each: {snr: [1, 2]}\n", `7:17: each.snr: 2 values for repeat: 3`},
		{"severity unknown", header + "  - {event: WMS_LOADED, severity: FATAL}\n", `4:35: severity: want INFO, WARN or ERROR, got "FATAL"`},
		{"expect unknown", header + "  - {event: WMS_LOADED, expect: 401}\n", `4:33: expect: want 2xx, 4xx, non-2xx or any, got "401"`},
		{"mac unknown", header + "  - {event: WMS_LOADED, mac: bad}\n", `4:30: mac: unknown MAC forgery "bad": want one of wrong-secret, none, empty, malformed`},
		{"mac misspelt", header + "  - event: WMS_LOADED\n    mac: wrong-secert\n", `5:10: mac: unknown MAC forgery "wrong-secert": want one of ` + strings.Join(forgery.Names(), ", ") + ` (did you mean "wrong-secret"?)`},
		{"mac not a string", header + "  - {event: WMS_LOADED, mac: [none]}\n", `4:30: mac: want a string, got a list`},
		{"step a list", header + "  - [WMS_LOADED]\n", `4:5: a step is an event name (- WMS_LOADED) or a mapping (- event: WMS_LOADED), got a list`},
		{"scenario a list", "- WMS_LOADED\n", `1:1: a scenario is a mapping with name, description, tags and steps; got a list`},

		// Durations.
		{"duration without unit", header + "  - {event: WMS_LOADED, after: 5}\n", `4:32: after: bad duration 5: add a unit, like 5s or 5ms`},
		{"duration misspelt", header + "  - event: WMS_LOADED\n    after: 5 sec\n", `5:12: after: bad duration "5 sec": write a number and a unit, like 5s`},
		{"negative after", header + "  - {event: WMS_LOADED, after: -1s}\n", `4:32: after: want 0 to 24h0m0s, got -1s`},
		{"delay too long", header + "  - {event: WMS_LOADED, delay: 1h}\n", `4:32: delay: want 0 to 10m0s, got 1h0m0s`},

		// The measurement must exist before events that carry it.
		{"measurement-bound before MEASUREMENT_CREATED", header + "  - WMS_LOADED\n  - event: SCAN_COMPLETED\n    after: 1s\n  - MEASUREMENT_CREATED\n", `5:12: SCAN_COMPLETED carries the measurement ID, which exists only after MEASUREMENT_CREATED`},
		{"measurement-bound shorthand", header + "  - WEBSOCKET_DISCONNECTED\n", `4:5: WEBSOCKET_DISCONNECTED carries the measurement ID`},

		// Combinations that cannot mean anything.
		{"raw with an event", header + "  - {event: WMS_LOADED, raw: '{}'}\n", `4:6: event does not apply to a raw step`},
		{"drop with expect", header + "  - {event: WMS_LOADED, drop: true, expect: 4xx}\n", `4:37: expect does not apply to a dropped step`},
		{"reorder on the last step", header + "  - WMS_LOADED\n  - {event: CONFIGURATION_LOADED, reorder: true}\n", `5:35: reorder: no later step is sent to swap with`},
		{"reorder on a repeated step", header + "  - {event: WMS_LOADED, repeat: 2, reorder: true}\n  - CONFIGURATION_LOADED\n", `4:36: reorder swaps one event with the next step's`},
		{"step without event", header + "  - after: 1s\n", `4:5: the step names no event: add event: NAME`},
		{"no steps", "name: t\ndescription: d\n", `1:1: the scenario has no steps`},
		{"empty steps", "name: t\nsteps: []\n", `2:8: steps: the list is empty`},
		{"bad name", "name: happy path\nsteps: [WMS_LOADED]\n", `1:7: name "happy path": use letters, digits`},

		// Files that are not one YAML mapping.
		{"empty file", "", `1:1: the file is empty`},
		{"YAML syntax", "name: t\n  steps: [WMS_LOADED]\n", `2:1: YAML syntax: mapping values are not allowed in this context`},
		{"a tab", "name: t\n\tsteps: [WMS_LOADED]\n", `2:1: a tab: YAML indents with spaces only; replace the tab with spaces`},
		{"two documents", "name: t\nsteps: [WMS_LOADED]\n---\nname: u\n", `3:1: one scenario per file`},
		{"merge key", "base: &b {after: 1s}\nsteps:\n  - {<<: *b, event: WMS_LOADED}\n", `3:6: merge keys (<<) are not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("case.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("parsed without error into %+v; want %s", s, c.want)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not Errors", err)
			}
			pos, msg, _ := strings.Cut(c.want, ": ")
			for _, e := range es {
				if got := e.Error(); strings.HasPrefix(got, "case.yaml:"+pos+": ") && strings.Contains(got, msg) {
					return
				}
			}
			t.Errorf("want an error case.yaml:%s: ...%s...\ngot:\n%v", pos, msg, err)
		})
	}
}

// TestSyntaxErrors checks that a tab where YAML wants spaces, and an @ or
// ` that cannot start a plain value, are reported at their own line and
// column with what to do, although yaml.v3 names no column and, for a tab
// inside a multi-line value, the line where the value began.
func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"tab indenting a step", "name: t\nsteps:\n\t- WMS_LOADED\n", "3:1: " + tabMsg},
		{"tab indenting the first line", "\tname: t\nsteps: [WMS_LOADED]\n", "1:1: " + tabMsg},
		{"tab after spaces", header + "  - event: WMS_LOADED\n  \tafter: 1s\n", "5:3: " + tabMsg},
		{"tab after the dash", header + "  -\tWMS_LOADED\n", "4:4: " + tabMsg},
		{"tab in a step's mapping", header + "  - event: WMS_LOADED\n\tafter: 1s\n", "5:1: " + tabMsg},
		{"tab under payload", header + "  - event: GENERAL_ERROR\n    payload:\n\t  details: x\n", "6:1: " + tabMsg},
		{"tab after blank lines", "name: t\nsteps:\n\n\n\t- WMS_LOADED\n", "5:1: " + tabMsg},
		{"tab with CRLF lines", "name: t\r\nsteps:\r\n\t- WMS_LOADED\r\n", "3:1: " + tabMsg},
		{"tab after a byte order mark", "\uFEFF\tname: t\nsteps: [WMS_LOADED]\n", "1:1: " + tabMsg},
		// Read on past the tab, the file's other problem is found too.
		{"tab after a multi-line value", "name: é\ndescription: one\n  two\n\tthree\nsteps: [WMS_LOADED]\n", "1:7: name \"é\": use letters, digits, '-', '_' and '.' only, so it can be typed on a command line\nqa/tab.yaml:4:1: " + tabMsg},
		{"tab in a block scalar after legal ones", header + "  - raw: |\n      {\"a\":\n      \t1,\n    \t2}\n", "7:5: " + tabMsg},
		{"tab in a second document", "name: t\nsteps: [WMS_LOADED]\n---\nname: u\n\tsteps: []\n", "3:1: one scenario per file: this second YAML document must go in its own file\nqa/tab.yaml:5:1: " + tabMsg},
		{"@ starting a value", "name: @t\nsteps: [WMS_LOADED]\n", `1:7: YAML syntax: a plain value cannot start with @: quote it, like "@t"`},
		{"` after a legal tab in a flow mapping", header + "  - {event: WMS_LOADED,\n\t`after: 1s}\n", "5:2: YAML syntax: a plain value cannot start with `: quote it, like \"`after\""},
		{"not a tab", "name: t\n  steps: [WMS_LOADED]\n", "2:1: YAML syntax: mapping values are not allowed in this context: the rest of the file cannot be read past line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("qa/tab.yaml", []byte(c.yaml))
			if want := "qa/tab.yaml:" + c.want; err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

// BenchmarkSyntaxErrorBigFile measures the worst usual case of finding a
// tab: the largest file, its one tab at the end, and a legal tab on every
// line before. It costs about seven parses of the file: yaml.v3's own, two
// of the prefix up to the tab, up to three to find the spaces the tab
// stands for, and the walk's. The file's other problem (it has too many
// steps) is reported as well.
func BenchmarkSyntaxErrorBigFile(b *testing.B) {
	big := []byte(header)
	for len(big) < maxFileSize-100 {
		big = append(big, "  - {event: WMS_LOADED, after: 1s}  # a\tlegal tab\n"...)
	}
	line := bytes.Count(big, []byte("\n")) + 1
	big = append(big, "  \t- WMS_LOADED\n"...)
	want := fmt.Sprintf("big.yaml:%d:3: %s", line, tabMsg)
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		if _, err := Parse("big.yaml", big); err == nil || !strings.HasSuffix(err.Error(), "\n"+want) {
			b.Fatalf("got  %.200v\nwant %s", err, want)
		}
	}
}

// TestParseReportsEveryError checks that one pass reports all problems of
// a file, in file order, each on its own line.
func TestParseReportsEveryError(t *testing.T) {
	src := "name: t\ncolour: red\nsteps:\n  - WMS_LODED\n  - {event: CONFIGURATION_LOADED, after: soon}\n  - SCAN_COMPLETED\n"
	_, err := Parse("all.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.File+":"+strconv.Itoa(e.Line)+":"+strconv.Itoa(e.Col))
	}
	want := []string{"all.yaml:2:1", "all.yaml:4:5", "all.yaml:5:42", "all.yaml:6:5"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("errors at %v, want %v:\n%v", got, want, err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) {
		t.Errorf("Error() has %d lines, want %d", len(lines), len(want))
	}
	var one *Error
	if !errors.As(err, &one) || one.Line != 2 {
		t.Errorf("errors.As should find the first *Error, got %+v", one)
	}
}

// TestParseAccepts checks what the schema allows on purpose, including the
// escape hatches edge cases need.
func TestParseAccepts(t *testing.T) {
	src := `
description: >
  Everything the schema allows,
  folded on two lines.
tags: journey
session: fixedsession0000000000001
steps:
  - WMS_LOADED
  - event: API_ERROR
    payload: {errorCode: RATE_LIMITED}
  - event: SCAN_COMPLETED            # on purpose, before the measurement exists
    payload: {measurementId: 00000000-0000-4000-8000-000000000000}
  - event: MEASUREMENT_CREATED
    after: 1.5s
  - event: INTERMEDIATE_RESULTS
    after: &five 5s
    each:
      snr: [-9.5, 0, 20]
      sequence: [1, 2, 3]
  - event: CONSTRAINT_VIOLATION
    after: *five
    payload: {constraint: null}
    extra: {code: TOO_FAR, nested: {list: [1, two, true, null]}}
  - event: FUTURE_EVENT
    custom: true
    payload: {anything: goes}
  - {raw: "not json", expect: 4xx, mac: none}
  - {event: PAGE_UNLOADED, sequence: 40, severity: WARN, skew: -10m, duplicate: true, delay: 1ms, tamper: true}
`
	s, err := Parse("/some/dir/accepts.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "accepts" {
		t.Errorf("name defaults to the file's base name, got %q", s.Name)
	}
	if s.Description != "Everything the schema allows, folded on two lines." {
		t.Errorf("description %q", s.Description)
	}
	if len(s.Tags) != 1 || s.Tags[0] != "journey" || !s.HasTag(TagJourney) {
		t.Errorf("a single tag may be written without brackets, got %v", s.Tags)
	}
	if s.SessionID != "fixedsession0000000000001" || len(s.Steps) != 9 {
		t.Errorf("session %q, %d steps", s.SessionID, len(s.Steps))
	}
	ir := s.Steps[4]
	if ir.Repeat != 3 || ir.After != 5*time.Second || len(ir.Each) != 2 || ir.Each[0].Values[0] != -9.5 || ir.Each[0].Values[1] != int64(0) {
		t.Errorf("each sets the repetition and keeps values: %+v", ir)
	}
	cv := s.Steps[5]
	if v, ok := cv.Payload.Get("constraint"); !ok || v != nil {
		t.Errorf("null removes a field: %v", cv.Payload)
	}
	nested, _ := cv.Extra.Get("nested")
	if p, ok := nested.(emitter.Payload); !ok || len(p) != 1 {
		t.Errorf("extra keeps nested mappings in order: %#v", nested)
	}
	last := s.Steps[8]
	if *last.Sequence != 40 || last.Severity != emitter.SeverityWarn || last.Skew != -10*time.Minute || !last.Faults.Duplicate || !last.Faults.Tamper {
		t.Errorf("overrides and faults: %+v", last)
	}
	if raw := s.Steps[7]; string(raw.Faults.Raw) != "not json" || raw.Expect != Expect4xx || raw.Faults.MAC != forgery.None {
		t.Errorf("raw step: %+v", raw)
	}
	// 1+1+1+1+3+1+1+1+1 events, the last one duplicated.
	if s.Len() != 12 {
		t.Errorf("Len = %d, want 12", s.Len())
	}
	if s.Duration() != 21500*time.Millisecond {
		t.Errorf("Duration = %v, want 21.5s", s.Duration())
	}
}

// TestParsePayloadValues checks every string field of the catalog: a
// field with Values takes only those, one with Examples (or neither) takes
// any string, since the examples are what the emitter draws from, not all
// that WMS may send.
func TestParsePayloadValues(t *testing.T) {
	checked := 0
	for _, ev := range emitter.Events() {
		for _, f := range ev.Fields {
			if f.Kind != emitter.KindString {
				continue
			}
			step := func(v string) string {
				return header + "  - MEASUREMENT_CREATED\n  - event: " + ev.Name + "\n    payload: {" + f.Name + ": " + v + "}\n"
			}
			for _, v := range append(f.Values, f.Examples...) {
				if _, err := Parse("ok.yaml", []byte(step(v))); err != nil {
					t.Errorf("%s.%s = %s: %v", ev.Name, f.Name, v, err)
				}
			}
			_, err := Parse("other.yaml", []byte(step("SOMETHING_ELSE")))
			switch {
			case len(f.Values) > 0 && (err == nil || !strings.Contains(err.Error(), "payload."+f.Name+": want one of "+strings.Join(f.Values, ", "))):
				t.Errorf("%s.%s lists its values: want SOMETHING_ELSE refused, got %v", ev.Name, f.Name, err)
			case len(f.Values) == 0 && err != nil:
				t.Errorf("%s.%s has examples, not a closed list: want SOMETHING_ELSE accepted, got %v", ev.Name, f.Name, err)
			}
			checked++
		}
	}
	if checked < 5 { // state, constraint, errorCode, two details
		t.Errorf("checked %d string fields", checked)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte("steps:\n  - WMS_LOADD\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2:5: unknown event") {
		t.Errorf("Load names the file in errors, got %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file wraps fs.ErrNotExist, got %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("steps: ["+strings.Repeat("WMS_LOADED, ", maxFileSize/12+1)+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "the file is over") {
		t.Errorf("an oversized file is refused, got %v", err)
	}
}

// limitError parses src and checks that it fails with exactly one error,
// at pos ("LINE:COL"), whose message contains msg.
func limitError(t *testing.T, src, pos, msg string) {
	t.Helper()
	_, err := Parse("limit.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	if len(es) != 1 || !strings.HasPrefix(es[0].Error(), "limit.yaml:"+pos+": ") || !strings.Contains(es[0].Msg, msg) {
		t.Errorf("want one error limit.yaml:%s: ...%s..., got:\n%v", pos, msg, err)
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("payload values", func(t *testing.T) {
		limitError(t, "steps:\n  - {event: WMS_LOADED, extra: {v: ["+strings.Repeat("1, ", maxValueNodes)+"]}}\n",
			"2:"+strconv.Itoa(37+3*(maxValueNodes-1)), "payload values are too large")
	})
	t.Run("events", func(t *testing.T) {
		many := "steps:\n" + strings.Repeat("  - {event: WMS_LOADED, repeat: 1000}\n", 11)
		limitError(t, many, "12:5", "the scenario makes over 10000 events by this step")
	})
	t.Run("requests", func(t *testing.T) {
		many := "steps:\n" + strings.Repeat("  - {event: WMS_LOADED, repeat: 1000, duplicate: true}\n", 6)
		limitError(t, many, "7:5", "the scenario sends over 10000 requests by this step")
	})
	t.Run("clock", func(t *testing.T) {
		limitError(t, "steps:\n  - WMS_LOADED\n  - {event: CONFIGURATION_LOADED, after: 24h, repeat: 8}\n", "3:5", "the session's clock passes 168h0m0s")
	})
	t.Run("bodies", func(t *testing.T) {
		big := "steps:\n  - {event: FUTURE, custom: true, repeat: 1000, extra: {v: \"" + strings.Repeat("\\x01", 20000) + "\"}}\n"
		limitError(t, big, "2:5", "the scenario's bodies add up to over 16 MiB")
	})
	t.Run("fields of a step", func(t *testing.T) {
		var keys []string
		for i := range maxStepFields + 1 {
			keys = append(keys, "k"+strconv.Itoa(i)+": 1")
		}
		limitError(t, "steps:\n  - {event: FUTURE, custom: true, extra: {"+strings.Join(keys, ", ")+"}}\n", "2:5", "the step sets 65 payload fields: at most 64")
	})
	t.Run("nested aliases", func(t *testing.T) {
		// Aliases of aliases a few levels deep stand for millions of nodes.
		bomb := "x:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		src := bomb + "steps:\n  - event: WMS_LOADED\n    extra: {v: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]}\n"
		// Each *d is 11111 nodes: with the 12330 of the aliases above, the
		// 8th passes 100000.
		limitError(t, src, "8:45", "aliases here expand the file by over 100000 YAML nodes or 1 MiB of text")
	})
	t.Run("aliased steps with many problems", func(t *testing.T) {
		var keys []string
		for i := range 1000 {
			keys = append(keys, "k"+strconv.Itoa(i)+": 1")
		}
		src := "steps:\n  - &a {event: WMS_LOADED, " + strings.Join(keys, ", ") + "}\n" + strings.Repeat("  - *a\n", 1000)
		// An alias of the step stands for its 2003 nodes: the 50th passes 100000.
		limitError(t, src, "52:5", "aliases here expand the file")
	})
	t.Run("alias inside its anchor", func(t *testing.T) {
		limitError(t, "steps: &s [WMS_LOADED, *s]\n", "1:24", "alias *s is inside the anchor &s it names")
	})
}

// TestParseAliasedDropBomb is a 9 KB file that once planned 1.3 million
// dropped events: an anchored step with repeat: 1000, aliased again and
// again. The limit must stop it before the plan grows, at the entry that
// passes it, with little memory.
func TestParseAliasedDropBomb(t *testing.T) {
	src := "name: bomb\nsteps:\n  - &a {event: WMS_LOADED, repeat: 1000, drop: true}\n" + strings.Repeat("  - *a\n", 1300)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	limitError(t, src, "13:5", "the scenario makes over 10000 events by this step, dropped ones included")
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("parsing took %d MB", alloc>>20)
	}
}

// TestParseErrorCap checks that a file with a great many problems lists
// the first hundred and says that more follow, so that a broken file
// cannot flood a terminal or exhaust memory.
func TestParseErrorCap(t *testing.T) {
	src := "steps:\n" + strings.Repeat("  - NOT_AN_EVENT\n", 150)
	_, err := Parse("many.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	if len(es) != maxErrors+1 || es[maxErrors-1].Line != maxErrors+1 {
		t.Fatalf("%d errors, the last listed problem on line %d; want %d and line %d", len(es), es[maxErrors-1].Line, maxErrors+1, maxErrors+1)
	}
	if got := es[maxErrors].Error(); got != "many.yaml:102:5: checking stopped after 100 problems: fix the ones above and check again" {
		t.Errorf("last line %q", got)
	}
	// A problem inside an anchored step is reported once, at the anchor.
	_, err = Parse("alias.yaml", []byte("steps:\n  - &a {event: WMS_LOADED, aftr: 1s}\n  - *a\n  - *a\n"))
	if !errors.As(err, &es) || len(es) != 1 || !strings.HasPrefix(es[0].Error(), "alias.yaml:2:28: unknown key \"aftr\"") {
		t.Errorf("want one error at the anchor, got %v", err)
	}
}
