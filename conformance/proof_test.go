package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// builtBinary builds the real wms-mock binary once per test process: the
// suite's proof runs what customers run, one process per receiver, since
// each process runs the Ginkgo suite.
var builtBinary = sync.OnceValues(func() (string, error) {
	built.Store(true)
	dir, err := os.MkdirTemp("", "wms-mock-conformance-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "wms-mock")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/wms-mock").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
})

// built says whether a test asked for the binary, so that TestMain cleans
// up without building it.
var built atomic.Bool

func TestMain(m *testing.M) {
	code := m.Run()
	if !built.Load() {
		os.Exit(code)
	}
	if bin, err := builtBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func binary(t testing.TB) string {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cliRun is one run of 'wms-mock conformance'.
type cliRun struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// runConformance runs the binary with the test secret in its environment.
func runConformance(t testing.TB, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"conformance"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "WMS_MAC_SECRET=" + testkit.Secret}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := cliRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run wms-mock conformance: %v", err)
		}
		r.code = exitErr.ExitCode()
	}
	return r
}

// verdictEntry is the verdict a spec's "verdict" entry gives in the JSON
// report; empty when it has none.
func verdictEntry(sr types.SpecReport) conformance.Verdict {
	for _, e := range sr.ReportEntries {
		if e.Name == "verdict" {
			return conformance.Verdict(e.StringRepresentation())
		}
	}
	return ""
}

// reported is a spec as the JSON report gives it.
type reported struct {
	state   types.SpecState
	message string // the failure message or the reason for a skip
	verdict conformance.Verdict
}

// specStates reads a JSON report: each built-in spec by ID.
func specStates(t testing.TB, path string) map[string]reported {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the JSON report: %v", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("JSON report: %v (%d reports)", err, len(reports))
	}
	ids := map[string]bool{}
	for _, sp := range conformance.Specs() {
		ids[sp.ID] = true
	}
	specs := map[string]reported{}
	for _, sr := range reports[0].SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, l := range sr.Labels() {
			if ids[l] {
				specs[l] = reported{sr.State, sr.Failure.Message, verdictEntry(sr)}
			}
		}
	}
	return specs
}

// TestSuiteTellsBrokenReceiversApart runs the real binary against each
// receiver of the family, several at a time, and checks that exactly the
// specs meant to catch its defect fail, and every other spec passes.
func TestSuiteTellsBrokenReceiversApart(t *testing.T) {
	levels := map[string]conformance.Level{}
	for _, sp := range conformance.Specs() {
		levels[sp.ID] = sp.Level
	}
	sem := make(chan struct{}, max(4, runtime.NumCPU()))
	for _, b := range brokenReceivers() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, id := range slices.Concat(b.fails, b.inconclusive) {
				if _, ok := levels[id]; !ok {
					t.Fatalf("the case names an unknown spec %q", id)
				}
			}
			srv := serve(t, b.handler(t))
			timeout := b.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			report := filepath.Join(t.TempDir(), "report.json")
			sem <- struct{}{}
			r := runConformance(t, append([]string{"--url", srv.URL + "/webhook", "--timeout", timeout.String(), "--json-report", report}, b.args...)...)
			<-sem
			t.Logf("%s (%s): exit %d in %s", b.name, b.defect, r.code, r.elapsed.Round(time.Millisecond))

			specs := specStates(t, report)
			if len(specs) != len(levels) {
				t.Errorf("the report has %d specs, want %d", len(specs), len(levels))
			}
			wantCode := b.checkSpecs(t, levels, specs)
			for _, want := range b.says {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the output lacks %q", want)
				}
			}
			lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
			if last := lines[len(lines)-1]; b.last != "" && !strings.HasPrefix(last, b.last) {
				t.Errorf("the last line is %q, want it to begin with %q", last, b.last)
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, wantCode, r.stderr)
			}
			for _, out := range []string{r.stdout, r.stderr, mustRead(t, report)} {
				if strings.Contains(out, testkit.Secret) {
					t.Error("the secret appears in the output or the report")
				}
			}
			if t.Failed() {
				t.Logf("stdout:\n%s", r.stdout)
			}
		})
	}
}

// checkSpecs checks that exactly the specs meant to catch b's defect
// failed, those it names reached no verdict and every other spec passed,
// in Ginkgo's states and in the verdicts. It returns the exit status the
// run must have.
func (b broken) checkSpecs(t *testing.T, levels map[string]conformance.Level, specs map[string]reported) int {
	t.Helper()
	wantCode := 0
	for id, level := range levels {
		shouldFail := slices.Contains(b.fails, id)
		undecided := slices.Contains(b.inconclusive, id)
		sp := specs[id]
		failed := sp.state.Is(types.SpecStateFailureStates)
		switch {
		case shouldFail && !failed:
			t.Errorf("miss: spec %s is %s, but it must catch %q", id, sp.state, b.defect)
		case undecided && (sp.state != types.SpecStateSkipped || !strings.HasPrefix(sp.message, "No verdict")):
			t.Errorf("spec %s is %s for %q, want no verdict:\n%s", id, sp.state, b.defect, sp.message)
		case !shouldFail && !undecided && sp.state != types.SpecStatePassed:
			t.Errorf("false alarm: spec %s is %s for %q:\n%s", id, sp.state, b.defect, sp.message)
		}
		want := conformance.Passed
		switch {
		case shouldFail && level == conformance.Must:
			want, wantCode = conformance.Failed, 1
		case shouldFail:
			want = conformance.Warned
		case undecided:
			want = conformance.NoVerdict
		}
		if sp.verdict != want {
			t.Errorf("spec %s: the JSON report's verdict is %q, want %q", id, sp.verdict, want)
		}
		if failed {
			checkFailureMessage(t, id, sp.message)
		}
	}
	return wantCode
}

// checkFailureMessage checks that a failure lets a customer fix the
// endpoint from the report alone.
func checkFailureMessage(t testing.TB, id, msg string) {
	t.Helper()
	for _, want := range []string{"request: ", "answer: ", "A correct receiver "} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure of %s lacks %q:\n%s", id, want, msg)
		}
	}
}

func mustRead(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
