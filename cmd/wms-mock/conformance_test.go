package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

const confSecret = "conformance-cli-secret-91c2"

var confEnv = []string{"WMS_MAC_SECRET=" + confSecret}

// confServer serves the reference receiver behind wrap and counts the
// requests that reach it.
func confServer(t *testing.T, wrap func(http.Handler) http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	rc, err := receiver.New(testkit.Signer(t, confSecret))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	h := wrap(rc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); rc.Close() })
	return srv, &n
}

func asIs(h http.Handler) http.Handler { return h }

// junitReport is the part of a JUnit file CI reads.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Status    string `xml:"status,attr"`
			SystemOut string `xml:"system-out"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// readJUnit parses a JUnit report, checks that its test cases are the
// specs and only them, and returns each spec's testcase name with its
// failure text (empty when it passed), and the report.
func readJUnit(t *testing.T, path string) (map[string]string, junitReport) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the JUnit report was not written: %v", err)
	}
	if strings.Contains(string(data), confSecret) {
		t.Error("the JUnit report contains the secret")
	}
	var rep junitReport
	if err := xml.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the JUnit report is not XML CI can read: %v", err)
	}
	if len(rep.Suites) != 1 || !strings.HasPrefix(rep.Suites[0].Name, "wms-mock conformance: http://127.0.0.1:") {
		t.Fatalf("want one test suite named for the target, got %+v", rep.Suites)
	}
	cases := map[string]string{}
	for _, c := range rep.Suites[0].Cases {
		if !strings.HasPrefix(c.Name, "[must] ") && !strings.HasPrefix(c.Name, "[should] ") {
			t.Errorf("test case %q is not a spec", c.Name)
		}
		cases[c.Name] = ""
		if c.Failure != nil {
			cases[c.Name] = c.Failure.Message + c.Failure.Text
		}
	}
	if n := len(conformance.Specs()); len(cases) != n || rep.Tests != n {
		t.Errorf("the JUnit report has %d test cases and tests=%d, want the %d specs", len(cases), rep.Tests, n)
	}
	return cases, rep
}

func TestConformanceHelp(t *testing.T) {
	r := runBinary(t, nil, "", "conformance", "--help")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"wms-mock conformance --url", "--label-filter", "--junit-report", "--scenarios", "must", "should", "duplicate", "Exit status"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

// TestConformancePassesTheReference: exit 0, a JUnit report in which every
// spec passed.
func TestConformancePassesTheReference(t *testing.T) {
	t.Parallel()
	srv, _ := confServer(t, asIs)
	junit := filepath.Join(t.TempDir(), "reports", "junit.xml")
	r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL+"/webhook", "--junit-report", junit)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	cases, _ := readJUnit(t, junit)
	for name, failure := range cases {
		if failure != "" {
			t.Errorf("%s failed against the reference receiver: %s", name, failure)
		}
	}
	for _, want := range []string{"PASS: every spec passed", "burst: 50 sessions", "p99"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertNoSecret(t, r, confSecret)
}

// TestConformanceMustFailure: a receiver that acknowledges everything fails
// must specs, exits 1, and the JUnit report says which and why.
func TestConformanceMustFailure(t *testing.T) {
	t.Parallel()
	srv, _ := confServer(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	})
	junit := filepath.Join(t.TempDir(), "junit.xml")
	r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL, "--junit-report", junit)
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	cases, rep := readJUnit(t, junit)
	if rep.Failures < 1 {
		t.Errorf("failures=%d in the JUnit report of a failed must spec", rep.Failures)
	}
	missing := ""
	for name, failure := range cases {
		if strings.Contains(name, "without the X-WMS-Content-MAC header") {
			missing = failure
		}
	}
	// Host and Content-Length show that the headers are the ones the HTTP
	// client wrote.
	for _, want := range []string{"request: POST", `Host: "127.0.0.1:`, `Content-Length: "`, `User-Agent: "wms-mock/`, "(no X-WMS-Content-MAC header)", "answer: 200 OK", "A correct receiver"} {
		if !strings.Contains(missing, want) {
			t.Errorf("the missing-MAC failure lacks %q:\n%s", want, missing)
		}
	}
	if !strings.Contains(r.stdout, "FAIL  must") || !strings.Contains(r.stdout, "not ready for go-live") {
		t.Errorf("the output does not show the must failures:\n%s", r.stdout)
	}
	assertNoSecret(t, r, confSecret)
}

// TestConformanceShouldOnlyFailure: a should failure is a warning; the run
// exits 0 and says so, and the JUnit report has no failure, so that CI
// that gates on it agrees.
func TestConformanceShouldOnlyFailure(t *testing.T) {
	t.Parallel()
	srv, _ := confServer(t, func(ref http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				http.NotFound(w, r)
				return
			}
			ref.ServeHTTP(w, r)
		})
	})
	junit := filepath.Join(t.TempDir(), "junit.xml")
	r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL, "--label-filter", "robustness || signature", "--junit-report", junit)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	_, rep := readJUnit(t, junit)
	if rep.Failures != 0 {
		t.Errorf("failures=%d in the JUnit report of a run with only a should failure", rep.Failures)
	}
	warned := false
	for _, c := range rep.Suites[0].Cases {
		if strings.Contains(c.Name, "answers 405") {
			warned = c.Status == "passed" && c.Failure == nil && strings.Contains(c.SystemOut, "WARNING") && strings.Contains(c.SystemOut, "GET on the webhook URL got 404")
		}
	}
	if !warned {
		t.Errorf("the JUnit report does not keep the methods warning as a passed test case:\n%s", mustRead(t, junit))
	}
	if !strings.Contains(r.stdout, "WARN  should  robustness  answers 405") || !strings.Contains(r.stdout, "PASS with warnings") {
		t.Errorf("the output does not show the warning:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "  delivery  ") {
		t.Errorf("the label filter let other specs run:\n%s", r.stdout)
	}
}

// TestConformanceSetupErrors: bad usage and an unreachable target exit 2
// with one line on stderr, before any spec runs.
func TestConformanceSetupErrors(t *testing.T) {
	t.Parallel()
	srv, requests := confServer(t, asIs)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.yaml")
	if err := os.WriteFile(invalid, []byte("name: broken\nsteps:\n  - WMS_LODED\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"bad label filter", confEnv, []string{"--url", srv.URL, "--label-filter", "must && (signature"}, exitUsage, "--label-filter"},
		{"filter selects nothing", confEnv, []string{"--url", srv.URL, "--label-filter", "sigature"}, exitUsage, "selects no spec"},
		{"unreachable", confEnv, []string{"--url", closed.URL}, exitUsage, "cannot reach the webhook"},
		{"no URL", confEnv, nil, exitUsage, "--url"},
		{"no secret", nil, []string{"--url", srv.URL}, exitUsage, "secret"},
		{"zero timeout", confEnv, []string{"--url", srv.URL, "--timeout", "0"}, exitUsage, "--timeout"},
		{"negative timeout", confEnv, []string{"--url", srv.URL, "--timeout", "-1s"}, exitUsage, "--timeout"},
		{"stray argument", confEnv, []string{"--url", srv.URL, "extra"}, exitUsage, "--scenarios"},
		{"unknown scenario", confEnv, []string{"--url", srv.URL, "--scenarios", "no-such-scenario"}, exitUsage, "no-such-scenario"},
		{"invalid scenario", confEnv, []string{"--url", srv.URL, "--scenarios", invalid}, exitFail, invalid + ":3:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, tc.env, "", append([]string{"conformance"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q: %s", tc.want, r.stderr)
			}
			if tc.code == exitUsage && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("not one line: %q", r.stderr)
			}
			if n := strings.Count(r.stderr, "--help"); n > 1 {
				t.Errorf("the hint is repeated: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a spec ran:\n%s", r.stdout)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the receiver from runs that must stop before the first spec", n)
	}
}

// TestConformanceScenarios: QA scenarios become specs labelled scenario in
// the same run and the same report.
func TestConformanceScenarios(t *testing.T) {
	t.Parallel()
	srv, _ := confServer(t, asIs)
	qa := filepath.Join(t.TempDir(), "qa.yaml")
	if err := os.WriteFile(qa, []byte(`name: qa-forged-results
description: results signed with another secret are refused
steps:
  - WMS_LOADED
  - {event: MEASUREMENT_CREATED, after: 2s}
  - {event: RESULTS_RECEIVED, after: 30s, mac: wrong-secret, expect: 4xx}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL, "--label-filter", "scenario",
		"--scenarios", qa, "edge-duplicate")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"plays scenario qa-forged-results", "plays scenario edge-duplicate", "2 specs"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, r.stdout)
		}
	}
}
