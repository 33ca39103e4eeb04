package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// captureJourney records two built-in journeys with the real receiver,
// as a customer captures real traffic, and returns the events file and
// each captured body in arrival order.
func captureJourney(t *testing.T) (string, [][]byte) {
	t.Helper()
	events := filepath.Join(t.TempDir(), "capture.jsonl")
	p := startReceive(t, "--events", events)
	r := runBinary(t, []string{"WMS_MAC_SECRET=" + receiveSecret}, "", "run", "happy-path", "low-snr", "--url", p.url+"/webhook")
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if code := p.stop(t, syscall.SIGTERM); code != exitOK {
		t.Fatalf("receive exited %d", code)
	}
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var rec struct {
			Envelope json.RawMessage `json:"envelope"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("events file line %q: %v", line, err)
		}
		bodies = append(bodies, rec.Envelope)
	}
	return events, bodies
}

func TestReplayResignsTheSameBytesInOrder(t *testing.T) {
	events, captured := captureJourney(t)
	const staging = "staging-secret-for-replay"
	rec := testkit.NewReceiver(t, testkit.Signer(t, staging))
	r := runBinary(t, []string{"WMS_MAC_SECRET=" + staging}, "", "replay", events, "--url", rec.URL)
	if r.code != exitOK {
		t.Fatalf("replay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := rec.Deliveries()
	if len(got) != len(captured) || rec.BadMACs() != 0 {
		t.Fatalf("the staging receiver got %d deliveries (%d bad MACs), the capture has %d", len(got), rec.BadMACs(), len(captured))
	}
	for i, d := range got {
		if !bytes.Equal(d.Body, captured[i]) {
			t.Fatalf("delivery %d differs from the capture:\n got %s\nwant %s", i, d.Body, captured[i])
		}
	}
	if strings.Contains(r.stdout+r.stderr, staging) || strings.Contains(r.stdout+r.stderr, receiveSecret) {
		t.Error("a secret appears in replay's output")
	}
}

func TestReplayFreshAndSessionSelection(t *testing.T) {
	events, captured := captureJourney(t)
	first := testkit.Decode(t, captured[0]).SessionID
	rec := testkit.NewReceiver(t, testkit.Signer(t))
	r := runBinary(t, []string{"WMS_MAC_SECRET=" + testkit.Secret}, "", "replay", events, "--url", rec.URL, "--session", first, "--fresh")
	if r.code != exitOK {
		t.Fatalf("replay --fresh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sessions := rec.Sessions()
	if len(sessions) != 1 {
		t.Fatalf("--session picked %d sessions, want 1", len(sessions))
	}
	for id, evs := range sessions {
		if id == first {
			t.Error("--fresh kept the captured session ID")
		}
		var want []string
		for _, b := range captured {
			if e := testkit.Decode(t, b); e.SessionID == first {
				want = append(want, e.Event)
			}
		}
		var names []string
		for _, e := range evs {
			names = append(names, e.Event)
		}
		if !slices.Equal(names, want) {
			t.Errorf("fresh replay sent %v, the session captured %v", names, want)
		}
	}
	unknown := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "replay", events, "--url", rec.URL, "--session", "nosuch")
	if unknown.code != exitUsage || !strings.Contains(unknown.stderr, "nosuch") {
		t.Errorf("an unknown session: exit %d, %q", unknown.code, unknown.stderr)
	}
}

func TestReplaySkipsBadLinesAndSaysWhere(t *testing.T) {
	events, captured := captureJourney(t)
	data, _ := os.ReadFile(events)
	damaged := filepath.Join(t.TempDir(), "damaged.jsonl")
	junk := append(append(append([]byte("not an event\n"), data...), `{"timestamp":1,"sequence":0,"event":"WMS_LOADED","severity":"INFO"}`+"\n"...), `{"receivedAt":"2026-`...)
	os.WriteFile(damaged, junk, 0o644)
	rec := testkit.NewReceiver(t, testkit.Signer(t))
	r := runBinary(t, []string{"WMS_MAC_SECRET=" + testkit.Secret}, "", "replay", damaged, "--url", rec.URL)
	if r.code != exitFail {
		t.Errorf("replay of a damaged capture: exit %d, want 1", r.code)
	}
	lines := len(captured) + 3
	for _, want := range []string{damaged + ":1:", damaged + ":" + strconv.Itoa(lines-1) + ":", damaged + ":" + strconv.Itoa(lines) + ":", "(line skipped)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if n := len(rec.Deliveries()); n != len(captured) {
		t.Errorf("%d events replayed, want the %d good ones", n, len(captured))
	}
}

func TestScenarioFromEventsReproducesTheSession(t *testing.T) {
	events, captured := captureJourney(t)
	first := testkit.Decode(t, captured[0]).SessionID
	out := filepath.Join(t.TempDir(), "regression.yaml")
	r := runBinary(t, nil, "", "scenario", "from-events", events, "--session", first, "-o", out)
	if r.code != exitOK {
		t.Fatalf("from-events: exit %d\n%s", r.code, r.stderr)
	}
	if v := runBinary(t, nil, "", "validate", out); v.code != exitOK {
		t.Fatalf("validate of the written scenario: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	rec := testkit.NewReceiver(t, testkit.Signer(t))
	if run := runBinary(t, []string{"WMS_MAC_SECRET=" + testkit.Secret}, "", "run", out, "--url", rec.URL); run.code != exitOK {
		t.Fatalf("run of the written scenario: exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
	var want, got []string
	for _, b := range captured {
		if e := testkit.Decode(t, b); e.SessionID == first {
			want = append(want, e.Event+"#"+strconv.Itoa(int(e.Sequence)))
		}
	}
	for _, evs := range rec.Sessions() {
		for _, e := range evs {
			got = append(got, e.Event+"#"+strconv.Itoa(int(e.Sequence)))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the scenario sent %v, the capture had %v", got, want)
	}
	if r := runBinary(t, nil, "", "scenario", "from-events", events); r.code != exitUsage || !strings.Contains(r.stderr, "--session") {
		t.Errorf("without --session: exit %d, %q", r.code, r.stderr)
	}
}
