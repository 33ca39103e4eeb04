package wmstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
)

// closeGrace bounds how long Conformance waits, once the suite is done,
// for the handler's calls still running (a hung handler's) to return.
const closeGrace = 2 * time.Second

// Conformance runs the whole conformance suite, the one 'wms-mock
// conformance' runs, against h: h is served on a loopback port by an
// httptest.Server for the run, and the suite signs with secret, which must
// be the secret h verifies with.
//
// When a must spec fails, or a spec reaches no verdict, Conformance fails
// t with t.Errorf: a line naming the specs, then the report the CLI
// prints, with for each failure the request sent, the answer, and what a
// correct receiver does. A should failure is a warning, as in the CLI: the
// report is logged with t.Logf, which 'go test -v' shows, and t passes.
// A run that cannot start or finish (a bad option, a label filter that
// selects no spec, a handler that answers nothing) stops the test with
// t.Fatalf. The returned Summary holds each spec's Result, for a test that
// asserts more.
//
// Conformance takes WithLevel, WithLabelFilter, WithTimeout, WithSeed,
// WithPath and WithScenarios. Parallel calls each judge their own
// handler.
func Conformance(t testing.TB, h http.Handler, secret []byte, opts ...Option) conformance.Summary {
	t.Helper()
	c, err := apply("Conformance", forSuite, opts)
	if err != nil {
		t.Fatalf("%v", err)
		return conformance.Summary{}
	}
	signer, err := newSigner("Conformance", secret)
	if err != nil {
		t.Fatalf("%v", err)
		return conformance.Summary{}
	}

	var out bytes.Buffer
	sum, err := runOn(t, h, conformance.Config{
		Signer:      signer,
		Timeout:     c.timeout,
		Seed:        c.optionalSeed(),
		LabelFilter: c.labelFilter(),
		Scenarios:   c.extra,
		Out:         &out,
	}, c.path)
	switch {
	case errors.Is(err, conformance.ErrConfig):
		t.Fatalf("wmstest.Conformance: %s", inGo(strings.TrimPrefix(err.Error(), conformance.ErrConfig.Error()+": ")))
	case err != nil:
		t.Fatalf("wmstest.Conformance: %s\n\n%s", inGo(err.Error()), out.String())
	case !sum.OK():
		t.Errorf("wmstest.Conformance: %s\n\n%s", headline(sum), out.String())
	case sum.ShouldFailed > 0:
		t.Logf("wmstest.Conformance: the handler passed, with warnings: %s failed, which fails no test but is worth fixing before go-live.\n\n%s",
			strings.Join(ids(sum, conformance.Warned), ", "), out.String())
	default:
		t.Logf("wmstest.Conformance: the handler passed.\n\n%s", out.String())
	}
	return sum
}

// optionalSeed is the suite's seed: zero, which the suite reads as
// random, unless WithSeed gave one.
func (c config) optionalSeed() uint64 {
	if !c.seedSet {
		return 0
	}
	return c.seed
}

// runOn serves h for one run of the suite with cfg, posting to path. The
// server's own errors (a handler's panic, say) go to t's log while the
// run lasts.
func runOn(t testing.TB, h http.Handler, cfg conformance.Config, path string) (conformance.Summary, error) {
	logs := &tbLog{t: t}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(logs, "wmstest: the test server: ", 0)
	// The handler's requests end with the run: a request's own context
	// ends when its client goes away only once the body has been read.
	base, cancel := context.WithCancel(context.Background())
	srv.Config.BaseContext = func(net.Listener) context.Context { return base }
	srv.Start()
	defer shutdown(t, srv, cancel, logs)
	cfg.URL = srv.URL + path
	return conformance.Run(t.Context(), cfg)
}

// shutdown stops the server. A handler call still running after the
// suite is done (one that ignores its request's context) is left behind
// after closeGrace, so that it cannot hang the test; the specs that sent
// it have failed it already.
func shutdown(t testing.TB, srv *httptest.Server, cancel context.CancelFunc, logs *tbLog) {
	cancel()
	srv.CloseClientConnections()
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
		t.Logf("wmstest.Conformance: the handler is still serving requests %s after the suite ended; they were left running (a handler should return when its request's context ends)", closeGrace)
	}
	logs.stop()
}

// inGo rewords a message of the suite, which speaks to CLI users, for a
// Go test: the CLI's flags are this package's options.
func inGo(msg string) string {
	return strings.NewReplacer("--label-filter", "the label filter", "(--timeout)", "(WithTimeout)").Replace(msg)
}

// tbLog writes the test server's log lines to t until stopped: a line
// logged after the test ends would panic.
type tbLog struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *tbLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("%s", bytes.TrimRight(p, "\n"))
	}
	return len(p), nil
}

func (l *tbLog) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// headline is the failure's first line: the specs to fix, and how to
// rerun one.
func headline(sum conformance.Summary) string {
	failed, undecided := ids(sum, conformance.Failed), ids(sum, conformance.NoVerdict)
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d must spec(s) failed: %s", len(failed), strings.Join(failed, ", ")))
	}
	if len(undecided) > 0 {
		parts = append(parts, fmt.Sprintf("%d spec(s) reached no verdict: %s", len(undecided), strings.Join(undecided, ", ")))
	}
	rerun := append(failed, undecided...)
	if len(rerun) == 0 {
		rerun = []string{"must"}
	}
	return fmt.Sprintf("the handler is not ready for go-live: %s. The report below says, for each, what was sent, what came back and what a correct receiver does; rerun one with wmstest.WithLabelFilter(%q) and wmstest.WithSeed(%d).",
		strings.Join(parts, "; "), rerun[0], sum.Seed)
}

// ids are the IDs of the specs that reached verdict v.
func ids(sum conformance.Summary, v conformance.Verdict) []string {
	var out []string
	for _, r := range sum.Results {
		if r.Verdict == v {
			out = append(out, r.ID)
		}
	}
	return out
}
