package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/internal/testnet"
	"github.com/wmsmock/wms-mock/scenarios"
)

// scenarioGoldenSecret, with --seed 42 --start-time 1700000000, made the files in
// scenarios/testdata/golden.
const scenarioGoldenSecret = "wms-mock golden secret"

// newWireRecorder starts a correct receiver: 401 for a bad MAC, 400 for a
// body that is not a JSON object, 200 otherwise.
func newWireRecorder(t *testing.T, secret string) (*testkit.Receiver, string) {
	t.Helper()
	rec := testkit.NewReceiver(t, testkit.Signer(t, secret), testkit.WithStatus(func(d testkit.Delivery) int {
		var obj map[string]any
		switch {
		case !d.Verified:
			return http.StatusUnauthorized
		case json.Unmarshal(d.Body, &obj) != nil:
			return http.StatusBadRequest
		}
		return http.StatusOK
	}))
	return rec, rec.URL
}

// wire is every request rec got in the golden files' format: MAC header
// line, body, blank line.
func wire(rec *testkit.Receiver) []byte {
	var b bytes.Buffer
	for _, d := range rec.Deliveries() {
		if mac := d.Header.Get(emitter.HeaderMAC); mac != "" {
			fmt.Fprintf(&b, "%s: %s\n", emitter.HeaderMAC, mac)
		}
		b.Write(d.Body)
		b.WriteString("\n\n")
	}
	return b.Bytes()
}

func assertNoSecret(t *testing.T, r cliResult, secret string) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Error("the secret appears in the output")
	}
}

// TestRunGolden checks that the binary sends, byte for byte, what the
// golden files hold for a seed, a start time and a session seed: the
// explicit means of sending the same bytes again, since session IDs are
// otherwise fresh on every run (TestRunSessionsAreFresh).
func TestRunGolden(t *testing.T) {
	for _, name := range []string{"happy-path", "edge-duplicate", "edge-reorder"} {
		t.Run(name, func(t *testing.T) {
			rec, url := newWireRecorder(t, scenarioGoldenSecret)
			r := runBinary(t, []string{"WMS_MAC_SECRET=" + scenarioGoldenSecret}, "", "run", name, "--url", url, "--seed", "42", "--start-time", "1700000000", "--session-seed", "42")
			if r.code != exitOK {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "testdata", "golden", name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			if got := wire(rec); !bytes.Equal(got, want) {
				t.Errorf("the receiver got other bytes than the golden file:\n%s", got)
			}
			if !strings.Contains(r.stdout, "--seed 42 --start-time 1700000000 --session-seed 42") {
				t.Errorf("the summary should say how to replay the run:\n%s", r.stdout)
			}
			assertNoSecret(t, r, scenarioGoldenSecret)
		})
	}
}

// TestRunJourneys plays every journey, as 'run' with no scenario does, and
// checks the report: one line per delivery and a summary, exit 0.
func TestRunJourneys(t *testing.T) {
	const secret = "journeys"
	rec, url := newWireRecorder(t, secret)
	r := runBinary(t, []string{"WMS_MAC_SECRET=" + secret, "WMS_WEBHOOK_URL=" + url}, "", "run", "--concurrency", "4")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	journeys := scenarios.Journeys()
	total := 0
	for _, s := range journeys {
		total += s.Len()
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	okLines := 0
	for _, l := range lines {
		if strings.HasSuffix(l, "  ok") {
			okLines++
		}
	}
	if n := len(rec.Deliveries()); okLines != total || n != total {
		t.Errorf("%d ok lines and %d requests, want %d of each:\n%s", okLines, n, total, r.stdout)
	}
	summary := fmt.Sprintf("%d scenarios, %d deliveries: %d passed, 0 failed", len(journeys), total, total)
	if !strings.Contains(lines[len(lines)-1], summary) {
		t.Errorf("last line %q, want it to start %q", lines[len(lines)-1], summary)
	}
	if !strings.Contains(r.stdout, "happy-path") || !strings.Contains(r.stdout, "INTERMEDIATE_RESULTS") || !strings.Contains(r.stdout, " 200 ") {
		t.Errorf("a delivery line names the scenario, event and status:\n%s", lines[0])
	}
}

// TestRunJSONAndFailure plays an edge case against a receiver that accepts
// everything: the tampered delivery must fail, with exit 1, and --json
// prints one object per delivery and a summary.
func TestRunJSONAndFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	r := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "run", "edge-tampered-body", "--url", srv.URL, "--json", "--seed", "3")
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFail, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var failed []map[string]any
	for i, l := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("line %d is not JSON: %q", i, l)
		}
		want := "delivery"
		if i == len(lines)-1 {
			want = "summary"
		}
		if obj["type"] != want {
			t.Errorf("line %d has type %v, want %s", i, obj["type"], want)
		}
		if obj["type"] == "delivery" && obj["passed"] == false {
			failed = append(failed, obj)
		}
	}
	if len(failed) != 1 || failed[0]["fault"] != "tampered" || failed[0]["expect"] != "4xx" || failed[0]["status"] != 200.0 || failed[0]["event"] != "CAMERA_PERMISSION_GRANTED" {
		t.Errorf("want exactly the tampered delivery failed, got %v", failed)
	}
	var summary map[string]any
	_ = json.Unmarshal([]byte(lines[len(lines)-1]), &summary)
	if summary["deliveries"] != 4.0 || summary["failed"] != 1.0 || summary["passed"] != 3.0 || summary["seed"] != 3.0 {
		t.Errorf("summary %v", summary)
	}

	text := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "run", "edge-tampered-body", "--url", srv.URL)
	if text.code != exitFail || !strings.Contains(text.stdout, "FAIL  (tampered; want 4xx, got 200)") || !strings.Contains(text.stdout, "FAIL: 1 delivery got an answer") {
		t.Errorf("exit %d, text report:\n%s", text.code, text.stdout)
	}
}

// TestRunUnreachable checks that a target nobody listens on stops the run
// at the first delivery with exit 2 and one line that says what is wrong,
// with any password in the URL hidden.
func TestRunUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "run", "--url", "http://"+addr+"/hook")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "cannot reach http://"+addr+"/hook: connection refused") {
		t.Errorf("want one line naming the URL and the cause, got %q", r.stderr)
	}
	if n := strings.Count(r.stdout, "FAIL  (want 2xx: connection refused"); n != 1 {
		t.Errorf("the run should stop at the first refused delivery, saw %d:\n%s", n, r.stdout)
	}

	r = runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "run", "happy-path", "--url", "http://hook-user:pa55word@"+addr+"/hook")
	if r.code != exitUsage || !strings.Contains(r.stderr, "cannot reach http://hook-user:xxxxx@"+addr+"/hook: connection refused") {
		t.Errorf("want the URL with its password hidden: exit %d, %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "pa55word") {
		t.Errorf("the URL's password appears in the output:\n%s%s", r.stdout, r.stderr)
	}
}

// TestRunConnectTimeout checks that a host that never takes the connection
// counts as unreachable: the run stops after the first delivery instead of
// waiting out --timeout for every one of them.
func TestRunConnectTimeout(t *testing.T) {
	url := testnet.SilentHostURL(t)
	r := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", "run", "happy-path", "edge-duplicate", "--url", url, "--timeout", "300ms")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "cannot reach "+url+": no connection within 300ms") {
		t.Errorf("want one line naming the URL and the cause, got %q", r.stderr)
	}
	if n := strings.Count(r.stdout, "connect_timeout"); n != 1 {
		t.Errorf("want the run stopped after the first delivery, saw %d attempts:\n%s", n, r.stdout)
	}
}

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nsteps:\n  - WMS_LOADD\n  - {event: CONFIGURATION_LOADED, after: 5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"WMS_MAC_SECRET=s3cret-value", "WMS_WEBHOOK_URL=http://127.0.0.1:9/"}
	cases := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string
	}{
		{"unknown scenario", env, []string{"run", "hapy-path"}, exitUsage, `unknown scenario "hapy-path": did you mean happy-path?`},
		{"missing file", env, []string{"run", filepath.Join(dir, "none.yaml")}, exitUsage, "no such file"},
		{"invalid file", env, []string{"run", bad}, exitFail, bad + ":3:5: unknown event \"WMS_LOADD\""},
		{"invalid file, every error", env, []string{"run", bad}, exitFail, bad + ":4:42: after: bad duration 5"},
		{"bad pace", env, []string{"run", "--pace", "slow"}, exitUsage, "want fast, realtime or xN"},
		{"bad concurrency", env, []string{"run", "--concurrency", "0"}, exitUsage, "--concurrency must be 1 or more"},
		{"zero timeout", env, []string{"run", "--timeout", "0"}, exitUsage, "wms-mock run: --timeout must be positive, got 0s (see 'wms-mock run --help')"},
		{"bad URL with a password", env, []string{"run", "--url", "ftp://hook-user:s3cret-value@example.com/hook"}, exitUsage, `"ftp://hook-user:xxxxx@example.com/hook": it must start with http://`},
		{"unreadable URL with a password", env, []string{"run", "--url", "http://hook-user:s3cret-value@host:port/"}, exitUsage, "bad webhook URL"},
		{"URL with a password, no scheme", env, []string{"run", "--url", "hook-user:s3cret-value@example.com/hook"}, exitUsage, `"xxxxx@example.com/hook"`},
		{"no secret", []string{"WMS_WEBHOOK_URL=http://127.0.0.1:9/"}, []string{"run", "happy-path"}, exitUsage, "no MAC secret"},
		{"no url", []string{"WMS_MAC_SECRET=s3cret-value"}, []string{"run", "happy-path"}, exitUsage, "pass --url or set WMS_WEBHOOK_URL"},
		{"bad flag", env, []string{"run", "--sped", "1"}, exitUsage, "unknown flag --sped: did you mean --seed?"},
		{"session seed 0", env, []string{"run", "--session-seed", "0"}, exitUsage, "--session-seed must be 1 or more, got 0 (leave it out for fresh session IDs)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBinary(t, c.env, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, c.code, c.stderr)
			}
			assertNoSecret(t, r, "s3cret-value")
		})
	}
}

func TestRunHelp(t *testing.T) {
	r := runBinary(t, nil, "", "run", "--help")
	for _, want := range []string{"Usage: wms-mock run [flags] [SCENARIO...]", "wms-mock run happy-path", "docs/scenarios.md", "-pace", "-seed", "-start-time", "-concurrency", "-json", "-secret-file", "-url",
		"--session-seed N", "the session IDs are fresh each time", "--start-time 1700000000 --session-seed 7"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != exitOK {
		t.Errorf("exit %d", r.code)
	}
}

// TestRunStampsEachEventWhenSent: at fast pace a 40-second journey is sent
// in milliseconds, and a real WMS stamps each event when it happens, so
// every timestamp lies within seconds of the moment it arrived; with
// --start-time the scenario's own clock is kept, for reproducible bytes.
func TestRunStampsEachEventWhenSent(t *testing.T) {
	rec := testkit.NewReceiver(t, testkit.Signer(t))
	env := []string{"WMS_MAC_SECRET=" + testkit.Secret}
	if r := runBinary(t, env, "", "run", "happy-path", "--url", rec.URL); r.code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	now := time.Now().Unix()
	for _, d := range rec.Deliveries() {
		if skew := now - d.Envelope.Timestamp; skew < -2 || skew > 5 {
			t.Errorf("%s #%d stamped %ds from the moment it arrived", d.Envelope.Event, d.Envelope.Sequence, skew)
		}
	}
	fixed := testkit.NewReceiver(t, testkit.Signer(t))
	if r := runBinary(t, env, "", "run", "happy-path", "--url", fixed.URL, "--start-time", "1700000000"); r.code != exitOK {
		t.Fatalf("run --start-time: exit %d", r.code)
	}
	ds := fixed.Deliveries()
	if first, last := ds[0].Envelope.Timestamp, ds[len(ds)-1].Envelope.Timestamp; first != 1700000000 || last-first < 30 {
		t.Errorf("with --start-time the session runs %d..%d, want from 1700000000 on the scenario's clock", first, last)
	}
}
