package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// TestRunSessionsAreFresh: two runs with the same --seed and --start-time
// send the same bytes but for the session IDs, which are new each run, so
// that a receiver never takes the second run for changed redeliveries of
// the first; a scenario's session: key fixes its ID on purpose.
func TestRunSessionsAreFresh(t *testing.T) {
	const secret = "fresh"
	fixed := filepath.Join(t.TempDir(), "fixed.yaml")
	if err := os.WriteFile(fixed, []byte("name: fixed\nsession: qa-session-1\nsteps: [WMS_LOADED, CONFIGURATION_LOADED]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	send := func(scenario string) (bodies [][]byte, session string) {
		t.Helper()
		rec, url := newWireRecorder(t, secret)
		r := runBinary(t, []string{"WMS_MAC_SECRET=" + secret}, "", "run", scenario, "--url", url, "--seed", "42", "--start-time", "1700000000")
		if r.code != exitOK {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, d := range rec.Deliveries() {
			bodies = append(bodies, d.Body)
			session = d.Envelope.SessionID
		}
		if !strings.Contains(r.stdout, " session "+session+" (") {
			t.Errorf("the report does not give the session's ID %s:\n%s", session, r.stdout)
		}
		return bodies, session
	}
	first, id1 := send("happy-path")
	second, id2 := send("happy-path")
	if id1 == id2 || len(first) != len(second) || len(first) == 0 {
		t.Fatalf("two runs sent session %s (%d requests) and %s (%d): want new IDs, as many requests", id1, len(first), id2, len(second))
	}
	for i := range first {
		if want := bytes.ReplaceAll(first[i], []byte(id1), []byte(id2)); !bytes.Equal(second[i], want) {
			t.Errorf("request %d differs in more than the session ID:\n%s\n%s", i, first[i], second[i])
		}
	}
	if _, a := send(fixed); a != "qa-session-1" {
		t.Errorf("a scenario's session: key should be sent as it is, got %q", a)
	}
}

// answering is a webhook that takes every request with 200 and a body
// that says so, as a receiver that checks nothing would, and keeps the
// session IDs it was sent.
func answering(t *testing.T) (url string, sessions func() []string) {
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env testkit.Envelope
		_ = json.Unmarshal(body, &env)
		mu.Lock()
		ids = append(ids, env.SessionID)
		mu.Unlock()
		io.WriteString(w, "{\"ok\":true,\"note\":\"accepted\nwithout checking\"}") // a line break to escape
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

// TestRunReportsWhatQANeedsNext: a delivery that got an unexpected answer
// is reported with its step's FILE:LINE, its session's ID and the
// answer's first bytes, in text and in --json.
func TestRunReportsWhatQANeedsNext(t *testing.T) {
	url, sessions := answering(t)
	env := []string{"WMS_MAC_SECRET=x"}
	r := runBinary(t, env, "", "run", "edge-tampered-body", "--url", url)
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	id := sessions()[0]
	for _, want := range []string{
		"edge-tampered-body session " + id + " (builtin/edge-tampered-body.yaml)\n",
		"FAIL  (tampered; want 4xx, got 200)\n" +
			`    at builtin/edge-tampered-body.yaml:7, session ` + id + `; answer: "{\"ok\":true,\"note\":\"accepted\nwithout checking\"}"` + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "    at "); n != 1 {
		t.Errorf("only the failed delivery gets its place, %d did:\n%s", n, r.stdout)
	}

	r = runBinary(t, env, "", "run", "edge-tampered-body", "--url", url, "--json")
	var failed []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if obj["type"] == "delivery" && obj["passed"] == false {
			failed = append(failed, obj)
		}
	}
	if len(failed) != 1 || failed[0]["file"] != "builtin/edge-tampered-body.yaml" || failed[0]["line"] != 7.0 ||
		failed[0]["answer"] != "{\"ok\":true,\"note\":\"accepted\nwithout checking\"}" || failed[0]["session"] != sessions()[len(sessions())-1] {
		t.Errorf("want the tampered delivery failed with its file, line, session and answer, got %v", failed)
	}
}

// TestRunShowsEveryAttempt: with --retries, a retried delivery shows each
// attempt's status and latency, in text and in --json.
func TestRunShowsEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%3 != 0 { // two 503s, then a 200, for each delivery
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	one := filepath.Join(t.TempDir(), "one.yaml")
	if err := os.WriteFile(one, []byte("name: one\nsteps: [WMS_LOADED]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"WMS_MAC_SECRET=x"}
	r := runBinary(t, env, "", "run", one, "--url", srv.URL, "--retries", "2")
	if r.code != exitOK || !strings.Contains(r.stdout, "    3 attempts: 503 in ") || strings.Count(r.stdout, ", 503 in ") != 1 || !strings.Contains(r.stdout, ", 200 in ") {
		t.Errorf("exit %d, want every attempt on a line of its own:\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runBinary(t, env, "", "run", one, "--url", srv.URL, "--retries", "2", "--json")
	var d struct {
		Status   int `json:"status"`
		Attempts []struct {
			Status    int     `json:"status"`
			LatencyMS float64 `json:"latency_ms"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &d); err != nil {
		t.Fatalf("first line: %v\n%s", err, r.stdout)
	}
	if got := fmt.Sprint(d.Status, len(d.Attempts)); got != "200 3" || d.Attempts[0].Status != 503 || d.Attempts[1].Status != 503 || d.Attempts[2].Status != 200 || d.Attempts[0].LatencyMS <= 0 {
		t.Errorf("want status 200 after attempts 503, 503, 200 with latencies, got %+v", d)
	}
}
