package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// holdsCanceled is the reference receiver, except that it holds the first
// MEASUREMENT_CANCELED (sent by all-events) unanswered until its client
// goes away, and says on held when it starts holding it.
func holdsCanceled(t testing.TB, held chan<- struct{}) string {
	ref := newReference(t, testkit.Signer(t))
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, _ := readBody(r); bytes.Contains(body, []byte(`"event":"MEASUREMENT_CANCELED"`)) {
			select {
			case held <- struct{}{}:
			default:
			}
			<-r.Context().Done()
			return
		}
		ref.ServeHTTP(w, r)
	}))
	return srv.URL + "/webhook"
}

// TestSignalsInterruptTheRun sends SIGINT, then in a second run SIGTERM,
// to the real binary while all-events waits for an answer: the run exits
// 130 or 143, says that it was interrupted and is no verdict, and its
// reports agree: the specs before it passed, all-events reached no
// verdict, the specs after it were not run, and nothing failed.
func TestSignalsInterruptTheRun(t *testing.T) {
	for _, tc := range []struct {
		sig   syscall.Signal
		code  int
		cause string
	}{
		{syscall.SIGINT, 130, "interrupt signal received"},
		{syscall.SIGTERM, 143, "terminated signal received"},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			held := make(chan struct{}, 1)
			url := holdsCanceled(t, held)
			dir := t.TempDir()
			junit, report := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
			r := signalConformance(t, held, tc.sig, "--url", url, "--junit-report", junit, "--json-report", report)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			for _, want := range []string{"INTERRUPTED: the run was interrupted (" + tc.cause + ")", "no verdict on the receiver",
				"SKIP  must    delivery    accepts each of the 21 documented events", "not run: the run was interrupted"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the output lacks %q:\n%s", want, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stderr, "interrupted ("+tc.cause+")") {
				t.Errorf("an interrupted run reads as a failure:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
			checkInterruptedReports(t, junit, report, tc.cause)
		})
	}
}

// checkInterruptedReports checks both reports of a run interrupted during
// all-events.
func checkInterruptedReports(t *testing.T, junit, report, cause string) {
	t.Helper()
	rep := readReport(t, report)
	if rep.Outcome != "interrupted" || rep.Interrupted != cause || rep.Summary.Failed != 0 {
		t.Errorf("JSON report: outcome %q, interrupted %q, %d failed", rep.Outcome, rep.Interrupted, rep.Summary.Failed)
	}
	before := true
	for _, sp := range rep.Specs {
		switch {
		case sp.ID == "all-events":
			if sp.Verdict != conformance.NoVerdict || !strings.Contains(sp.Message, "interrupted ("+cause+")") {
				t.Errorf("all-events: %q %q", sp.Verdict, sp.Message)
			}
			before = false
		case before && sp.Verdict != conformance.Passed:
			t.Errorf("%s, before the interrupt, is %q", sp.ID, sp.Verdict)
		case !before && (sp.Verdict != conformance.NotRun || !strings.HasPrefix(sp.Message, "not run: the run was interrupted")):
			t.Errorf("%s, after the interrupt, is %q: %q", sp.ID, sp.Verdict, sp.Message)
		}
	}
	f, cases := readJUnit(t, junit)
	if f.Failures != 0 || f.Errors != 0 || f.property("outcome") != "interrupted" {
		t.Errorf("JUnit: failures=%d errors=%d outcome %q", f.Failures, f.Errors, f.property("outcome"))
	}
	if c := cases["all-events"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "interrupted") {
		t.Errorf("all-events is not a skipped test case with the reason: %+v", c)
	}
	if c := cases["oversized"]; c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "not run: the run was interrupted") {
		t.Errorf("oversized is not a skipped test case with the reason: %+v", c)
	}
	if !strings.Contains(f.Suites[0].SystemOut, "no verdict on the receiver") {
		t.Errorf("the JUnit report does not say the run is no verdict:\n%s", f.Suites[0].SystemOut)
	}
}

// signalConformance starts the binary, sends it sig once the receiver
// holds a request, and waits for it to exit.
func signalConformance(t testing.TB, held <-chan struct{}, sig syscall.Signal, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"conformance"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "WMS_MAC_SECRET=" + testkit.Secret}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the run never reached the held request")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	r := cliRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run wms-mock conformance: %v", err)
	}
	if r.code == -1 {
		t.Fatalf("the process was killed by %s instead of exiting on its own", sig)
	}
	return r
}
