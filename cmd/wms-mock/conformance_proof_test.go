package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ciReports are the two reports of one run, as CI reads them.
type ciReports struct {
	junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name       string `xml:"name,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
			SystemOut string `xml:"system-out"`
		} `xml:"testsuite"`
	}
	json struct {
		Schema        string
		SchemaVersion int
		Target        struct{ URL string }
		Seed          string
		Outcome       string
		Diagnosis     string
		Interrupted   string
		SetupError    string
		Summary       struct{ Specs, Passed, Failed, Warned, NoVerdict, NotRun int }
		Probe         []struct {
			Sent    string
			Request struct {
				Headers []struct{ Name, Value string }
			}
			Answer struct {
				Status  int
				Summary string
			}
		}
		Specs []struct {
			ID, Level, Verdict, Message, Fix string
			Problems                         []struct {
				What      string
				Exchanges []struct {
					Request struct {
						Method, URL string
						Headers     []struct{ Name, Value string }
						BodyPrefix  string
					}
					Answer struct {
						Status    int
						LatencyMs float64
					}
				}
			}
		}
		Burst *struct {
			Deliveries int
			LatencyMs  struct{ P50, P99, Max float64 }
			Buckets    []struct{ Count int }
		}
		CannotSee []string
	}
	raw string // both files, for what no report may contain
}

// property is the suite's property name.
func (r *ciReports) property(name string) string {
	for _, p := range r.junit.Suites[0].Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// readCIReports reads both reports from dir and checks what every report
// must have: a schema, one suite named for the target, no secret and no
// source path of wms-mock.
func readCIReports(t *testing.T, dir string) *ciReports {
	t.Helper()
	r := &ciReports{}
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatalf("the JUnit report was not written: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatalf("the JSON report was not written: %v", err)
	}
	if err := xml.Unmarshal(junit, &r.junit); err != nil || len(r.junit.Suites) != 1 {
		t.Fatalf("the JUnit report: %v (%d suites)", err, len(r.junit.Suites))
	}
	if err := json.Unmarshal(data, &r.json); err != nil {
		t.Fatalf("the JSON report: %v", err)
	}
	r.raw = string(junit) + string(data)
	if r.json.Schema != "wms-mock/conformance-report" || r.json.SchemaVersion != 1 {
		t.Errorf("JSON schema %q version %d", r.json.Schema, r.json.SchemaVersion)
	}
	if !strings.HasPrefix(r.junit.Suites[0].Name, "wms-mock conformance: http://127.0.0.1:") || r.property("version") == "" || r.property("seed") == "" || r.property("timeout") == "" {
		t.Errorf("the JUnit suite is not named for its target with its settings: %q %+v", r.junit.Suites[0].Name, r.junit.Suites[0].Properties)
	}
	for _, bad := range []string{confSecret, ".go:", "conformance/", "/cmd/wms-mock"} {
		if strings.Contains(r.raw, bad) {
			t.Errorf("a report contains %q", bad)
		}
	}
	return r
}

// TestConformanceReportsForCI reads the JUnit and JSON reports of a
// failing, a passing, an interrupted and an unreachable run, and checks
// that each says what a customer needs.
func TestConformanceReportsForCI(t *testing.T) {
	t.Parallel()
	reports := func(t *testing.T) (string, []string) {
		dir := t.TempDir()
		return dir, []string{"--junit-report", filepath.Join(dir, "junit.xml"), "--json-report", filepath.Join(dir, "report.json")}
	}
	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		srv, _ := confServer(t, func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
		})
		dir, args := reports(t)
		r := runBinary(t, confEnv, "", append([]string{"conformance", "--url", srv.URL + "/webhook"}, args...)...)
		checkFailingReports(t, r, readCIReports(t, dir))
	})
	t.Run("passing", func(t *testing.T) {
		t.Parallel()
		srv, _ := confServer(t, asIs)
		dir, args := reports(t)
		r := runBinary(t, confEnv, "", append([]string{"conformance", "--url", srv.URL + "/webhook", "--seed", "77"}, args...)...)
		rep := readCIReports(t, dir)
		j := rep.json
		if r.code != exitOK || j.Outcome != "passed" || j.Seed != "77" || j.Summary.Passed != j.Summary.Specs || rep.junit.Failures != 0 || rep.property("outcome") != "passed" {
			t.Errorf("exit %d, outcome %q, seed %q, summary %+v, JUnit failures %d", r.code, j.Outcome, j.Seed, j.Summary, rep.junit.Failures)
		}
		if b := j.Burst; b == nil || b.Deliveries != 200 || b.LatencyMs.P99 <= 0 || b.LatencyMs.Max < b.LatencyMs.P50 || len(b.Buckets) == 0 {
			t.Errorf("the burst's figures are not numbers: %+v", b)
		}
		if len(j.Probe) != 1 || j.Probe[0].Answer.Status != 200 || len(j.CannotSee) != 3 || !strings.Contains(rep.junit.Suites[0].SystemOut, "constant time") {
			t.Errorf("the probe %+v or what a pass cannot show %v is missing", j.Probe, j.CannotSee)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		held := make(chan struct{}, 1)
		srv, _ := confServer(t, func(ref http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					select {
					case held <- struct{}{}:
					default:
					}
					<-r.Context().Done()
					return
				}
				ref.ServeHTTP(w, r)
			})
		})
		dir, args := reports(t)
		code := signalBinary(t, held, syscall.SIGTERM, append([]string{"conformance", "--url", srv.URL + "/webhook"}, args...)...)
		rep := readCIReports(t, dir)
		j := rep.json
		if code != 143 || j.Outcome != "interrupted" || j.Interrupted != "terminated signal received" || j.Summary.Failed != 0 || rep.junit.Failures != 0 {
			t.Errorf("exit %d, outcome %q (%q), %d failed, JUnit failures %d", code, j.Outcome, j.Interrupted, j.Summary.Failed, rep.junit.Failures)
		}
		last := j.Specs[len(j.Specs)-1]
		if last.ID != "oversized" || last.Verdict != "not run" || !strings.Contains(last.Message, "interrupted") {
			t.Errorf("the spec after the interrupt: %+v", last)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		dir, args := reports(t)
		r := runBinary(t, confEnv, "", append([]string{"conformance", "--url", closed.URL + "/webhook"}, args...)...)
		rep := readCIReports(t, dir)
		c := rep.junit.Suites[0].Cases
		if r.code != exitUsage || rep.json.Outcome != "setup error" || !strings.Contains(rep.json.SetupError, "connection refused") || len(rep.json.Probe) != 1 {
			t.Errorf("exit %d, outcome %q, setup error %q, %d probes", r.code, rep.json.Outcome, rep.json.SetupError, len(rep.json.Probe))
		}
		if len(c) != 1 || c[0].Failure == nil || !strings.Contains(c[0].Failure.Text, "is the receiver running") || !strings.Contains(c[0].Failure.Text, "fix the setup") {
			t.Errorf("the JUnit report is not one failing test case that says what to do: %+v", c)
		}
	})
}

// checkFailingReports checks the reports of a receiver that answers 200 to
// everything: the must failures with their request, answer and fix.
func checkFailingReports(t *testing.T, r cliResult, rep *ciReports) {
	t.Helper()
	j := rep.json
	if r.code != exitFail || j.Outcome != "failed" || j.Summary.Failed == 0 || rep.junit.Failures != j.Summary.Failed {
		t.Errorf("exit %d, outcome %q, summary %+v, JUnit failures %d", r.code, j.Outcome, j.Summary, rep.junit.Failures)
	}
	for _, sp := range j.Specs {
		if sp.ID != "missing-mac" {
			continue
		}
		x := sp.Problems[0].Exchanges[0]
		if sp.Verdict != "failed" || sp.Fix == "" || x.Request.Method != "POST" || !strings.HasSuffix(x.Request.URL, "/webhook") ||
			x.Answer.Status != 200 || !strings.Contains(x.Request.BodyPrefix, `"event":"WMS_LOADED"`) {
			t.Errorf("missing-mac in the JSON report: %+v", sp)
		}
	}
	for _, c := range rep.junit.Suites[0].Cases {
		if c.Name == "[must] rejects an event signed with another secret (wrong-secret)" {
			if c.Classname != "conformance.signature" || c.Failure == nil || !strings.Contains(c.Failure.Text, `X-WMS-Content-MAC: "hmac-sha256=`) ||
				!strings.Contains(c.Failure.Text, "answer: 200 OK") || !strings.Contains(c.Failure.Text, "A correct receiver") {
				t.Errorf("wrong-secret in the JUnit report: %+v", c)
			}
			return
		}
	}
	t.Error("no wrong-secret test case")
}

// TestConformanceSetupErrorsAreReported: a run that cannot start (no
// secret, no URL, an invalid scenario) still writes the reports asked for,
// one failing test case each, and exits as before.
func TestConformanceSetupErrorsAreReported(t *testing.T) {
	t.Parallel()
	invalid := filepath.Join(t.TempDir(), "invalid.yaml")
	if err := os.WriteFile(invalid, []byte("name: broken\nsteps:\n  - WMS_LODED\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		says string
	}{
		{"no secret", nil, []string{"--url", "http://127.0.0.1:1/webhook"}, exitUsage, "no MAC secret"},
		{"no URL", confEnv, nil, exitUsage, "pass --url"},
		{"invalid scenario", confEnv, []string{"--url", "http://127.0.0.1:1/webhook", "--scenarios", invalid}, exitFail, "wms-mock validate FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			junit := filepath.Join(dir, "ci", "junit.xml")
			r := runBinary(t, tc.env, "", append([]string{"conformance", "--junit-report", junit, "--json-report", filepath.Join(dir, "report.json")}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			data, err := os.ReadFile(junit)
			if err != nil || !strings.Contains(string(data), `failures="1"`) || !strings.Contains(string(data), tc.says) {
				t.Errorf("the JUnit report of a run that could not start (%v) does not say %q:\n%s", err, tc.says, data)
			}
			if data, err := os.ReadFile(filepath.Join(dir, "report.json")); err != nil || !strings.Contains(string(data), `"outcome": "setup error"`) {
				t.Errorf("the JSON report: %v\n%s", err, data)
			}
		})
	}
}

// signalBinary starts wms-mock, sends it sig once held says so, and
// returns its exit status.
func signalBinary(t testing.TB, held <-chan struct{}, sig syscall.Signal, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, confEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the run never reached the held request:\n%s", out.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var exitErr *exec.ExitError
	if err := cmd.Wait(); err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}
