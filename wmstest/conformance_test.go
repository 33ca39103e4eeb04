package wmstest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/wmstest"
)

var secret = []byte(testkit.Secret)

// reference is the project's reference receiver, a correct handler.
func reference(t testing.TB) *receiver.Receiver {
	t.Helper()
	rc, err := receiver.New(testkit.Signer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

// readAll reads a body up to the reference receiver's cap and puts it
// back, so that the reference still judges a larger one itself.
func readAll(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, receiver.DefaultMaxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), r.Body))
	return b
}

// trustsEveryMAC is the reference receiver behind a defect: whatever MAC
// a request carries, it is replaced by the right one, as a handler that
// skips verification would accept it.
func trustsEveryMAC(t testing.TB) http.Handler {
	ref, signer := reference(t), testkit.Signer(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(emitter.HeaderMAC, signer.MAC(readAll(r)))
		ref.ServeHTTP(w, r)
	})
}

// failsDuplicates is the reference receiver behind a handler that answers
// 500 to a validly signed event whose (sessionId, sequence) it has seen,
// as one that inserts into a unique index and lets the error out does.
func failsDuplicates(t testing.TB) http.Handler {
	ref, signer := reference(t), testkit.Signer(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := readAll(r)
		var env struct {
			SessionID *string `json:"sessionId"`
			Sequence  *int64  `json:"sequence"`
		}
		if signer.Verify(r.Header.Get(emitter.HeaderMAC), b) == nil && json.Unmarshal(b, &env) == nil && env.SessionID != nil && env.Sequence != nil {
			key := fmt.Sprintf("%s/%d", *env.SessionID, *env.Sequence)
			mu.Lock()
			dup := seen[key]
			seen[key] = true
			mu.Unlock()
			if dup {
				http.Error(w, "duplicate key value violates unique constraint", http.StatusInternalServerError)
				return
			}
		}
		ref.ServeHTTP(w, r)
	})
}

// TestReferenceReceiverPasses runs the whole suite against a correct
// handler, the reference receiver: t passes and every spec passed.
func TestReferenceReceiverPasses(t *testing.T) {
	rec := capture(t, func(tb testing.TB) {
		sum := wmstest.Conformance(tb, reference(t), secret, wmstest.WithTimeout(5*time.Second))
		if sum.Passed != len(conformance.Specs()) || !sum.OK() {
			t.Errorf("summary: %d passed of %d, OK %v", sum.Passed, len(conformance.Specs()), sum.OK())
		}
	})
	if rec.failed() {
		t.Fatalf("the reference receiver failed t:\n%s", rec.failures())
	}
	logs := strings.Join(rec.logs, "\n")
	for _, want := range []string{"the handler passed", "wms-mock conformance:", "PASS: every spec passed."} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, testkit.Secret) {
		t.Error("the log shows the secret")
	}
}

// TestBrokenHandlersFail runs the suite against handlers with one defect
// each: t fails, and the failure names the specs that found it, first on
// its headline and then in the CLI's report, and no other.
func TestBrokenHandlersFail(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler func(testing.TB) http.Handler
		specs   []string // the must specs that fail
		titles  []string // lines of the CLI's report
	}{
		{"skips MAC verification", trustsEveryMAC,
			[]string{"missing-mac", "wrong-secret", "tampered-body", "tampered-replay", "one-digit", "truncated-mac", "empty-mac", "empty-key", "empty-body", "other-event", "trusted-session"},
			[]string{"FAIL  must    signature   rejects an event without the X-WMS-Content-MAC header"}},
		{"answers 500 to duplicates", failsDuplicates,
			[]string{"duplicate"},
			[]string{"FAIL  must    delivery    accepts a redelivered duplicate", "duplicate key value violates unique constraint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sum conformance.Summary
			rec := capture(t, func(tb testing.TB) { sum = wmstest.Conformance(tb, tc.handler(t), secret) })
			if len(rec.fatals) > 0 || len(rec.errors) != 1 {
				t.Fatalf("want one Errorf, got %d Fatalf and %d Errorf:\n%s", len(rec.fatals), len(rec.errors), rec.failures())
			}
			text := rec.errors[0]
			head, report, _ := strings.Cut(text, "\n\n")
			want := fmt.Sprintf("%d must spec(s) failed: %s", len(tc.specs), strings.Join(tc.specs, ", "))
			if !strings.Contains(head, want) {
				t.Errorf("the headline does not say %q:\n%s", want, head)
			}
			for _, line := range append(tc.titles, "wms-mock conformance:", "FAIL:", "(rerun: --label-filter "+tc.specs[0]+")") {
				if !strings.Contains(report, line) {
					t.Errorf("the report lacks %q:\n%s", line, report)
				}
			}
			var failed []string
			for _, r := range sum.Results {
				if r.Verdict == conformance.Failed {
					failed = append(failed, r.ID)
				}
			}
			if !slices.Equal(failed, tc.specs) {
				t.Errorf("failed specs %v, want %v", failed, tc.specs)
			}
			if strings.Contains(text, testkit.Secret) {
				t.Error("the failure shows the secret")
			}
		})
	}
}

// TestSelection checks that WithLevel and WithLabelFilter select specs as
// the CLI's --label-filter does, together too.
func TestSelection(t *testing.T) {
	count := func(match func(conformance.SpecInfo) bool) int {
		n := 0
		for _, s := range conformance.Specs() {
			if match(s) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name string
		opts []wmstest.Option
		want int
	}{
		{"should", []wmstest.Option{wmstest.WithLevel(conformance.Should)}, count(func(s conformance.SpecInfo) bool { return s.Level == conformance.Should })},
		{"signature", []wmstest.Option{wmstest.WithLabelFilter("signature")}, count(func(s conformance.SpecInfo) bool { return s.Area == conformance.AreaSignature })},
		{"must signature", []wmstest.Option{wmstest.WithLevel(conformance.Must), wmstest.WithLabelFilter("signature || payload")},
			count(func(s conformance.SpecInfo) bool {
				return s.Level == conformance.Must && (s.Area == conformance.AreaSignature || s.Area == conformance.AreaPayload)
			})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := capture(t, func(tb testing.TB) {
				sum := wmstest.Conformance(tb, reference(t), secret, tc.opts...)
				if sum.Passed != tc.want || sum.Skipped != len(conformance.Specs())-tc.want {
					t.Errorf("%d passed and %d skipped, want %d passed", sum.Passed, sum.Skipped, tc.want)
				}
			})
			if rec.failed() {
				t.Fatal(rec.failures())
			}
		})
	}
}

// TestSetupErrorsStopTheTest checks that what keeps the suite from
// running stops the test with one line that says what to do.
func TestSetupErrorsStopTheTest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.Handler
		secret  []byte
		opts    []wmstest.Option
		want    string
	}{
		{"filter selects nothing", reference(t), secret, []wmstest.Option{wmstest.WithLabelFilter("signatur")}, `the label filter "signatur" selects no spec`},
		{"filter syntax", reference(t), secret, []wmstest.Option{wmstest.WithLabelFilter("must &&")}, "syntax error"},
		{"no secret", reference(t), nil, nil, "no MAC secret"},
		{"bad level", reference(t), secret, []wmstest.Option{wmstest.WithLevel("may")}, `WithLevel: level "may"`},
		{"option of another function", reference(t), secret, []wmstest.Option{wmstest.WithSessionID("s")}, "WithSessionID applies to NewRequest, NewSession, Journey only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := capture(t, func(tb testing.TB) { wmstest.Conformance(tb, tc.handler, tc.secret, tc.opts...) })
			if len(rec.fatals) != 1 || len(rec.errors) != 0 {
				t.Fatalf("want one Fatalf, got:\n%s", rec.failures())
			}
			if !strings.Contains(rec.fatals[0], tc.want) || !strings.HasPrefix(rec.fatals[0], "wmstest.Conformance: ") {
				t.Errorf("the failure does not say %q:\n%s", tc.want, rec.fatals[0])
			}
		})
	}
}

// TestSilentHandlerIsJudged: a handler that takes the request and never
// answers was reached: it is judged, the deadline spec failed, and the
// rest reach no verdict, rather than the test stopping as if nothing
// listened.
func TestSilentHandlerIsJudged(t *testing.T) {
	silent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	rec := capture(t, func(tb testing.TB) {
		wmstest.Conformance(tb, silent, secret, wmstest.WithTimeout(200*time.Millisecond))
	})
	if len(rec.fatals) != 0 || len(rec.errors) != 1 {
		t.Fatalf("want one Errorf, got:\n%s", rec.failures())
	}
	if !strings.Contains(rec.errors[0], "must spec(s) failed: deadline") || !strings.Contains(rec.errors[0], "reached no verdict") {
		t.Errorf("the failure does not name the deadline spec:\n%.600s", rec.errors[0])
	}
}

// TestGoTestCountFlag: the suite runs inside 'go test -count=2' as in
// any other test; no flag of go test's stops it.
func TestGoTestCountFlag(t *testing.T) {
	f := flag.Lookup("test.count")
	if f == nil {
		t.Skip("not run by 'go test'")
	}
	was := f.Value.String()
	t.Cleanup(func() { flag.Set("test.count", was) })
	if err := flag.Set("test.count", "2"); err != nil {
		t.Fatal(err)
	}
	rec := capture(t, func(tb testing.TB) {
		wmstest.Conformance(tb, reference(t), secret, wmstest.WithLabelFilter("duplicate"))
	})
	if rec.failed() {
		t.Fatalf("with -count=2 the suite did not run:\n%s", rec.failures())
	}
}

// TestParallelCalls runs the suite from two parallel tests at once: each
// judges its own handler, and neither fails as busy.
func TestParallelCalls(t *testing.T) {
	var wg sync.WaitGroup
	recs := make([]*recorder, 2)
	for i := range recs {
		wg.Go(func() {
			recs[i] = capture(t, func(tb testing.TB) {
				wmstest.Conformance(tb, reference(t), secret, wmstest.WithLabelFilter("delivery"))
			})
		})
	}
	wg.Wait()
	for i, rec := range recs {
		if rec.failed() {
			t.Errorf("run %d: %s", i, rec.failures())
		}
	}
}

// TestPathAndServerLog checks WithPath, and that a handler's panic shows
// in t's log, as the test server reports it.
func TestPathAndServerLog(t *testing.T) {
	ref := reference(t)
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/wms", ref)
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { panic("not the webhook's path") })
	rec := capture(t, func(tb testing.TB) {
		wmstest.Conformance(tb, mux, secret, wmstest.WithPath("/webhooks/wms"), wmstest.WithLabelFilter("journey"))
	})
	if rec.failed() {
		t.Fatalf("the webhook's path was not used:\n%s", rec.failures())
	}
	rec = capture(t, func(tb testing.TB) {
		wmstest.Conformance(tb, mux, secret, wmstest.WithPath("/elsewhere"), wmstest.WithLabelFilter("journey"))
	})
	logs := strings.Join(rec.logs, "\n")
	if !rec.failed() || !strings.Contains(logs, "not the webhook's path") {
		t.Errorf("a panicking handler did not fail t with the panic in the log:\n%s\n%s", rec.failures(), logs)
	}
}
