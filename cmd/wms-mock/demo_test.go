package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

func TestDemoRunsEverythingAgainstTheReferenceReceiver(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	r := runBinary(t, nil, "", "demo", "--events", events)
	if r.code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"happy-path", "websocket-reconnect",
		"(21 of the 21 documented)",
		"contract findings on the journeys: none",
		"0 must failed",
		"verdict: ok",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "  FAILED") || strings.Contains(r.stdout, ": FAILED") {
		t.Errorf("demo reports a failure:\n%s", r.stdout)
	}

	f, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Envelope json.RawMessage `json:"envelope"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("events file line %d: %v", lines+1, err)
		}
		env := testkit.Decode(t, line.Envelope)
		key := env.SessionID + "/" + strconv.FormatInt(env.Sequence, 10)
		if seen[key] {
			t.Errorf("event %s stored twice", key)
		}
		seen[key] = true
		lines++
	}
	if lines < 163 {
		t.Errorf("events file holds %d events, the journeys alone send 163", lines)
	}
}

func TestDemoUsage(t *testing.T) {
	if r := runBinary(t, nil, "", "demo", "extra"); r.code != 2 || !strings.Contains(r.stderr, "takes flags only") {
		t.Errorf("demo with an argument: %+v", r)
	}
	if r := runBinary(t, nil, "", "demo", "--help"); r.code != 0 || !strings.Contains(r.stdout, "reference receiver") {
		t.Errorf("demo --help: %+v", r)
	}
}
