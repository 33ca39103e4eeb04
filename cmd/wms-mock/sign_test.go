package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goldenSecret = "golden-vector-secret"

// The seed's JavaScript computed this MAC for emitter/testdata/seed-example.json.
const goldenMAC = "hmac-sha256=6ccadc3c420ffa5b231aa2f94f564746fae9fb5a98514d1533628b383d4cbc1d"

func TestSignPrintsWhatTheVendorsJavaScriptComputes(t *testing.T) {
	body := filepath.Join("..", "..", "emitter", "testdata", "seed-example.json")
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		stdin string
	}{
		{"file and env", []string{"WMS_MAC_SECRET=" + goldenSecret}, []string{"sign", body}, ""},
		{"flag", nil, []string{"sign", "--secret", goldenSecret, body}, ""},
		{"secret file", nil, []string{"sign", "--secret-file", secretFile(t, goldenSecret+"\n"), body}, ""},
		{"stdin", []string{"WMS_MAC_SECRET=" + goldenSecret}, []string{"sign", "-"}, mustRead(t, body)},
	} {
		r := runBinary(t, tc.env, tc.stdin, tc.args...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != goldenMAC {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, r.code, r.stdout, r.stderr)
		}
	}
}

func TestVerifyExitCodes(t *testing.T) {
	body := filepath.Join("..", "..", "emitter", "testdata", "seed-example.json")
	env := []string{"WMS_MAC_SECRET=" + goldenSecret}
	if r := runBinary(t, env, "", "verify", "--mac", goldenMAC, body); r.code != 0 || !strings.Contains(r.stdout, "ok") {
		t.Errorf("good MAC: %+v", r)
	}
	wrong := goldenMAC[:len(goldenMAC)-1] + "0"
	if r := runBinary(t, env, "", "verify", body, "--mac", wrong); r.code != 1 || !strings.Contains(r.stdout, "mismatch") {
		t.Errorf("wrong MAC: %+v", r)
	}
	if r := runBinary(t, env, "", "verify", "--mac", "sha1=abc", body); r.code != 2 || !strings.Contains(r.stderr, "hmac-sha256=") {
		t.Errorf("malformed MAC: %+v", r)
	}
}

func TestSignAndVerifyUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no secret", nil, []string{"sign", "x"}, "WMS_MAC_SECRET"},
		{"unreadable body", []string{"WMS_MAC_SECRET=s"}, []string{"sign", "/nonexistent/body.json"}, "cannot read the body"},
		{"unreadable secret file", nil, []string{"sign", "--secret-file", "/nonexistent/secret"}, "cannot read the secret file"},
		{"both secrets", nil, []string{"sign", "--secret", "a", "--secret-file", "b"}, "not both"},
		{"verify without --mac", []string{"WMS_MAC_SECRET=s"}, []string{"verify", "x"}, "--mac is required"},
		{"unknown flag", nil, []string{"sign", "--nope"}, "--help"},
		{"unknown command", nil, []string{"sing"}, "unknown command"},
	}
	for _, c := range cases {
		r := runBinary(t, c.env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q (want one line with %q)", c.name, r.code, r.stderr, c.want)
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	r := runBinary(t, nil, "", "help")
	if r.code != 0 || !strings.Contains(r.stdout, "conformance") || !strings.Contains(r.stdout, "Exit codes") {
		t.Errorf("help: %+v", r)
	}
	r = runBinary(t, nil, "", "sign", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: wms-mock sign") || !strings.Contains(r.stdout, "-secret-file") {
		t.Errorf("sign --help: %+v", r)
	}
	if r := runBinary(t, nil, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "wms-mock ") {
		t.Errorf("version: %+v", r)
	}
	if r := runBinary(t, nil, ""); r.code != 2 {
		t.Errorf("no command: %+v", r)
	}
}

func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A body typed on a terminal would look like a hang; sign refuses to wait.
func TestSignRefusesATerminalForABody(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to give the command a terminal")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qec", binary(t)+" sign", "/dev/null")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "WMS_MAC_SECRET=s"}
	out, err := cmd.CombinedOutput()
	exitErr, _ := err.(*exec.ExitError)
	if exitErr == nil || exitErr.ExitCode() != 2 || !strings.Contains(string(out), "no body: pass FILE") {
		t.Errorf("sign on a terminal: %v, output %q", err, out)
	}
}
