package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

const loadSecret = "cli-load-secret-8f3a"

// startLoadRecorder starts a webhook that verifies every MAC, keeps each
// session's sequences in arrival order, and answers each POST with status
// (and the reachability check before the run, a GET, with 405).
func startLoadRecorder(t *testing.T, status int) (*testkit.Receiver, string) {
	t.Helper()
	rec := testkit.NewReceiver(t, testkit.Signer(t, loadSecret), testkit.WithStatus(func(d testkit.Delivery) int {
		if d.Method != http.MethodPost {
			return http.StatusMethodNotAllowed
		}
		return status
	}))
	return rec, rec.URL
}

type loadJSON struct {
	Model     string             `json:"model"`
	Sent      uint64             `json:"sent"`
	OK        uint64             `json:"ok"`
	Failed    uint64             `json:"failed"`
	DurationS float64            `json:"duration_s"`
	RPS       float64            `json:"rps"`
	Latency   map[string]float64 `json:"latency_ms"`
	Lag       map[string]float64 `json:"lag_ms"`
	Missed    *uint64            `json:"missed"`
	Status    map[string]uint64  `json:"status"`
	Sessions  struct {
		Started, Completed uint64
	} `json:"sessions"`
	Journeys map[string]uint64 `json:"journeys"`
	Seed     uint64            `json:"seed"`
}

func TestLoadSendsOrderedSignedSessions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model string
		args  []string
	}{
		{"closed", "closed", []string{"--concurrency", "4"}},
		{"open", "open", []string{"--rate", "2000", "--concurrency", "8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, url := startLoadRecorder(t, http.StatusOK)
			args := append([]string{"load", "--url", url, "--sessions", "25", "--seed", "7", "--json"}, tc.args...)
			res := runBinary(t, []string{"WMS_MAC_SECRET=" + loadSecret}, "", args...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if res.stderr != "" {
				t.Errorf("stderr %q: want nothing (no progress line when stderr is not a terminal)", res.stderr)
			}
			var out loadJSON
			if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, res.stdout)
			}
			sessions := rec.Sequences()
			var received uint64
			for id, seqs := range sessions {
				received += uint64(len(seqs))
				for k, seq := range seqs {
					if seq != int64(k) {
						t.Fatalf("session %s arrived with sequences %v, want 0..%d in order", id, seqs, len(seqs)-1)
					}
				}
			}
			if n := rec.BadMACs(); n != 0 {
				t.Errorf("%d events did not verify", n)
			}
			if len(sessions) != 25 || out.Sessions.Started != 25 || out.Sessions.Completed != 25 {
				t.Errorf("receiver saw %d sessions, load reports %+v: want 25", len(sessions), out.Sessions)
			}
			if out.Sent != received || out.OK != received || out.Failed != 0 || out.Status["200"] != received {
				t.Errorf("load reports sent %d, ok %d, failed %d, status %v; the receiver got %d", out.Sent, out.OK, out.Failed, out.Status, received)
			}
			for _, k := range []string{"p50", "p90", "p99", "p99.9", "max"} {
				if _, ok := out.Latency[k]; !ok {
					t.Errorf("latency_ms has no %q: %v", k, out.Latency)
				}
			}
			if tc.model == "open" {
				for _, k := range []string{"p50", "p99", "max"} {
					if _, ok := out.Lag[k]; !ok {
						t.Errorf("lag_ms has no %q: %v", k, out.Lag)
					}
				}
			} else if out.Lag != nil {
				t.Errorf("closed model reports lag_ms %v: want none", out.Lag)
			}
			if out.Missed == nil || *out.Missed != 0 {
				t.Errorf("missed %v, want 0 reported", out.Missed)
			}
			if out.Model != tc.model || out.Seed != 7 || out.DurationS <= 0 || out.RPS <= 0 || len(out.Journeys) == 0 {
				t.Errorf("model %q, seed %d, duration_s %v, rps %v, journeys %v", out.Model, out.Seed, out.DurationS, out.RPS, out.Journeys)
			}
			if strings.Contains(res.stdout, loadSecret) {
				t.Error("the secret appears in the output")
			}
		})
	}
}

func TestLoadFailsWhenDeliveriesFail(t *testing.T) {
	_, url := startLoadRecorder(t, http.StatusServiceUnavailable)
	res := runBinary(t, []string{"WMS_MAC_SECRET=" + loadSecret}, "", "load", "--url", url, "--sessions", "3", "--mix", "happy-path")
	if res.code != exitFail {
		t.Fatalf("exit %d, want 1 when deliveries fail; stderr %q", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "503: ") || !strings.Contains(res.stdout, "happy-path: 3") {
		t.Errorf("summary %q: want the 503 count and the journey", res.stdout)
	}
	if !strings.Contains(res.stderr, "did not get a 2xx") {
		t.Errorf("stderr %q: want a line saying deliveries failed", res.stderr)
	}
}

func TestLoadUsageAndSetupErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/webhook"
	ln.Close()
	_, url := startLoadRecorder(t, http.StatusOK)
	env := []string{"WMS_MAC_SECRET=" + loadSecret}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unreachable", env, []string{"--url", closed, "--sessions", "1"}, "cannot reach"},
		{"sessions and duration", env, []string{"--url", url, "--sessions", "1", "--duration", "1s"}, "not both"},
		{"zero concurrency", env, []string{"--url", url, "--sessions", "1", "--concurrency", "0"}, "--concurrency"},
		{"too much concurrency", env, []string{"--url", url, "--sessions", "1", "--concurrency", "100001"}, "--concurrency"},
		{"NaN rate", env, []string{"--url", url, "--sessions", "1", "--rate", "NaN"}, "--rate"},
		{"tiny rate", env, []string{"--url", url, "--sessions", "1", "--rate", "1e-12"}, "--rate"},
		{"negative rate", env, []string{"--url", url, "--sessions", "1", "--rate", "-5"}, "--rate"},
		{"bad mix weight", env, []string{"--url", url, "--sessions", "1", "--mix", "happy-path=x"}, "weight"},
		{"unknown scenario", env, []string{"--url", url, "--sessions", "1", "--mix", "happy-pth=2"}, "happy-path"},
		{"edge scenario", env, []string{"--url", url, "--sessions", "1", "--mix", "edge-wrong-secret"}, "fault-free"},
		{"no secret", nil, []string{"--url", url, "--sessions", "1"}, "WMS_MAC_SECRET"},
		{"no url", env, []string{"--sessions", "1"}, "--url"},
		{"positional", env, []string{"--url", url, "happy-path"}, "--mix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runBinary(t, tc.env, "", append([]string{"load"}, tc.args...)...)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", res.code, res.stderr)
			}
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q: want one line that mentions %q", res.stderr, tc.want)
			}
			if strings.Contains(res.stderr+res.stdout, loadSecret) {
				t.Error("the secret appears in the output")
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	res := runBinary(t, nil, "", "load", "--help")
	if res.code != exitOK {
		t.Fatalf("exit %d", res.code)
	}
	for _, want := range []string{"wms-mock load --url", "--rate", "--mix", "--sessions", "p99.9", "coordinated", "Exit 0", "lag", "missed", "interrupted", "not of the session IDs", "one after another"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("help does not mention %q", want)
		}
	}
}
