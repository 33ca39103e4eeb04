package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

func TestDemoRunsEverythingAgainstTheReferenceReceiver(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	tmp := t.TempDir()
	r := runBinary(t, []string{"TMPDIR=" + tmp}, "", "demo", "--events", events)
	if r.code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"happy-path", "websocket-reconnect",
		"(21 of the 21 documented)",
		"contract findings on the journeys: none",
		"then 303 to the callback with results",
		"for the webhooks' measurement: ok",
		"mock WMS round trip: ok",
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

	if lines := storedOnce(t, events); lines < 163 {
		t.Errorf("events file holds %d events, the journeys alone send 163", lines)
	}
	// The suite's HTML report, where --html-report's default puts it.
	page := filepath.Join(tmp, "wms-mock-report.html")
	if !strings.Contains(r.stdout, "The conformance report, to open in a browser: "+page+"\n") {
		t.Errorf("demo does not print the report's path %s:\n%s", page, r.stdout)
	}
	if p := readHTML(t, page); p.verdict != "PASS" || len(p.verdicts) != 35 {
		t.Errorf("the demo's HTML report: verdict %q, %d specs", p.verdict, len(p.verdicts))
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "wms-mock-report-*")); len(left) > 0 {
		t.Errorf("demo left temporary files behind: %v", left)
	}
}

// TestDemoHTMLReport: --html-report puts the page where it says; a path
// that cannot be written stops the demo with one line, before anything
// is sent.
func TestDemoHTMLReport(t *testing.T) {
	page := filepath.Join(t.TempDir(), "reports", "demo.html")
	r := runBinary(t, nil, "", "demo", "--html-report", page)
	if r.code != exitOK || !strings.Contains(r.stdout, "to open in a browser: "+page) {
		t.Fatalf("demo --html-report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	readHTML(t, page)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, nil, "", "demo", "--html-report", filepath.Join(file, "demo.html"))
	if r.code != exitUsage || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "cannot write the report") {
		t.Errorf("an unwritable --html-report: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// storedOnce returns how many events the events file holds, failing t
// when one (session, sequence) is stored twice.
func storedOnce(t *testing.T, events string) int {
	t.Helper()
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
	return lines
}

// TestDemoTwiceOnTheSameEventsFile: a second demo on the events file of a
// first one sends new sessions (the same --seed, fresh session IDs), so
// the receiver, reading the first run's events back, sees no redelivery
// that changed, and the demo passes again, judging its own journeys only.
func TestDemoTwiceOnTheSameEventsFile(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	env := []string{"TMPDIR=" + t.TempDir()}
	first := runBinary(t, env, "", "demo", "--events", events)
	if first.code != exitOK {
		t.Fatalf("first demo: exit %d\n%s%s", first.code, first.stdout, first.stderr)
	}
	n := storedOnce(t, events)
	second := runBinary(t, env, "", "demo", "--events", events)
	if second.code != exitOK || !strings.Contains(second.stdout, "verdict: ok") {
		t.Fatalf("second demo: exit %d\n%s%s", second.code, second.stdout, second.stderr)
	}
	if strings.Contains(second.stdout, "with a changed body") || !strings.Contains(second.stdout, "contract findings on the journeys: none") {
		t.Errorf("the second demo reports changed redeliveries or findings:\n%s", second.stdout)
	}
	if want := fmt.Sprintf("(and %d read back from the events file)", n); !strings.Contains(second.stdout, want) {
		t.Errorf("the second demo should say it read the first run's events back, %q:\n%s", want, second.stdout)
	}
	if got := storedOnce(t, events); got != 2*n {
		t.Errorf("the events file holds %d events after two demos, want %d", got, 2*n)
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
