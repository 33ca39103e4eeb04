package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/wms"
)

// serverProc is a long-running command of the real binary: it has logged
// "msg=listening url=..." and is killed when the test ends.
type serverProc struct {
	cmd  *exec.Cmd
	url  string
	out  bytes.Buffer
	mu   sync.Mutex
	errs bytes.Buffer
	read chan struct{}
}

func startServerProc(t *testing.T, env []string, args ...string) *serverProc {
	t.Helper()
	p := &serverProc{read: make(chan struct{})}
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	p.cmd.Stdout = &p.out
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.read
			p.cmd.Wait()
		}
	})
	urls := make(chan string, 1)
	go func() {
		defer close(p.read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.errs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := regexp.MustCompile(`msg=listening url=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case p.url = <-urls:
	case <-p.read:
		p.cmd.Wait()
		t.Fatalf("%s exited before listening: %s", args[0], p.stderr())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not log its URL: %s", args[0], p.stderr())
	}
	return p
}

func (p *serverProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errs.String()
}

// stop sends SIGTERM and returns the exit code.
func (p *serverProc) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.read:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop within 30s of SIGTERM")
	}
	p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode()
}

func TestWMSKeysWritesAPairOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	r := runBinary(t, nil, "", "wms", "keys", "--out", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, wms.PrivateKeyFile) {
		t.Fatalf("wms keys: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := wms.LoadKey(filepath.Join(dir, wms.PrivateKeyFile)); err != nil {
		t.Fatalf("the private key does not load: %v", err)
	}
	if _, err := wms.LoadPublicKey(filepath.Join(dir, wms.PublicKeyFile)); err != nil {
		t.Fatalf("the public key does not load: %v", err)
	}
	again := runBinary(t, nil, "", "wms", "keys", "--out", dir)
	if again.code != exitUsage || !strings.Contains(again.stderr, "exists") || strings.Count(strings.TrimSpace(again.stderr), "\n") > 0 {
		t.Errorf("a second run over the same pair: exit %d, stderr %q", again.code, again.stderr)
	}
}

func TestWMSSetupErrors(t *testing.T) {
	notKey := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(notKey, []byte("not a key\n"), 0o600)
	env := []string{"WMS_MAC_SECRET=cli-wms-secret"}
	flags := []string{"wms", "--listen", "127.0.0.1:0", "--config-id", "C1", "--callback", "http://127.0.0.1:1/cb", "--webhook", "http://127.0.0.1:1/wh"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"wms"}, "no Config ID to serve"},
		{[]string{"wms", "--config-id", "C1"}, "go together"},
		{[]string{"wms", "--config", "x.yaml", "--config-id", "C1"}, "give the Config IDs once"},
		{append(flags, "--pace", "slow"), "--pace"},
		{append(flags, "--key", notKey), "RSA"},
		{[]string{"wms", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, "missing.yaml"},
	} {
		r := runBinary(t, env, "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestWMSCallInToCallback runs the whole flow through the real binary: a
// profile encrypted with the kept public key, the call-in, the journey's
// webhooks signed with the Config ID's secret, and the 303 to the callback
// with results that echo the session.
func TestWMSCallInToCallback(t *testing.T) {
	const secret = "cli-wms-secret-7Hq2"
	dir := t.TempDir()
	if r := runBinary(t, nil, "", "wms", "keys", "--out", dir); r.code != exitOK {
		t.Fatalf("wms keys: %s", r.stderr)
	}
	rec := testkit.NewReceiver(t, testkit.Signer(t, secret))
	callback := "http://127.0.0.1:9/callback"
	p := startServerProc(t, []string{"WMS_MAC_SECRET=" + secret}, "wms", "--listen", "127.0.0.1:0",
		"--config-id", "CFG42", "--callback", callback, "--webhook", rec.URL, "--key", filepath.Join(dir, wms.PrivateKeyFile))

	pub, err := wms.LoadPublicKey(filepath.Join(dir, wms.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := json.Marshal(wms.FakeProfile(7))
	data, err := wms.EncryptProfile(pub, profile)
	if err != nil {
		t.Fatal(err)
	}
	const session = "cli-session-0001"
	u := wms.CallInURL(p.url, wms.CallIn{ConfigID: "CFG42", ProfileData: data, AuthToken: "auth", RefreshToken: "refresh", SessionID: session})
	noRedirect := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), callback+"?results=") {
		t.Fatalf("call-in answered %d, Location %q; want 303 to %s?results=...", resp.StatusCode, resp.Header.Get("Location"), callback)
	}
	results, err := wms.DecodeResults(loc.Query().Get("results"))
	if err != nil {
		t.Fatal(err)
	}
	if results["sessionId"] != session {
		t.Errorf("results echo sessionId %v, want %s", results["sessionId"], session)
	}
	evs := rec.Sessions()[session]
	if len(evs) == 0 || rec.BadMACs() != 0 {
		t.Fatalf("the webhook got %d events of the session and %d bad MACs", len(evs), rec.BadMACs())
	}
	if evs[0].Event != "WMS_LOADED" || results["measurementId"] == nil {
		t.Errorf("first event %s, results measurementId %v", evs[0].Event, results["measurementId"])
	}
	if code := p.stop(t); code != exitOK {
		t.Errorf("wms exited %d on SIGTERM: %s", code, p.stderr())
	}
	if strings.Contains(p.stderr()+p.out.String(), secret) {
		t.Error("the MAC secret appears in the output")
	}
}
