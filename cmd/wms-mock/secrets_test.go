package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// distinctiveSecret is easy to find anywhere it might leak.
const distinctiveSecret = "Leak-Canary-5ecr3t-91f3c7"

// TestSecretNeverLeaks runs every command that takes the secret, through
// success and failure paths, in each way the secret can be given, and looks
// for it in everything the commands printed or wrote.
func TestSecretNeverLeaks(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	os.WriteFile(secretFile, []byte(distinctiveSecret+"\n"), 0o600)
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, []byte(`{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`), 0o600)

	// Receivers that are wrong on purpose: one refuses everything as
	// forged, one accepts everything (so must specs fail) and echoes back
	// what it was sent.
	forged := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forged signature", http.StatusUnauthorized)
	}))
	defer forged.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.Header {
			io.WriteString(w, k+": "+strings.Join(v, ",")+"\n")
		}
		io.Copy(w, io.LimitReader(r.Body, 4096))
	}))
	defer echo.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	unreachable := "http://" + ln.Addr().String() + "/webhook"
	ln.Close()

	env := []string{"WMS_MAC_SECRET=" + distinctiveSecret}
	reports := func(name string) []string {
		return []string{"--junit-report", filepath.Join(dir, name+".xml"), "--json-report", filepath.Join(dir, name+".json")}
	}
	runs := []struct {
		name string
		env  []string
		args []string
	}{
		{"sign", env, []string{"sign", body}},
		{"sign flag", nil, []string{"sign", "--secret", distinctiveSecret, body}},
		{"verify wrong MAC", env, []string{"verify", "--mac", "hmac-sha256=" + strings.Repeat("0", 64), body}},
		{"verify malformed MAC", nil, []string{"verify", "--secret-file", secretFile, "--mac", distinctiveSecret, body}},
		{"run forged", env, []string{"run", "happy-path", "edge-wrong-secret", "--url", forged.URL}},
		{"run echo json", nil, []string{"run", "--secret-file", secretFile, "--json", "edge-tampered-body", "--url", echo.URL}},
		{"run unreachable", env, []string{"run", "--url", unreachable}},
		{"conformance failing", env, append([]string{"conformance", "--url", echo.URL, "--timeout", "2s"}, reports("echo")...)},
		{"conformance forged", nil, append([]string{"conformance", "--secret", distinctiveSecret, "--url", forged.URL}, reports("forged")...)},
		{"conformance unreachable", env, []string{"conformance", "--url", unreachable}},
		{"load echo", env, []string{"load", "--url", echo.URL, "--sessions", "5", "--concurrency", "2", "--json"}},
		{"load forged", env, []string{"load", "--url", forged.URL, "--sessions", "3"}},
		{"load unreachable", env, []string{"load", "--url", unreachable, "--sessions", "1"}},
	}
	for _, r := range runs {
		res := runBinary(t, r.env, "", r.args...)
		for where, text := range map[string]string{"stdout": res.stdout, "stderr": res.stderr} {
			if strings.Contains(text, distinctiveSecret) {
				t.Errorf("%s: the secret appears in %s:\n%s", r.name, where, text)
			}
		}
		if res.code == 0 && (strings.Contains(r.name, "forged") || strings.Contains(r.name, "unreachable")) {
			t.Errorf("%s: exit 0 on a failure path (stdout %q, stderr %q)", r.name, res.stdout, res.stderr)
		}
	}

	runReceiveForLeaks(t, dir, env, body)

	// Every file the commands wrote: reports, events, logs.
	written := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == secretFile {
			return err
		}
		b, _ := os.ReadFile(path)
		written++
		if bytes.Contains(b, []byte(distinctiveSecret)) {
			t.Errorf("the secret appears in %s", path)
		}
		return nil
	})
	if written < 6 {
		t.Errorf("only %d files written; the reports and the events file are missing", written)
	}
}

// runReceiveForLeaks runs the receiver with an events file, sends it a
// valid event and forged ones, stops it, and checks its logs.
func runReceiveForLeaks(t *testing.T, dir string, env []string, body string) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "receive", "--listen", addr, "--events", filepath.Join(dir, "events.jsonl"))
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr + "/webhook"
	waitHealthy(t, "http://"+addr+"/healthz")

	signer := testkit.Signer(t, distinctiveSecret)
	payload, _ := os.ReadFile(body)
	client, _ := emitter.NewClient(url, emitter.WithTimeout(5*time.Second))
	defer client.Close()
	if out := client.Send(ctx, emitter.SignedRequest(signer, payload)); out.Status != 200 {
		t.Errorf("valid event: %+v", out)
	}
	forgedReq := emitter.Request{Body: payload, Header: http.Header{emitter.HeaderMAC: {distinctiveSecret}}}
	if out := client.Send(ctx, forgedReq); out.Status != 401 || bytes.Contains(out.Body, []byte(distinctiveSecret)) {
		t.Errorf("forged event: %d %q", out.Status, out.Body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	// The forged request itself carried the secret as its MAC, so the log
	// may not echo header values back either.
	for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(text, distinctiveSecret) {
			t.Errorf("receive: the secret appears in %s:\n%s", where, text)
		}
	}
	if !strings.Contains(stderr.String(), "401") {
		t.Errorf("receive logged no 401:\n%s", stderr.String())
	}
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never answered 200", url)
}
