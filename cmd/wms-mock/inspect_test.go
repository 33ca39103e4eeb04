package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// getJSON reads a JSON answer from the inspector.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

func TestReceiveServesTheInspector(t *testing.T) {
	p := startReceive(t, "--inspect", "127.0.0.1:0")
	m := regexp.MustCompile(`msg=inspector url=(\S+)`).FindStringSubmatch(p.stderrText())
	if m == nil {
		t.Fatalf("receive did not log the inspector's URL:\n%s", p.stderrText())
	}
	page := m[1]
	if code := getJSON(t, page, nil); code != http.StatusOK {
		t.Fatalf("GET %s: %d", page, code)
	}
	body := []byte(`{"timestamp":1700000000,"sessionId":"inspected-session","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	if code, _, err := post(p.url+"/webhook", testkit.Signer(t, receiveSecret), body); err != nil || code != 200 {
		t.Fatalf("post: %d %v", code, err)
	}
	var state struct {
		Sessions []struct {
			ID string `json:"id"`
		} `json:"sessions"`
	}
	getJSON(t, page+"api/state", &state)
	if raw, _ := json.Marshal(state); !strings.Contains(string(raw), "inspected-session") {
		t.Errorf("the inspector's state lacks the session just sent: %s", raw)
	}
	if code := p.stop(t, syscall.SIGTERM); code != exitOK {
		t.Errorf("receive --inspect exited %d on SIGTERM", code)
	}
}

func TestInspectFlagErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	env := []string{"WMS_MAC_SECRET=x"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"receive", "--listen", "127.0.0.1:0", "--inspect", "0.0.0.0:8081"}, "not a loopback address"},
		{[]string{"receive", "--listen", "127.0.0.1:0", "--inspect", "nonsense"}, "want host:port"},
		{[]string{"receive", "--listen", "127.0.0.1:0", "--inspect-token", "t"}, "goes with --inspect"},
		{[]string{"receive", "--listen", "127.0.0.1:0", "--inspect", busy.Addr().String()}, busy.Addr().String()},
		{[]string{"demo", "--inspect", "0.0.0.0:8081"}, "not a loopback address"},
	} {
		r := runBinary(t, env, "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// With a token, any address is allowed: the token guards the page.
	p := startServerProc(t, env, "receive", "--listen", "127.0.0.1:0", "--inspect", "127.0.0.2:0", "--inspect-token", "a-token-of-one's-own")
	if strings.Contains(p.stderrText(), "a-token-of-one's-own") {
		t.Error("the inspector token appears in the log")
	}
}

// TestDemoInspectKeepsTheReceiverUp: after the demo, the inspector shows
// what the journeys sent until Ctrl-C, and the demo's exit status is its
// verdict.
func TestDemoInspectKeepsTheReceiverUp(t *testing.T) {
	cmd := exec.Command(binary(t), "demo", "--inspect", "127.0.0.1:0")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`^Inspector on (\S+):`).FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var page string
	select {
	case page = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatal("demo --inspect printed no inspector URL")
	}
	var state map[string]any
	if code := getJSON(t, page+"api/state", &state); code != http.StatusOK {
		t.Fatalf("the inspector answered %d after the demo", code)
	}
	if raw, _ := json.Marshal(state); !strings.Contains(string(raw), "WMS_LOADED") {
		t.Errorf("the inspector shows none of the journeys: %.300s", raw)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("demo --inspect did not stop on Ctrl-C")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitOK {
		t.Errorf("demo --inspect exited %d after Ctrl-C, want the demo's verdict 0", code)
	}
}
