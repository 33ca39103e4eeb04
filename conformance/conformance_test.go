package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

// reference serves the reference receiver, verifying with the test
// secret, on a loopback port.
func reference(t testing.TB) *httptest.Server {
	t.Helper()
	return serve(t, newReference(t, testkit.Signer(t)))
}

// TestReferenceReceiverPassesEverySpec runs the whole suite in-process
// against the reference receiver: every spec passes.
func TestReferenceReceiverPassesEverySpec(t *testing.T) {
	srv := reference(t)
	var out bytes.Buffer
	jsonReport := filepath.Join(t.TempDir(), "report.json")
	start := time.Now()
	sum, err := conformance.Run(context.Background(), conformance.Config{
		URL:        srv.URL + "/webhook",
		Signer:     testkit.Signer(t),
		Timeout:    5 * time.Second,
		JSONReport: jsonReport,
		Out:        &out,
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	t.Logf("whole suite against the reference receiver: %s (burst %s)", elapsed.Round(time.Millisecond), sum.Burst)
	if !sum.OK() || sum.MustFailed != 0 || sum.ShouldFailed != 0 || sum.Inconclusive != 0 {
		t.Fatalf("the reference receiver failed specs:\n%s", out.String())
	}
	if sum.Passed != len(conformance.Specs()) {
		t.Errorf("passed %d specs, want all %d:\n%s", sum.Passed, len(conformance.Specs()), out.String())
	}
	if sum.Burst == nil || sum.Burst.Deliveries != conformance.DefaultBurst*4 || sum.Burst.P99 <= 0 {
		t.Errorf("burst figures missing or wrong: %+v", sum.Burst)
	}
	if bytes.Contains(out.Bytes(), []byte(testkit.Secret)) {
		t.Error("the console output contains the secret")
	}
	rep := readReport(t, jsonReport)
	if strings.Contains(mustRead(t, jsonReport), testkit.Secret) {
		t.Error("the JSON report contains the secret")
	}
	specs := rep.byID()
	for _, sp := range conformance.Specs() {
		if specs[sp.ID].Verdict != conformance.Passed {
			t.Errorf("spec %s is not reported as passed: %q", sp.ID, specs[sp.ID].Verdict)
		}
	}
	if rep.Outcome != "passed" || rep.Burst == nil || rep.Burst.Deliveries != conformance.DefaultBurst*4 || len(rep.Probe) != 1 {
		t.Errorf("outcome %q, burst %+v, %d probes", rep.Outcome, rep.Burst, len(rep.Probe))
	}
	// About 0.1 s on an idle machine; the bound leaves room for -race on
	// a busy CI machine, and still catches a spec that waits out a deadline.
	if elapsed > 3*time.Second {
		t.Errorf("the suite took %s against the reference receiver, want well under a second", elapsed)
	}
	for _, r := range sum.Results {
		if r.Verdict != conformance.Passed {
			t.Errorf("spec %s: verdict %q", r.ID, r.Verdict)
		}
	}
	t.Log("\n" + out.String())
}

// TestBadConfigSendsNothing checks that every configuration error is found
// before the first request, so that Ginkgo never exits the process and a
// typo costs nothing.
func TestBadConfigSendsNothing(t *testing.T) {
	rcv := testkit.NewReceiver(t, testkit.Signer(t))
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	happy, err := scenarios.Find("happy-path")
	if err != nil {
		t.Fatal(err)
	}
	good := conformance.Config{URL: rcv.URL, Signer: testkit.Signer(t)}
	for name, mutate := range map[string]func(*conformance.Config){
		"no signer":            func(c *conformance.Config) { c.Signer = nil },
		"no URL":               func(c *conformance.Config) { c.URL = "" },
		"not http":             func(c *conformance.Config) { c.URL = "ftp://example.com/hook" },
		"filter syntax":        func(c *conformance.Config) { c.LabelFilter = "must &&" },
		"filter selects none":  func(c *conformance.Config) { c.LabelFilter = "signatur" },
		"scenario filter only": func(c *conformance.Config) { c.LabelFilter = "scenario" },
		"report under a file":  func(c *conformance.Config) { c.JUnitReport = filepath.Join(blocker, "junit.xml") },
		"negative burst":       func(c *conformance.Config) { c.Burst = -1 },
		"same scenario twice":  func(c *conformance.Config) { c.Scenarios = []*scenarios.Scenario{happy, happy} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mutate(&cfg)
			_, err := conformance.Run(context.Background(), cfg)
			if !errors.Is(err, conformance.ErrConfig) {
				t.Errorf("Run: %v, want ErrConfig", err)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
		})
	}
	if n := len(rcv.Deliveries()); n != 0 {
		t.Errorf("%d requests reached the receiver", n)
	}
}

// TestSetupErrorsAreReported: a run that stops before the first spec, on
// a configuration error or an unreachable URL, still writes every report
// it was asked for (but one whose own path is the problem): one failing
// test case that says what is wrong and what to do.
func TestSetupErrorsAreReported(t *testing.T) {
	happy, err := scenarios.Find("happy-path")
	if err != nil {
		t.Fatal(err)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for name, tc := range map[string]struct {
		mutate func(c *conformance.Config, dir string)
		want   error
		says   string
	}{
		"bad URL":             {func(c *conformance.Config, _ string) { c.URL = "ftp://example.com/hook" }, conformance.ErrConfig, "http:// or https://"},
		"same scenario twice": {func(c *conformance.Config, _ string) { c.Scenarios = []*scenarios.Scenario{happy, happy} }, conformance.ErrConfig, "two scenarios are named"},
		"JSON report unwritable": {func(c *conformance.Config, dir string) {
			blocker := filepath.Join(dir, "file")
			if err := os.WriteFile(blocker, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			c.JSONReport = filepath.Join(blocker, "report.json")
		}, conformance.ErrConfig, "cannot write the report"},
		"unreachable": {func(*conformance.Config, string) {}, conformance.ErrUnreachable, "connection refused"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			junit := filepath.Join(dir, "ci", "run", "junit.xml")
			cfg := conformance.Config{URL: dead.URL, Signer: testkit.Signer(t), Timeout: 2 * time.Second, JUnitReport: junit}
			tc.mutate(&cfg, dir)
			if _, err := conformance.Run(context.Background(), cfg); !errors.Is(err, tc.want) {
				t.Fatalf("Run: %v, want %v", err, tc.want)
			}
			f, cases := readJUnitFile(t, junit)
			if f.Tests != 1 || f.Failures != 1 || len(cases) != 1 || cases[0].Failure == nil || !strings.Contains(cases[0].Failure.Message, tc.says) {
				t.Errorf("the JUnit report is not one failing test case saying %q: %+v", tc.says, cases)
			}
		})
	}
}

// TestScenarioSpecs runs QA scenarios as specs, in a second run in the
// same process: a scenario whose expectations the receiver meets passes, one
// whose expectation it does not meet fails at its line, and the label
// filter leaves the built-in specs out.
func TestScenarioSpecs(t *testing.T) {
	srv := reference(t)
	tampered, err := scenarios.Find("edge-tampered-body")
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := scenarios.Parse("qa/wrong.yaml", []byte(`name: qa-wrong-expectation
description: expects a refusal where a correct receiver accepts
steps:
  - WMS_LOADED
  - {event: CONFIGURATION_LOADED, expect: 4xx}
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := conformance.Run(context.Background(), conformance.Config{
		URL: srv.URL, Signer: testkit.Signer(t), LabelFilter: "scenario",
		Scenarios: []*scenarios.Scenario{tampered, wrong}, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Results) != 2 || sum.Passed != 1 || sum.MustFailed != 1 || sum.Skipped != len(conformance.Specs()) {
		t.Fatalf("summary %+v, want one passed and one failed scenario, the built-in specs skipped:\n%s", sum, out.String())
	}
	for _, r := range sum.Results {
		if r.Area != conformance.AreaScenario || r.Level != conformance.Must {
			t.Errorf("scenario spec %s labelled %s/%s", r.ID, r.Level, r.Area)
		}
		switch r.ID {
		case "edge-tampered-body":
			if r.Verdict != conformance.Passed {
				t.Errorf("edge-tampered-body failed against the reference receiver:\n%s", r.Message)
			}
		case "qa-wrong-expectation":
			if r.Verdict != conformance.Failed || !strings.Contains(r.Message, "qa/wrong.yaml:5") || !strings.Contains(r.Message, "expects 4xx, got 200") {
				t.Errorf("qa-wrong-expectation: verdict %q, message:\n%s", r.Verdict, r.Message)
			}
		default:
			t.Errorf("unexpected result %s", r.ID)
		}
	}
}
