package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/load"
)

const loadSecret = "cli-load-secret-8f3a"

// startLoadRecorder starts a webhook that verifies every MAC, keeps each
// session's sequences in arrival order, and answers each POST with status
// (and the reachability check before the run, a GET, with 405).
func startLoadRecorder(t *testing.T, status int) (*testkit.Receiver, string) {
	t.Helper()
	return startLoadRecorderFunc(t, func(testkit.Delivery) int { return status })
}

// startLoadRecorderFunc is startLoadRecorder answering each POST with
// status(delivery).
func startLoadRecorderFunc(t *testing.T, status func(testkit.Delivery) int) (*testkit.Receiver, string) {
	t.Helper()
	rec := testkit.NewReceiver(t, testkit.Signer(t, loadSecret), testkit.WithStatus(func(d testkit.Delivery) int {
		if d.Method != http.MethodPost {
			return http.StatusMethodNotAllowed
		}
		return status(d)
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
			// Each event is stamped when it is sent, as a real WMS stamps
			// it when it happens: at load's pace a 40-second journey takes
			// milliseconds, and no timestamp may run ahead or lag behind.
			now := time.Now().Unix()
			for _, d := range rec.Deliveries() {
				if skew := now - d.Envelope.Timestamp; d.Method == http.MethodPost && (skew < -2 || skew > 10) {
					t.Fatalf("%s #%d stamped %ds from the end of the run", d.Envelope.Event, d.Envelope.Sequence, skew)
				}
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
		{"p99 without a unit", env, []string{"--url", url, "--sessions", "1", "--max-p99", "5"}, "add a unit"},
		{"negative p99", env, []string{"--url", url, "--sessions", "1", "--max-p99=-1s"}, "--max-p99 must be positive"},
		{"zero p50", env, []string{"--url", url, "--sessions", "1", "--max-p50", "0s"}, "--max-p50 must be positive"},
		{"p90 not a duration", env, []string{"--url", url, "--sessions", "1", "--max-p90", "fast"}, "--max-p90"},
		{"failure rate over 1", env, []string{"--url", url, "--sessions", "1", "--max-failure-rate", "1.5"}, "fraction from 0 to 1"},
		{"failure rate over 100%", env, []string{"--url", url, "--sessions", "1", "--max-failure-rate", "150%"}, "fraction from 0 to 1"},
		{"negative failure rate", env, []string{"--url", url, "--sessions", "1", "--max-failure-rate=-0.1"}, "--max-failure-rate"},
		{"NaN failure rate", env, []string{"--url", url, "--sessions", "1", "--max-failure-rate", "NaN"}, "--max-failure-rate"},
		{"failure rate in words", env, []string{"--url", url, "--sessions", "1", "--max-failure-rate", "some"}, "like 0.01"},
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
	for _, want := range []string{"wms-mock load --url", "--rate", "--mix", "--sessions", "p99.9", "coordinated", "Exit 0", "lag", "missed", "interrupted", "not of the session IDs", "one after another",
		"--max-p50 D", "--max-p90 D", "--max-p99 D", "--max-failure-rate FRACTION", "In CI", "--max-p99 250ms --max-failure-rate 0.001", "at or under it passes",
		"breached", "HTTP_PROXY", "ulimit -n", "too_many_open_files"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("help does not mention %q", want)
		}
	}
}

// A threshold breached exits 1 and says which, in the summary, on stderr
// and in --json; thresholds met exit 0.
func TestLoadThresholds(t *testing.T) {
	_, url := startLoadRecorder(t, http.StatusOK)
	env := []string{"WMS_MAC_SECRET=" + loadSecret}
	res := runBinary(t, env, "", "load", "--url", url, "--sessions", "5", "--max-p99", "1us", "--max-p50", "1h")
	if res.code != exitFail {
		t.Fatalf("exit %d, want 1 with --max-p99 1us; stderr %q", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "  breach   p99 latency ") || !strings.Contains(res.stdout, "over --max-p99 1µs") || strings.Contains(res.stdout, "--max-p50") {
		t.Errorf("summary does not name the p99 breach alone:\n%s", res.stdout)
	}
	if lines := strings.Split(strings.TrimSpace(res.stderr), "\n"); len(lines) != 1 || !strings.Contains(res.stderr, "threshold breached: p99 latency") {
		t.Errorf("stderr %q: want one line naming the breach", res.stderr)
	}

	res = runBinary(t, env, "", "load", "--url", url, "--sessions", "5", "--json", "--max-p90", "1us", "--max-p99", "1h")
	var out struct {
		Thresholds map[string]float64 `json:"thresholds"`
		Breached   []struct {
			Threshold string  `json:"threshold"`
			Limit     float64 `json:"limit"`
			Value     float64 `json:"value"`
			Message   string  `json:"message"`
		} `json:"breached"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, res.stdout)
	}
	if res.code != exitFail || len(out.Breached) != 1 || out.Breached[0].Threshold != "max-p90" || out.Breached[0].Value <= out.Breached[0].Limit {
		t.Errorf("exit %d, breached %+v: want 1 and max-p90 alone", res.code, out.Breached)
	}
	if out.Thresholds["max_p90_ms"] != 0.001 || out.Thresholds["max_p99_ms"] != 3.6e6 || len(out.Thresholds) != 2 {
		t.Errorf("thresholds %v: want the two given", out.Thresholds)
	}

	res = runBinary(t, env, "", "load", "--url", url, "--sessions", "5", "--max-p99", "1h", "--max-failure-rate", "0")
	if res.code != exitOK || !strings.Contains(res.stdout, "thresholds met") || res.stderr != "" {
		t.Errorf("thresholds met: exit %d, stderr %q, summary:\n%s", res.code, res.stderr, res.stdout)
	}
}

// With --max-failure-rate, failures within it do not fail the run, and a
// rate over it does, naming the threshold; without it any failure does.
func TestLoadMaxFailureRate(t *testing.T) {
	// Every session's first event fails: 25 of a few hundred deliveries.
	_, url := startLoadRecorderFunc(t, func(d testkit.Delivery) int {
		if d.Envelope.Sequence == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	env := []string{"WMS_MAC_SECRET=" + loadSecret}
	args := []string{"load", "--url", url, "--sessions", "25", "--seed", "7", "--concurrency", "4"}
	for _, tc := range []struct {
		rate     []string
		code     int
		stderr   string
		breached bool
	}{
		{[]string{"--max-failure-rate", "0.5"}, exitOK, "", false},
		{[]string{"--max-failure-rate", "50%"}, exitOK, "", false},
		{[]string{"--max-failure-rate", "0.01"}, exitFail, "threshold breached: failure rate ", true},
		{[]string{"--max-failure-rate", "0"}, exitFail, "is over --max-failure-rate 0", true},
		{nil, exitFail, "deliveries did not get a 2xx answer", false},
	} {
		res := runBinary(t, env, "", append(args, tc.rate...)...)
		if res.code != tc.code || (tc.stderr == "") != (res.stderr == "") || !strings.Contains(res.stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q: want %d and %q", tc.rate, res.code, res.stderr, tc.code, tc.stderr)
		}
		if got := strings.Contains(res.stdout, "  breach   failure rate "); got != tc.breached || !strings.Contains(res.stdout, "503: 25") {
			t.Errorf("%v: summary shows a breach %v, want %v:\n%s", tc.rate, got, tc.breached, res.stdout)
		}
	}
}

// Through a proxy, which only net/http honours, load falls back to it and
// says so; the events still arrive in order and verified.
func TestLoadThroughAProxy(t *testing.T) {
	rec, proxy := startLoadRecorder(t, http.StatusOK) // a proxy is sent the absolute URL
	env := []string{"WMS_MAC_SECRET=" + loadSecret, "HTTP_PROXY=" + strings.TrimSuffix(proxy, "/webhook")}
	res := runBinary(t, env, "", "load", "--url", "http://hooks.example.invalid/webhook", "--sessions", "5", "--concurrency", "2")
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(res.stderr), "\n"); len(lines) != 1 || !strings.Contains(res.stderr, "proxy") || !strings.Contains(res.stderr, "net/http") {
		t.Errorf("stderr %q: want one line saying the proxy sends it through net/http", res.stderr)
	}
	sessions := rec.Sequences()
	for id, seqs := range sessions {
		for k, seq := range seqs {
			if seq != int64(k) {
				t.Fatalf("session %s arrived with sequences %v", id, seqs)
			}
		}
	}
	if len(sessions) != 5 || rec.BadMACs() != 0 {
		t.Errorf("%d sessions, %d bad MACs: want 5 and none", len(sessions), rec.BadMACs())
	}
}

// More concurrency than open files: a warning before the run, and the
// failures named as the generator's own limit, with what to do.
func TestLoadPastTheOpenFileLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the limit with")
	}
	_, url := startLoadRecorder(t, http.StatusOK)
	cmd := exec.Command("sh", "-c", `ulimit -n 48 && exec "$0" "$@"`, binary(t),
		"load", "--url", url, "--sessions", "100", "--concurrency", "100")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "WMS_MAC_SECRET=" + loadSecret}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitFail {
		t.Fatalf("%v, want exit 1; stderr %q", err, stderr.String())
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if !strings.Contains(first, "warning: --concurrency 100 needs about") || !strings.Contains(first, "limit of 48") || !strings.Contains(first, "ulimit -n") {
		t.Errorf("stderr's first line %q: want the open-file warning", first)
	}
	for _, want := range []string{"too_many_open_files: ", "of the failures are too_many_open_files", "its limit is 48", "lower --concurrency, or raise the limit with 'ulimit -n'"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), "cannot reach") {
		t.Errorf("the generator's own limit reported as the webhook's:\n%s%s", stdout.String(), stderr.String())
	}
}

// fakeWebhook answers every request with one outcome.
type fakeWebhook struct{ out emitter.Outcome }

func (f fakeWebhook) Send(context.Context, emitter.Request) emitter.Outcome { return f.out }
func (f fakeWebhook) URL() string                                           { return "http://127.0.0.1:9/webhook" }

func TestReachableTellsOurLimitFromTheWebhooks(t *testing.T) {
	ours := fakeWebhook{emitter.Outcome{Attempt: emitter.Attempt{Class: load.FailTooManyOpenFiles, Message: "the generator ran out of file descriptors: raise 'ulimit -n'"}}}
	if err := reachable(context.Background(), ours); err == nil || strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("out of open files: %v", err)
	}
	refused := fakeWebhook{emitter.Outcome{Attempt: emitter.Attempt{Class: emitter.FailRefused, Message: emitter.RefusedMessage}}}
	if err := reachable(context.Background(), refused); err == nil || !strings.Contains(err.Error(), "cannot reach http://127.0.0.1:9/webhook") {
		t.Errorf("refused: %v", err)
	}
	answered := fakeWebhook{emitter.Outcome{Attempt: emitter.Attempt{Status: http.StatusMethodNotAllowed}}}
	if err := reachable(context.Background(), answered); err != nil {
		t.Errorf("a 405: %v", err)
	}
}

// TestLoadHTMLReport: --html-report writes the run's page at the end,
// breached or not; a path that cannot be written is one line and exit 2
// before anything is sent.
func TestLoadHTMLReport(t *testing.T) {
	rec, url := startLoadRecorder(t, http.StatusOK)
	path := filepath.Join(t.TempDir(), "out", "load.html")
	res := runBinary(t, []string{"WMS_MAC_SECRET=" + loadSecret}, "", "load", "--url", url, "--duration", "1s", "--concurrency", "2", "--max-p99", "1ns", "--html-report", path)
	if res.code != exitFail {
		t.Fatalf("exit %d, stderr %q: want 1 for the breached threshold", res.code, res.stderr)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no page: %v", err)
	}
	for _, want := range []string{"wms-mock load", `id="throughput-chart"`, `<path class="series"`, `id="breaches"`, `<tr><th>200</th>`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	before := len(rec.Deliveries())
	dir := t.TempDir()
	res = runBinary(t, []string{"WMS_MAC_SECRET=" + loadSecret}, "", "load", "--url", url, "--duration", "1s", "--html-report", dir)
	if res.code != exitUsage || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 || !strings.Contains(res.stderr, "cannot write the report "+dir) {
		t.Errorf("a directory as the report: exit %d, stderr %q: want 2 and one line naming it", res.code, res.stderr)
	}
	if n := len(rec.Deliveries()); n != before {
		t.Errorf("%d deliveries sent despite the unwritable report", n-before)
	}
}
