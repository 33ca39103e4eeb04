package main

import (
	"bytes"
	"encoding/json"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/internal/testnet"
)

const forwardSecret = "cli-forward-secret-Zr41"

// forwardSummary matches the summary's forward line.
var forwardSummary = regexp.MustCompile(`forward    to (\S+): (\d+) forwarded, (\d+) failed.*, (\d+) dropped \(queue full\), (\d+) unsent at shutdown`)

// forwardCounts reads the summary's forward line: forwarded, failed,
// dropped, unsent.
func forwardCounts(t *testing.T, summary string) [4]int {
	t.Helper()
	m := forwardSummary.FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("the summary has no forward line:\n%s", summary)
	}
	var out [4]int
	for i := range out {
		out[i], _ = strconv.Atoi(m[i+2])
	}
	return out
}

// answeredCount reads how many deliveries the summary says were answered
// 200: those accepted and the duplicates.
func answeredCount(t *testing.T, summary string) int {
	t.Helper()
	m := regexp.MustCompile(`events     (\d+) accepted, (\d+) duplicates`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("the summary has no events line:\n%s", summary)
	}
	a, _ := strconv.Atoi(m[1])
	d, _ := strconv.Atoi(m[2])
	return a + d
}

func TestReceiveForwardsEveryAnsweredDeliveryInOrder(t *testing.T) {
	sender := testkit.Signer(t, receiveSecret)
	for name, c := range map[string]struct {
		secret string // the target's
		env    []string
		args   []string
		from   string
	}{
		"secret file": {forwardSecret, nil, []string{"--forward-secret-file", secretFile(t, forwardSecret+"\n")}, "signed-with=--forward-secret-file"},
		"environment": {forwardSecret, []string{"WMS_FORWARD_SECRET=" + forwardSecret}, nil, "signed-with=WMS_FORWARD_SECRET"},
		"own secret":  {receiveSecret, nil, nil, `signed-with="the receiver's secret"`},
	} {
		t.Run(name, func(t *testing.T) {
			target := testkit.NewReceiver(t, testkit.Signer(t, c.secret))
			env := append([]string{"WMS_MAC_SECRET=" + receiveSecret}, c.env...)
			p := startServerProc(t, env, append([]string{"receive", "--listen", "127.0.0.1:0", "--forward-to", target.URL}, c.args...)...)
			hook := p.url + "/webhook"

			bodies := sessionBodies(t, "cli-fwd")
			var spaced bytes.Buffer // forwarded as sent, not as stored
			if err := json.Indent(&spaced, bodies[2], "", "  "); err != nil {
				t.Fatal(err)
			}
			bodies[2] = spaced.Bytes()
			var want [][]byte
			for i := len(bodies) - 1; i >= 0; i-- {
				if status, ans, err := post(hook, sender, bodies[i]); err != nil || status != 200 {
					t.Fatalf("event %d: %d %s %v", i, status, ans, err)
				}
				want = append(want, bodies[i])
			}
			if status, ans, _ := post(hook, sender, bodies[4]); !strings.Contains(ans, "duplicate") {
				t.Fatalf("redelivery: %d %s", status, ans)
			}
			want = append(want, bodies[4])
			if status, _, _ := post(hook, testkit.Signer(t, "forged"), bodies[5]); status != 401 {
				t.Fatalf("forgery answered %d", status)
			}

			if code := p.stop(t, syscall.SIGTERM); code != 0 {
				t.Fatalf("exit %d: %s", code, p.stderrText())
			}
			got := target.Deliveries()
			if len(got) != len(want) {
				t.Fatalf("the endpoint got %d copies, want %d", len(got), len(want))
			}
			for i, d := range got {
				if !bytes.Equal(d.Body, want[i]) || !d.Verified {
					t.Errorf("copy %d: verified %v, body %s; want %s", i, d.Verified, d.Body, want[i])
				}
			}
			out, logs := p.stdout.String(), p.stderrText()
			if n := forwardCounts(t, out); n != [4]int{len(want), 0, 0, 0} {
				t.Errorf("forward counts %v, want %d forwarded and nothing else:\n%s", n, len(want), out)
			}
			for _, line := range []string{"msg=forwarding to=" + target.URL + " " + c.from + " timeout=5s queue=10000",
				"msg=forward session=cli-fwd sequence=11 event=PAGE_UNLOADED verdict=accepted status=204 latency=",
				"msg=forward session=cli-fwd sequence=4 event=MEASUREMENT_STARTED verdict=duplicate status=204"} {
				if !strings.Contains(logs, line) {
					t.Errorf("the log lacks %q:\n%s", line, logs)
				}
			}
			if n := strings.Count(logs, "msg=forward session="); n != len(want) {
				t.Errorf("%d forward log lines, want one per copy (%d)", n, len(want))
			}
			if strings.Contains(out+logs, forwardSecret) || strings.Contains(out+logs, receiveSecret) {
				t.Error("a secret appears in the output")
			}
		})
	}
}

// A dead endpoint, one that refuses or one that never takes the
// connection, costs the sender nothing: every delivery is answered 200 at
// once, and the log and the summary say what became of each copy.
func TestReceiveForwardToADeadEndpointStillAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/webhook"
	ln.Close()
	for name, c := range map[string]struct {
		url  string
		want string // in the log
	}{
		"closed port": {closed, "class=refused error=\"connection refused"},
		"silent host": {testnet.SilentHostURL(t), "class=dropped error=\"the forward queue is full (3 events)"},
	} {
		t.Run(name, func(t *testing.T) {
			p := startReceive(t, "--forward-to", c.url, "--forward-timeout", "4s", "--forward-queue", "3")
			hook := p.url + "/webhook"
			signer := testkit.Signer(t, receiveSecret)
			for i, b := range sessionBodies(t, "cli-dead") {
				start := time.Now()
				if status, ans, err := post(hook, signer, b); err != nil || status != 200 {
					t.Fatalf("event %d: %d %s %v", i, status, ans, err)
				}
				if took := time.Since(start); took > 3*time.Second {
					t.Fatalf("event %d was answered after %v: the forward held it", i, took)
				}
			}
			// The real sender: every delivery must get its 2xx.
			if r := runBinary(t, []string{"WMS_MAC_SECRET=" + receiveSecret}, "", "run", "happy-path", "--url", hook); r.code != exitOK {
				t.Fatalf("run against the receiver: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}

			if code := p.stop(t, syscall.SIGTERM); code != 0 {
				t.Fatalf("exit %d: %s", code, p.stderrText())
			}
			out, logs := p.stdout.String(), p.stderrText()
			total := answeredCount(t, out)
			n := forwardCounts(t, out)
			if n[0] != 0 || n[1]+n[2]+n[3] != total {
				t.Errorf("forward counts %v: each of the %d copies must have failed, been dropped or unsent:\n%s", n, total, out)
			}
			if got := strings.Count(logs, "msg=forward session="); got != total || !strings.Contains(logs, c.want) {
				t.Errorf("%d forward log lines, want %d, and one with %q:\n%s", got, total, c.want, logs)
			}
		})
	}
}

func TestReceiveForwardUsageErrors(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=" + receiveSecret}
	hook := "http://127.0.0.1:9/webhook"
	empty := secretFile(t, "\n")
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"not http":          {[]string{"--forward-to", "ftp://127.0.0.1/hook"}, `--forward-to: bad webhook URL "ftp://127.0.0.1/hook": it must start with http:// or https://`},
		"no scheme":         {[]string{"--forward-to", "localhost:3000/webhook"}, "it must start with http:// or https://"},
		"unreadable secret": {[]string{"--forward-to", hook, "--forward-secret-file", "/nonexistent/forward.secret"}, "cannot read --forward-secret-file: open /nonexistent/forward.secret"},
		"empty secret":      {[]string{"--forward-to", hook, "--forward-secret-file", empty}, "--forward-secret-file " + empty + " is empty"},
		"secret alone":      {[]string{"--forward-secret-file", empty}, "--forward-secret-file goes with --forward-to URL"},
		"timeout alone":     {[]string{"--forward-timeout", "1s"}, "--forward-timeout goes with --forward-to URL"},
		"bare timeout":      {[]string{"--forward-to", hook, "--forward-timeout", "5"}, "--forward-timeout 5: add a unit"},
		"zero timeout":      {[]string{"--forward-to", hook, "--forward-timeout", "0s"}, "--forward-timeout must be positive"},
		"zero queue":        {[]string{"--forward-to", hook, "--forward-queue", "0"}, "--forward-queue must be 1 or more, got 0"},
		"itself":            {[]string{"--listen", "127.0.0.1:18080", "--forward-to", "http://localhost:18080/webhook"}, "is this receiver's own --listen address"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runBinary(t, env, "", append([]string{"receive"}, c.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, receiveSecret) {
				t.Error("the secret appears in the error")
			}
		})
	}
}

func TestReceiveHelpTeachesForwarding(t *testing.T) {
	r := runBinary(t, nil, "", "receive", "--help")
	for _, want := range []string{"--forward-to URL", "stripe listen --forward-to", "--forward-secret-file FILE", "$WMS_FORWARD_SECRET",
		"redeliveries included", "--forward-timeout", "--forward-queue N", "dropped", "wms-mock replay", "msg=forward"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if !strings.Contains(r.stdout, "(default 5s)") {
		t.Errorf("help does not give the forward timeout's default:\n%s", r.stdout)
	}
}

// The forwarded MAC is the sender's own when no forward secret is given:
// the copy is the request WMS sent.
func TestForwardWithTheReceiversSecretKeepsTheMAC(t *testing.T) {
	target := testkit.NewReceiver(t, testkit.Signer(t, receiveSecret))
	p := startReceive(t, "--forward-to", target.URL)
	body := sessionBodies(t, "cli-same-mac")[0]
	sender := testkit.Signer(t, receiveSecret)
	if status, ans, err := post(p.url+"/webhook", sender, body); err != nil || status != 200 {
		t.Fatalf("%d %s %v", status, ans, err)
	}
	p.stop(t, syscall.SIGTERM)
	got := target.Deliveries()
	if len(got) != 1 || got[0].Header.Get(emitter.HeaderMAC) != sender.MAC(body) {
		t.Fatalf("copies %d; want one carrying the sender's MAC", len(got))
	}
}
