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
