package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

func TestList(t *testing.T) {
	builtin := scenarios.Builtin()
	r := runBinary(t, nil, "", "list")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	scen, events, found := strings.Cut(r.stdout, "Events (21):")
	if !found || !strings.HasPrefix(scen, "Scenarios (") {
		t.Fatalf("want the scenarios, then the 21 events:\n%s", r.stdout)
	}
	for _, s := range builtin {
		line := ""
		for _, l := range strings.Split(scen, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == s.Name {
				line = l
			}
		}
		if !strings.Contains(line, strings.Join(s.Tags, ",")) || !strings.HasSuffix(line, s.Description) {
			t.Errorf("%s: want a line with its tags and description, got %q", s.Name, line)
		}
	}
	for _, e := range emitter.Events() {
		if !strings.Contains(events, e.Name) {
			t.Errorf("event %s missing", e.Name)
		}
	}

	r = runBinary(t, nil, "", "list", "--json")
	var out struct {
		Scenarios []struct {
			Name        string   `json:"name"`
			Description string   `json:"description"`
			Tags        []string `json:"tags"`
			Deliveries  int      `json:"deliveries"`
		} `json:"scenarios"`
		Events []struct {
			Name    string `json:"name"`
			Payload []struct {
				Name         string   `json:"name"`
				Values       []string `json:"values"`
				Examples     []string `json:"examples"`
				Undocumented bool     `json:"undocumented"`
			} `json:"payload"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != exitOK {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if len(out.Scenarios) != len(builtin) || len(out.Events) != 21 {
		t.Fatalf("%d scenarios and %d events, want %d and 21", len(out.Scenarios), len(out.Events), len(builtin))
	}
	for i, s := range builtin {
		got := out.Scenarios[i]
		if got.Name != s.Name || got.Description != s.Description || strings.Join(got.Tags, ",") != strings.Join(s.Tags, ",") || got.Deliveries != s.Len() {
			t.Errorf("scenario %d: %+v, want %s", i, got, s.Name)
		}
	}

	for i, e := range emitter.Events() {
		got := out.Events[i]
		if got.Name != e.Name || len(got.Payload) != len(e.Fields) {
			t.Fatalf("event %d: %+v, want %s with %d fields", i, got, e.Name, len(e.Fields))
		}
		for j, f := range e.Fields {
			g := got.Payload[j]
			if g.Name != f.Name || strings.Join(g.Values, ",") != strings.Join(f.Values, ",") || strings.Join(g.Examples, ",") != strings.Join(f.Examples, ",") || g.Undocumented != f.Undocumented {
				t.Errorf("%s.%s: %+v, want values %v, examples %v, undocumented %v", e.Name, f.Name, g, f.Values, f.Examples, f.Undocumented)
			}
		}
	}
	if !strings.Contains(events, "errorCode*") || !strings.Contains(events, "constraint*") {
		t.Errorf("the keys wms-mock names are marked with *:\n%s", events)
	}

	if r := runBinary(t, nil, "", "list", "happy-path", "low-snr"); r.code != exitUsage || !strings.Contains(r.stderr, "list prints one scenario at a time") {
		t.Errorf("two names: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestListName: 'list NAME' prints a built-in scenario's YAML exactly as
// the binary holds it, to copy; what it prints validates; an unknown name
// is one line with the close names, exit 2; 'show' points to list.
func TestListName(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "library", "low-snr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, "", "list", "low-snr")
	if r.code != exitOK || r.stdout != string(want) || r.stderr != "" {
		t.Fatalf("list low-snr: exit %d, stderr %q, stdout differs from the library file: %v", r.code, r.stderr, r.stdout != string(want))
	}
	copied := filepath.Join(t.TempDir(), "my-case.yaml")
	if err := os.WriteFile(copied, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, nil, "", "validate", copied); r.code != exitOK {
		t.Errorf("the copy does not validate: %s%s", r.stdout, r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "low-sn"}, `wms-mock list: unknown scenario "low-sn": did you mean low-snr? ('wms-mock list' shows the built-in scenarios)`},
		{[]string{"list", "zzzz"}, `wms-mock list: unknown scenario "zzzz": not a built-in name`},
		{[]string{"list", "low-snr", "--json"}, "--json lists every scenario: leave out NAME, or drop --json"},
		{[]string{"show", "low-snr"}, `unknown command "show": did you mean list?`},
	} {
		r := runBinary(t, nil, "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}
