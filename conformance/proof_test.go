package conformance_test

import (
	"bytes"
	"context"
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

// TestSuiteTellsBrokenReceiversApart runs the real binary against each
// receiver of the family, several at a time, and checks that exactly the
// specs meant to catch its defect fail, those it names reach no verdict,
// every other spec passes, and the exit status and the console say so.
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
			url := ""
			if b.start != nil {
				url = b.start(t)
			} else {
				url = serve(t, b.handler(t)).URL + "/webhook"
			}
			timeout := b.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			report := filepath.Join(t.TempDir(), "report.json")
			sem <- struct{}{}
			r := runConformance(t, append([]string{"--url", url, "--timeout", timeout.String(), "--json-report", report}, b.args...)...)
			<-sem
			t.Logf("%s (%s): exit %d in %s", b.name, b.defect, r.code, r.elapsed.Round(time.Millisecond))

			rep := readReport(t, report)
			specs := rep.byID()
			if len(specs) != len(levels) {
				t.Errorf("the report has %d specs, want %d", len(specs), len(levels))
			}
			wantCode := b.checkSpecs(t, levels, specs)
			b.checkConsole(t, r.stdout)
			if r.code != wantCode {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, wantCode, r.stderr)
			}
			for _, out := range []string{r.stdout, r.stderr, mustRead(t, report)} {
				if strings.Contains(out, testkit.Secret) {
					t.Error("the secret appears in the output or the report")
				}
			}
			if t.Failed() || os.Getenv("SHOW_STDOUT") != "" {
				t.Logf("stdout:\n%s", r.stdout)
			}
		})
	}
}

// checkConsole checks the lines the case says the console shows, and how
// its last line begins.
func (b broken) checkConsole(t *testing.T, stdout string) {
	t.Helper()
	for _, want := range b.says {
		if !strings.Contains(stdout, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if last := lines[len(lines)-1]; b.last != "" && !strings.HasPrefix(last, b.last) {
		t.Errorf("the last line is %q, want it to begin with %q", last, b.last)
	}
}

// checkSpecs checks that exactly the specs meant to catch b's defect
// failed, those it names reached no verdict and every other spec passed.
// It returns the exit status the run must have: 1 when a must spec
// failed (a should spec too, with --strict) or a spec reached no verdict.
func (b broken) checkSpecs(t *testing.T, levels map[string]conformance.Level, specs map[string]jsonSpec) int {
	t.Helper()
	wantCode := 0
	for id, level := range levels {
		want := conformance.Passed
		switch {
		case slices.Contains(b.fails, id) && level == conformance.Must:
			want, wantCode = conformance.Failed, 1
		case slices.Contains(b.fails, id):
			want = conformance.Warned
			if b.strict {
				wantCode = 1
			}
		case slices.Contains(b.inconclusive, id):
			want, wantCode = conformance.NoVerdict, 1
		}
		sp := specs[id]
		switch {
		case sp.Verdict != want && want == conformance.Passed:
			t.Errorf("false alarm: spec %s is %q for %q:\n%s", id, sp.Verdict, b.defect, sp.Message)
		case sp.Verdict != want && want == conformance.NoVerdict:
			t.Errorf("spec %s is %q for %q, want no verdict:\n%s", id, sp.Verdict, b.defect, sp.Message)
		case sp.Verdict != want:
			t.Errorf("miss: spec %s is %q, but it must catch %q (want %q)\n%s", id, sp.Verdict, b.defect, want, sp.Message)
		case want == conformance.NoVerdict && !strings.HasPrefix(sp.Message, "No verdict"):
			t.Errorf("spec %s reached no verdict without saying why: %q", id, sp.Message)
		}
		if sp.Verdict == conformance.Failed || sp.Verdict == conformance.Warned {
			checkFailureMessage(t, id, sp.Message)
			if len(sp.Problems) == 0 || sp.Fix == "" || sp.Correct == "" {
				t.Errorf("the report keeps no problem, correct or fix for %s", id)
			}
		}
	}
	return wantCode
}

// checkFailureMessage checks that a failure lets a customer fix the
// endpoint from the report alone.
func checkFailureMessage(t testing.TB, id, msg string) {
	t.Helper()
	for _, want := range []string{"request: ", "answer: ", "A correct receiver ", "Usual causes and fixes: "} {
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
