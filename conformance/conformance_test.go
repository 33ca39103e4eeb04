package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

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
	data, err := os.ReadFile(jsonReport)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(testkit.Secret)) {
		t.Error("the JSON report contains the secret")
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("JSON report: %v (%d reports)", err, len(reports))
	}
	passed := map[string]bool{}
	for _, sr := range reports[0].SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStatePassed && verdictEntry(sr) == conformance.Passed {
			passed[sr.LeafNodeText] = true
		}
	}
	for _, sp := range conformance.Specs() {
		if !passed[sp.Title] {
			t.Errorf("spec %s is not reported as passed", sp.ID)
		}
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

// TestStoppedRunLeavesNoReportDirectory: a run that stops before the
// first spec, on a configuration error found after the report paths or
// on an unreachable URL, removes the report directories it created and
// nothing else.
func TestStoppedRunLeavesNoReportDirectory(t *testing.T) {
	happy, err := scenarios.Find("happy-path")
	if err != nil {
		t.Fatal(err)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for name, tc := range map[string]struct {
		mutate func(c *conformance.Config, dir string)
		want   error
	}{
		"bad URL":             {func(c *conformance.Config, _ string) { c.URL = "ftp://example.com/hook" }, conformance.ErrConfig},
		"same scenario twice": {func(c *conformance.Config, _ string) { c.Scenarios = []*scenarios.Scenario{happy, happy} }, conformance.ErrConfig},
		"second report unwritable": {func(c *conformance.Config, dir string) {
			blocker := filepath.Join(dir, "file")
			if err := os.WriteFile(blocker, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			c.JSONReport = filepath.Join(blocker, "report.json")
		}, conformance.ErrConfig},
		"unreachable": {func(*conformance.Config, string) {}, conformance.ErrUnreachable},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			kept := filepath.Join(dir, "reports")
			if err := os.Mkdir(kept, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := conformance.Config{URL: dead.URL, Signer: testkit.Signer(t), Timeout: 2 * time.Second, JUnitReport: filepath.Join(kept, "ci", "run", "junit.xml")}
			tc.mutate(&cfg, dir)
			if _, err := conformance.Run(context.Background(), cfg); !errors.Is(err, tc.want) {
				t.Fatalf("Run: %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(kept, "ci")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the run left a report directory behind: %v", err)
			}
			if _, err := os.Stat(kept); err != nil {
				t.Errorf("the run removed a directory it did not create: %v", err)
			}
		})
	}
}

func TestUnreachableRunsNoSpec(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out bytes.Buffer
	junit := filepath.Join(t.TempDir(), "junit.xml")
	sum, err := conformance.Run(context.Background(), conformance.Config{URL: url, Signer: testkit.Signer(t), Out: &out, Timeout: 2 * time.Second, JUnitReport: junit})
	if !errors.Is(err, conformance.ErrUnreachable) || !sum.Unreachable || sum.OK() {
		t.Fatalf("Run = %+v, %v; want ErrUnreachable", sum, err)
	}
	if !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "\n") {
		t.Errorf("the error does not say why in one line: %q", err)
	}
	if out.Len() != 0 || len(sum.Results) != 0 {
		t.Errorf("specs ran against an unreachable URL:\n%s", out.String())
	}
	if _, err := os.Stat(junit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run that never started left a report behind: %v", err)
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
