package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/wms"
)

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
	if code := p.stop(t, syscall.SIGTERM); code != exitOK {
		t.Errorf("wms exited %d on SIGTERM: %s", code, p.stderrText())
	}
	if strings.Contains(p.stderrText()+p.stdout.String(), secret) {
		t.Error("the MAC secret appears in the output")
	}
}
