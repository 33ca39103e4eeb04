package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

const receiveSecret = "cli-receive-secret-Q9x7"

// startReceive runs 'wms-mock receive' on a free loopback port with the
// test's secret.
func startReceive(t *testing.T, args ...string) *serverProc {
	t.Helper()
	return startServerProc(t, []string{"WMS_MAC_SECRET=" + receiveSecret}, append([]string{"receive", "--listen", "127.0.0.1:0"}, args...)...)
}

// cliJourney is a realistic session's events, in order.
var cliJourney = []string{"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED",
	"MEASUREMENT_STARTED", "MEASUREMENT_CREATED", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS",
	"SCAN_COMPLETED", "RESULTS_RECEIVED", "REDIRECTING_TO_CALLBACK", "PAGE_UNLOADED"}

func sessionBodies(t testing.TB, id string) [][]byte {
	t.Helper()
	s := emitter.NewSession(id, 3)
	var out [][]byte
	for i, name := range cliJourney {
		env, err := s.Next(emitter.Emit{Event: name, Time: time.Unix(1_700_000_000+int64(i), 0)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := env.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

var cliClient = &http.Client{Timeout: 10 * time.Second}

// post sends body signed with signer (unsigned when nil) and returns the
// status and answer, or an error when the receiver is unreachable.
func post(url string, signer *emitter.Signer, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if signer != nil {
		req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
	}
	resp, err := cliClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// eventsFileKeys reads an events file and returns each envelope by
// "sessionId/sequence", failing on a key stored twice. A torn last line is
// allowed only when torn is set.
func eventsFileKeys(t *testing.T, path string, torn bool) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	last := lines[len(lines)-1]
	if last != "" && !torn {
		t.Fatalf("the events file ends in a torn line: %q", last)
	}
	out := map[string]string{}
	for _, l := range lines[:len(lines)-1] {
		var rec struct {
			ReceivedAt time.Time       `json:"receivedAt"`
			Envelope   json.RawMessage `json:"envelope"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.ReceivedAt.IsZero() {
			t.Fatalf("bad line %q: %v", l, err)
		}
		env := testkit.Decode(t, rec.Envelope)
		key := fmt.Sprintf("%s/%d", env.SessionID, env.Sequence)
		if _, dup := out[key]; dup {
			t.Fatalf("%s is stored twice", key)
		}
		out[key] = string(rec.Envelope)
	}
	return out
}

func TestReceiveHelp(t *testing.T) {
	r := runBinary(t, nil, "", "receive", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"-listen ADDR", "-events FILE", "-max-events N", "wms-mock sign body.json", "curl", "tunnel", "401", "/healthz",
		"GET /events?session=ID", "without it the answer is 400", fmt.Sprintf("at most %d of each", receiver.MaxListed)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestReceiveSetupErrors(t *testing.T) {
	secret := []string{"WMS_MAC_SECRET=" + receiveSecret}
	for name, c := range map[string]struct {
		env  []string
		args []string
		want string
	}{
		"no secret":         {nil, []string{"receive"}, "WMS_MAC_SECRET"},
		"bad address":       {secret, []string{"receive", "--listen", "nowhere"}, "want host:port"},
		"events dir absent": {secret, []string{"receive", "--listen", "127.0.0.1:0", "--events", "/nonexistent/dir/events.jsonl"}, "events file"},
		"argument":          {secret, []string{"receive", "extra"}, "unexpected argument"},
		"zero memory":       {secret, []string{"receive", "--max-events", "0"}, "wms-mock receive: --max-events must be 1 or more, got 0"},
		"negative memory":   {secret, []string{"receive", "--max-events", "-5"}, "--max-events must be 1 or more, got -5"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runBinary(t, c.env, "", c.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, c.want)
			}
		})
	}
}

func TestReceiveServesLogsAndSummarises(t *testing.T) {
	signer := testkit.Signer(t, receiveSecret)
	forger := testkit.Signer(t, "not-the-secret")
	path := filepath.Join(t.TempDir(), "events.jsonl")
	p := startReceive(t, "--events", path)
	hook := p.url + "/webhooks/wms"

	bodies := sessionBodies(t, "cli-1")
	for i := len(bodies) - 1; i >= 0; i-- { // backwards: order must not matter
		if status, ans, err := post(hook, signer, bodies[i]); err != nil || status != 200 {
			t.Fatalf("event %d: %d %s %v", i, status, ans, err)
		}
	}
	unknown := []byte(`{"timestamp":1700000100,"sessionId":"cli-1","sequence":12,"event":"FACE_LOST","severity":"WARN"}`)
	checks := []struct {
		signer *emitter.Signer
		body   []byte
		status int
		want   string
	}{
		{signer, bodies[3], 200, "duplicate"},
		{forger, bodies[4], 401, "does not match"},
		{nil, bodies[4], 401, "no X-WMS-Content-MAC"},
		{signer, []byte("{"), 400, "not valid JSON"},
		{signer, unknown, 200, "accepted"},
	}
	for _, c := range checks {
		if status, ans, err := post(hook, c.signer, c.body); err != nil || status != c.status || !strings.Contains(ans, c.want) {
			t.Errorf("%s: %d %s %v; want %d %q", c.body, status, ans, err, c.status, c.want)
		}
	}
	resp, err := cliClient.Get(p.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = cliClient.Get(p.url + "/events?session=cli-1")
	if err != nil {
		t.Fatal(err)
	}
	listing, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := strings.Count(string(listing), `"receivedAt"`); n != len(bodies)+1 {
		t.Errorf("/events lists %d events, want %d", n, len(bodies)+1)
	}
	// Behind a tunnel anyone may find the URL: without a session ID,
	// nothing is listed.
	resp, err = cliClient.Get(p.url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	listing, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(listing), "?session=ID") || strings.Contains(string(listing), "cli-1") {
		t.Errorf("/events without a session: %d %s, want 400 asking for ?session=ID", resp.StatusCode, listing)
	}

	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p.stderrText())
	}
	out, logs := p.stdout.String(), p.stderrText()
	for _, want := range []string{"13 accepted, 1 duplicates", "rejected   400 x1, 401 x2", "INTERMEDIATE_RESULTS       2", "findings   1", "unknown-event", "every acknowledged event is on disk"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"verdict=accepted status=200 session=cli-1 sequence=11 event=PAGE_UNLOADED latency=", "verdict=duplicate", "verdict=forged status=401", "verdict=malformed status=400", "level=WARN msg=contract kind=unknown-event"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "msg=delivery"); n != len(bodies)+len(checks) {
		t.Errorf("%d delivery log lines, want one per request (%d)", n, len(bodies)+len(checks))
	}
	if strings.Contains(out+logs, receiveSecret) {
		t.Error("the secret appears in the output")
	}
	stored := eventsFileKeys(t, path, false)
	if len(stored) != len(bodies)+1 {
		t.Fatalf("the events file holds %d events, want %d", len(stored), len(bodies)+1)
	}
	for i, b := range bodies {
		if got := stored[fmt.Sprintf("cli-1/%d", i)]; got != string(b) {
			t.Errorf("sequence %d stored as %s, sent %s", i, got, b)
		}
	}
}

// kill -9 in the middle of a stream of deliveries loses no event that was
// answered 2xx, and the restarted receiver still knows every one of them.
func TestReceiveSurvivesKill9(t *testing.T) {
	signer := testkit.Signer(t, receiveSecret)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	p := startReceive(t, "--events", path)

	var all [][]byte
	for s := range 60 {
		all = append(all, sessionBodies(t, fmt.Sprintf("crash-%03d", s))...)
	}
	var mu sync.Mutex
	acked := map[string]bool{} // bodies answered 2xx
	work := make(chan []byte)
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for b := range work {
				status, _, err := post(p.url, signer, b)
				if err != nil {
					continue // the receiver is gone
				}
				if status != 200 {
					t.Errorf("status %d before the kill", status)
					continue
				}
				mu.Lock()
				acked[string(b)] = true
				n := len(acked)
				mu.Unlock()
				if n == 200 {
					once.Do(func() {
						p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		})
	}
	go func() {
		defer close(work)
		for _, b := range all {
			select {
			case work <- b:
			case <-killed:
				return
			}
		}
	}()
	wg.Wait()
	if code := p.stop(t, syscall.SIGKILL); code != -1 {
		t.Fatalf("exit code %d, want death by SIGKILL", code)
	}
	if len(acked) < 200 || len(acked) >= len(all) {
		t.Fatalf("%d of %d acknowledged: the kill did not land mid-stream", len(acked), len(all))
	}

	onDisk := map[string]bool{}
	for _, env := range eventsFileKeys(t, path, true) {
		onDisk[env] = true
	}
	for b := range acked {
		if !onDisk[b] {
			t.Errorf("acknowledged but lost: %s", b)
		}
	}

	// Restart on the same file: every acknowledged event is a duplicate,
	// and the rest is stored once.
	p2 := startReceive(t, "--events", path)
	if !strings.Contains(p2.stderrText(), fmt.Sprintf("reloaded=%d", len(onDisk))) {
		t.Errorf("restart did not reload %d events: %s", len(onDisk), p2.stderrText())
	}
	resend := make(chan []byte)
	for range 16 {
		wg.Go(func() {
			for b := range resend {
				status, ans, err := post(p2.url, signer, b)
				if err != nil || status != 200 {
					t.Errorf("after restart: %d %s %v", status, ans, err)
				} else if acked[string(b)] && !strings.Contains(ans, "duplicate") {
					t.Errorf("acknowledged before the crash, yet %s after it: %s", ans, b)
				}
			}
		})
	}
	for _, b := range all {
		resend <- b
	}
	close(resend)
	wg.Wait()
	if code := p2.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d: %s", code, p2.stderrText())
	}
	stored := eventsFileKeys(t, path, false)
	if len(stored) != len(all) {
		t.Fatalf("the events file holds %d events, want each of the %d once", len(stored), len(all))
	}
	t.Logf("%d acknowledged before kill -9, %d on disk, %d after restart", len(acked), len(onDisk), len(stored))
}

func TestReceiveBodyLimitsAreFlags(t *testing.T) {
	p := startReceive(t, "--max-body", "200")
	signer := testkit.Signer(t, receiveSecret)
	small := []byte(`{"timestamp":1700000000,"sessionId":"limits","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	if code, _, err := post(p.url+"/webhook", signer, small); err != nil || code != 200 {
		t.Fatalf("a small valid event: %d %v", code, err)
	}
	big := []byte(`{"timestamp":1700000000,"sessionId":"limits","sequence":1,"event":"WMS_LOADED","severity":"INFO","pad":"` + strings.Repeat("x", 300) + `"}`)
	if code, _, err := post(p.url+"/webhook", signer, big); err != nil || code != 413 {
		t.Errorf("a body over --max-body 200: %d %v, want 413", code, err)
	}
	for _, args := range [][]string{{"--max-body", "0"}, {"--max-body", "100", "--body-budget", "10"}} {
		r := runBinary(t, []string{"WMS_MAC_SECRET=x"}, "", append([]string{"receive"}, args...)...)
		if r.code != exitUsage || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("receive %v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}
