package main

import (
	"encoding/json"
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

	if r := runBinary(t, nil, "", "list", "extra"); r.code != exitUsage {
		t.Errorf("an argument is a usage error, got exit %d", r.code)
	}
}
