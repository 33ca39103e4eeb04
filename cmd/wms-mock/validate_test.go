package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "name: good\nsteps:\n  - WMS_LOADED\n  - {event: CONFIGURATION_LOADED, after: 2s, duplicate: true}\n")
	write(bad, "name: bad\nstepz: []\nsteps:\n  - event: MEASURMENT_CREATED\n  - {event: WMS_LOADED, after: 5 s}\n")

	r := runBinary(t, nil, "", "validate", good)
	if r.code != exitOK || r.stdout != good+": ok (good: 2 steps, 3 deliveries over 2s)\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}

	r = runBinary(t, nil, "", "validate", "happy-path")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "happy-path: ok (happy-path: ") {
		t.Errorf("a built-in name: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, nil, "", "validate", "happy-path.yaml")
	if r.code != exitUsage || !strings.Contains(r.stderr, "drop the .yaml") {
		t.Errorf("a built-in name with .yaml: exit %d, stderr %q", r.code, r.stderr)
	}

	r = runBinary(t, nil, "", "validate", good, bad)
	want := []string{
		good + ": ok (good: 2 steps, 3 deliveries over 2s)",
		bad + `:2:1: unknown key "stepz" in the scenario: did you mean "steps"? (known keys: name, description, tags, session, steps)`,
		bad + `:4:12: unknown event "MEASURMENT_CREATED": did you mean MEASUREMENT_CREATED or MEASUREMENT_STARTED? ('wms-mock list' shows all 21); custom: true sends a name outside the catalog on purpose`,
		bad + `:5:32: after: bad duration "5 s": write a number and a unit, like 5s, 1.5s, 250ms or 1m30s`,
		"1 of 2 files invalid",
	}
	if r.code != exitFail || r.stdout != strings.Join(want, "\n")+"\n" {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s", r.code, r.stdout, strings.Join(want, "\n"))
	}

	r = runBinary(t, nil, "", "validate", filepath.Join(dir, "missing.yaml"), good)
	if r.code != exitUsage || !strings.Contains(r.stderr, "missing.yaml: no such file") || !strings.Contains(r.stdout, "good.yaml: ok") {
		t.Errorf("an unreadable file is exit 2 and the others are still checked: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	if r := runBinary(t, nil, "", "validate"); r.code != exitUsage || !strings.Contains(r.stderr, "name at least one scenario file") {
		t.Errorf("no file: exit %d, %q", r.code, r.stderr)
	}
}

// TestValidateDir: a directory is every .yaml and .yml file below it, in
// name order, hidden files and directories left out; a directory with
// none is one line and exit 2.
func TestValidateDir(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ok, bad := "steps: [WMS_LOADED]\n", "steps: [WMS_LOADD]\n"
	write("b.yaml", ok)
	write("a/z.yml", ok)
	write("a/deep/c.YAML", bad)
	write("notes.txt", bad)
	write(".git/x.yaml", bad)
	write(".hidden.yaml", bad)
	write("empty/README", "")
	r := runBinary(t, nil, "", "validate", dir)
	want := []string{
		filepath.Join(dir, "a/deep/c.YAML") + `:1:9: unknown event "WMS_LOADD"`,
		filepath.Join(dir, "a/z.yml") + ": ok (z: 1 steps, 1 deliveries over 0s)",
		filepath.Join(dir, "b.yaml") + ": ok (b: 1 steps, 1 deliveries over 0s)",
		"1 of 3 files invalid",
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitFail || len(lines) != len(want) {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", r.code, r.stdout, strings.Join(want, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to start %q", i+1, lines[i], w)
		}
	}

	empty := filepath.Join(dir, "empty")
	r = runBinary(t, nil, "", "validate", empty, filepath.Join(dir, "b.yaml"))
	if wantErr := "wms-mock validate: " + empty + " holds no .yaml or .yml file (hidden files and directories are left out)\n"; r.code != exitUsage || r.stderr != wantErr || !strings.Contains(r.stdout, "b.yaml: ok") {
		t.Errorf("a directory without scenarios: exit %d, stderr %q, stdout %q; want exit 2, %q, and the other file checked", r.code, r.stderr, r.stdout, wantErr)
	}
}

// TestValidateReportsEveryProblemAtOnce: a tab, an unknown key in another
// step and a problem of the whole session, in one run; and past a syntax
// error that hides the rest, the problems before it and a message that
// says the rest cannot be read.
func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	layers := filepath.Join(dir, "layers.yaml")
	cut := filepath.Join(dir, "cut.yaml")
	os.WriteFile(layers, []byte("name: layers\nsteps:\n  - event: WMS_LOADED\n\tafter: 1s\n  - event: CONFIGURATION_LOADED\n    colour: red\n  - {event: CAMERA_STARTED, reorder: true}\n"), 0o600)
	os.WriteFile(cut, []byte("name: cut\nsteps:\n  - WMS_LOADD\n  - event: CONFIGURATION_LOADED\n    after: 1s: 2\n  - WMS_LOADD\n"), 0o600)
	r := runBinary(t, nil, "", "validate", layers, cut)
	for _, want := range []string{
		layers + ":4:1: a tab: YAML indents with spaces only; replace the tab with spaces\n",
		layers + `:6:5: unknown key "colour" in a step`,
		layers + ":7:29: reorder: no later step is sent to swap with: add one after this step\n",
		cut + `:3:5: unknown event "WMS_LOADD"`,
		cut + ":5:1: YAML syntax: mapping values are not allowed in this context: the rest of the file cannot be read past line 5\n",
		"2 of 2 files invalid\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "\n"); r.code != exitFail || n != 6 {
		t.Errorf("exit %d, %d lines, want exit 1 and 6 lines:\n%s", r.code, n, r.stdout)
	}
}

// TestValidateLibrary runs validate on the built-in library's files, as a
// QA engineer would on a copy of them.
func TestValidateLibrary(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "library", "*.yaml"))
	if err != nil || len(files) < 12 {
		t.Fatalf("library files: %v, %v", files, err)
	}
	r := runBinary(t, nil, "", append([]string{"validate"}, files...)...)
	if r.code != exitOK || strings.Count(r.stdout, ": ok (") != len(files) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestValidateHostileFiles checks that small files built to make a huge
// plan or a huge walk get one clear FILE:LINE:COL error instead.
func TestValidateHostileFiles(t *testing.T) {
	dir := t.TempDir()
	drops := filepath.Join(dir, "drops.yaml")
	// 9 KB: an anchored step of 1000 dropped events, aliased 1300 times.
	src := "name: drops\nsteps:\n  - &a {event: WMS_LOADED, repeat: 1000, drop: true}\n" + strings.Repeat("  - *a\n", 1300)
	if err := os.WriteFile(drops, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, "", "validate", drops)
	want := drops + ":13:5: the scenario makes over 10000 events by this step, dropped ones included: split it into smaller scenarios\n1 of 1 files invalid\n"
	if r.code != exitFail || r.stdout != want {
		t.Errorf("exit %d, stdout %q; want exit 1 and %q", r.code, r.stdout, want)
	}

	keys := filepath.Join(dir, "keys.yaml")
	// An anchored step with 1000 unknown keys, aliased 1000 times: a
	// million problems if each alias were walked.
	var b strings.Builder
	b.WriteString("steps:\n  - &a {event: WMS_LOADED")
	for i := range 1000 {
		fmt.Fprintf(&b, ", k%d: 1", i)
	}
	b.WriteString("}\n" + strings.Repeat("  - *a\n", 1000))
	if err := os.WriteFile(keys, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, nil, "", "validate", keys)
	want = keys + ":52:5: aliases here expand the file by over 100000 YAML nodes or 1 MiB of text: write the steps out or split the scenario\n1 of 1 files invalid\n"
	if r.code != exitFail || r.stdout != want {
		t.Errorf("exit %d, stdout %.300q; want exit 1 and %q", r.code, r.stdout, want)
	}
}
