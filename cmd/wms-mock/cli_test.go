package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTargetFlagErrorsNameTheFlag(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=s", "WMS_WEBHOOK_URL=http://127.0.0.1:1/webhook"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--timeout", "0"}, "--timeout must be positive"},
		{[]string{"conformance", "--timeout", "-1s"}, "--timeout must be positive"},
		{[]string{"load", "--timeout", "0"}, "--timeout must be positive"},
		{[]string{"run", "--retries", "-1"}, "--retries must be 0 or more"},
		// The suite and the load generator judge single deliveries.
		{[]string{"conformance", "--retries", "2"}, "not defined: -retries"},
		{[]string{"load", "--retries", "2"}, "not defined: -retries"},
	}
	for _, c := range cases {
		r := runBinary(t, env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestURLPasswordsAreNeverPrinted(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=s"}
	for _, args := range [][]string{
		{"run", "--url", "http://user:hunter2@127.0.0.1:1/webhook"},
		{"conformance", "--url", "ftp://user:hunter2@127.0.0.1:1/webhook"},
		{"load", "--url", "http://user:hunter2@[::1/webhook"},
	} {
		r := runBinary(t, env, "", args...)
		if r.code != 2 || strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("%v: exit %d, output %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestSetupMistakesGetOneLineThatSaysWhatToDo(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	https := strings.Replace(plain.URL, "http://", "https://", 1)
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	env := []string{"WMS_MAC_SECRET=s"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--url", https, "--sessions", "1"}, "use http://"},
		{[]string{"run", "happy-path", "--url", https}, "use http://"},
		{[]string{"run", "--url", "127.0.0.1:8080/webhook"}, "must start with http:// or https://"},
		{[]string{"receive", "--listen", "18081"}, "want host:port"},
		{[]string{"sign", "--secret-file", empty, "x"}, "is empty"},
	}
	for _, c := range cases {
		r := runBinary(t, env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestHelpWritesFlagsAsTheDocsDo(t *testing.T) {
	r := runBinary(t, nil, "", "run", "--help")
	if !strings.Contains(r.stdout, "\n  --url URL") || strings.Contains(r.stdout, "\n  -url") {
		t.Errorf("run --help:\n%s", r.stdout)
	}
}
