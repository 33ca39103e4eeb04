package scenarios

import (
	"strings"
	"testing"
)

// problems parses src and returns its errors, one "LINE:COL: message" a
// line, or "" when it parses.
func problems(t *testing.T, src string) string {
	t.Helper()
	_, err := Parse("f.yaml", []byte(src))
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(strings.TrimPrefix(err.Error(), "f.yaml:"), "\nf.yaml:", "\n")
}

// TestOnePassFindsEveryLayer: a tab (a YAML syntax error), an unknown key
// in another step and a problem of the whole session are reported
// together, each where it is, so that the file is fixed in one pass.
func TestOnePassFindsEveryLayer(t *testing.T) {
	src := header +
		"  - event: WMS_LOADED\n" +
		"\tafter: soon\n" + // line 5: a tab, and after it a bad duration
		"  - event: CONFIGURATION_LOADED\n" +
		"    colour: red\n" + // line 7
		"  - {event: CAMERA_PERMISSION_GRANTED, reorder: true}\n" // line 8: nothing to swap with
	want := strings.Join([]string{
		"5:1: " + tabMsg,
		`5:9: after: bad duration "soon": write a number and a unit, like 5s, 1.5s, 250ms or 1m30s`,
		`7:5: unknown key "colour" in a step (known keys: ` + strings.Join(stepKeyNames, ", ") + ")",
		"8:40: reorder: no later step is sent to swap with: add one after this step",
	}, "\n")
	if got := problems(t, src); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestReadPastRefusedCharacters: a tab, a run of tabs, or an @ or ` that
// starts a value is reported and the file read on past it; positions after
// a tab on its line are the file's own; the value an @ starts is not
// judged, since the loader read another one in its place.
func TestReadPastRefusedCharacters(t *testing.T) {
	unknown := `unknown event "WMS_LOADD": did you mean WMS_LOADED? ('wms-mock list' shows all 21); custom: true sends a name outside the catalog on purpose`
	cases := []struct{ name, src, want string }{
		{"tabs on every line", "name: t\nsteps:\n\t\t- WMS_LOADD\n\t\t- WMS_LOADED\n",
			"3:1: " + tabMsg + "\n3:5: " + unknown + "\n4:1: " + tabMsg},
		{"tabs under payload", header + "  - event: WMS_LOADED\n    payload:\n\t\tfoo: 1\n",
			"6:1: " + tabMsg + "\n6:3: WMS_LOADED carries no payload, so \"foo\" is not one of its fields: put it under extra: to send it on purpose"},
		{"a tab on the first line", "\tname: t\nsteps: [WMS_LOADD]\n",
			"1:1: " + tabMsg + "\n2:9: " + unknown},
		{"@ starting a value", header + "  - event: '@ok'\n  - event: @WMS_LOADED\n  - WMS_LOADD\n",
			"4:12: unknown event \"@ok\": 'wms-mock list' shows the 21 known events; custom: true sends a name outside the catalog on purpose" +
				"\n5:12: YAML syntax: a plain value cannot start with @: quote it, like \"@WMS_LOADED\"\n6:5: " + unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problems(t, c.src); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestSyntaxErrorInTheMiddle: past a syntax error that no replacement gets
// past, the problems before it are still reported, the message says that
// the rest cannot be read, and nothing is made up from the unfinished
// step the error cuts (nor from the steps the cut leaves out).
func TestSyntaxErrorInTheMiddle(t *testing.T) {
	src := "name: t\nsteps:\n" +
		"  - WMS_LOADD\n" + // line 3: reported
		"  - {event: CONFIGURATION_LOADED, reorder: true}\n" + // the step it swaps with is past the error
		"  - event: MEASUREMENT_CREATED\n" +
		"  - event: INTERMEDIATE_RESULTS\n" +
		"    each:\n" +
		"      snr: [1, 2, 3]\n" +
		"    repeat: 3\n" +
		"    after: 1s: 2\n" + // line 10: the syntax error
		"  - WMS_LOADD\n"
	want := `3:5: unknown event "WMS_LOADD"`
	got := problems(t, src)
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], want) ||
		lines[1] != "10:1: YAML syntax: mapping values are not allowed in this context: the rest of the file cannot be read past line 10" {
		t.Errorf("got\n%s\nwant the problem on line 3, then the syntax error on line 10 and that the rest cannot be read", got)
	}

	// With no step before it, the scenario's own keys are still checked.
	got = problems(t, "name: happy path\nsteps:\n  - event: WMS_LOADED\n    after: 1s: 2\n")
	if want := "1:7: name \"happy path\": use letters, digits, '-', '_' and '.' only, so it can be typed on a command line\n" +
		"4:1: YAML syntax: mapping values are not allowed in this context: the rest of the file cannot be read past line 4"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestSyntaxErrorWithNoPartialTree: when yaml.v3 reads nothing before the
// error either (the whole file is one unfinished flow mapping), the
// message says that nothing before it could be checked.
func TestSyntaxErrorWithNoPartialTree(t *testing.T) {
	got := problems(t, "{name: t,\n steps: [WMS_LOADD],\n  bad: [}\n")
	want := "2:1: YAML syntax: did not find expected node content: the file cannot be read past line 2, and nothing before it could be checked: fix this and check again"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestWholeSessionChecksBesideStepProblems: the checks of the whole
// session run even when steps have problems of their own.
func TestWholeSessionChecksBesideStepProblems(t *testing.T) {
	got := problems(t, header+"  - WMS_LOADD\n  - {event: WMS_LOADED, reorder: true}\n")
	if !strings.HasPrefix(got, `4:5: unknown event "WMS_LOADD"`) || !strings.HasSuffix(got, "\n5:25: reorder: no later step is sent to swap with: add one after this step") {
		t.Errorf("got\n%s", got)
	}
}
