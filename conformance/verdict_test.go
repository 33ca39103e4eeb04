package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// result finds a spec's result by ID.
func result(t *testing.T, sum conformance.Summary, id string) conformance.Result {
	t.Helper()
	for _, r := range sum.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", id, sum.Results)
	return conformance.Result{}
}

// TestInterruptLeavesSpecsWithoutAVerdict cancels the run while the
// wrong-secret spec waits for an answer to its forgery: that spec reaches no
// verdict, and the signature specs after it do not run, rather than pass on
// deliveries the run itself cancelled.
func TestInterruptLeavesSpecsWithoutAVerdict(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := testkit.Signer(t)
	ref := newReference(t, s)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(r)
		if ok && bytes.Contains(body, []byte(`"event":"MEASUREMENT_CREATED"`)) && s.Verify(macOf(r), body) != nil {
			cancel()
			<-r.Context().Done()
			return
		}
		ref.ServeHTTP(w, r)
	}))
	var out bytes.Buffer
	sum, err := conformance.Run(ctx, conformance.Config{URL: srv.URL, Signer: s, LabelFilter: "signature", Out: &out})
	if !errors.Is(err, conformance.ErrInterrupted) || !sum.Interrupted || sum.OK() {
		t.Fatalf("Run = %v, interrupted %v; want ErrInterrupted\n%s", err, sum.Interrupted, out.String())
	}
	if sum.Passed != 1 || sum.Inconclusive != 1 || sum.MustFailed != 0 || sum.ShouldFailed != 0 || sum.Skipped != len(conformance.Specs())-2 {
		t.Errorf("passed %d, no verdict %d, failed %d+%d, skipped %d; want only missing-mac passed and wrong-secret without a verdict:\n%s",
			sum.Passed, sum.Inconclusive, sum.MustFailed, sum.ShouldFailed, sum.Skipped, out.String())
	}
	if r := result(t, sum, "wrong-secret"); r.Verdict != conformance.NoVerdict || !strings.HasPrefix(r.Message, "No verdict") {
		t.Errorf("wrong-secret: verdict %q, %q", r.Verdict, r.Message)
	}
	if !strings.Contains(out.String(), "SKIP  must    signature   rejects an event signed with another secret") {
		t.Errorf("the console does not show the spec without a verdict:\n%s", out.String())
	}
}

// TestUnansweredForgeryIsNotARefusal: a receiver that drops the connection
// on a bad MAC gives no answer, which the signature specs cannot take for a
// refusal.
func TestUnansweredForgeryIsNotARefusal(t *testing.T) {
	s := testkit.Signer(t)
	ref := newReference(t, s)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, ok := readBody(r); ok && s.Verify(macOf(r), body) != nil {
			panic(http.ErrAbortHandler)
		}
		ref.ServeHTTP(w, r)
	}))
	sum, err := conformance.Run(context.Background(), conformance.Config{URL: srv.URL, Signer: s, LabelFilter: "missing-mac || wrong-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.MustFailed != 2 {
		t.Fatalf("must failed %d, want 2: %+v", sum.MustFailed, sum.Results)
	}
	for _, id := range []string{"missing-mac", "wrong-secret"} {
		r := result(t, sum, id)
		checkFailureMessage(t, id, r.Message)
		if !strings.Contains(r.Message, "cannot tell whether it was refused") || !strings.Contains(r.Message, "no answer (reset") {
			t.Errorf("%s does not say the forgery got no answer:\n%s", id, r.Message)
		}
	}
}

// TestRefusalsProveNothingWhenValidEventsAreRefused: a receiver that
// refuses valid events cannot show, by refusing a forgery, that it
// verifies; the spec reaches no verdict instead of passing. A forgery it
// accepts is still a failure.
func TestRefusalsProveNothingWhenValidEventsAreRefused(t *testing.T) {
	rcv := testkit.NewReceiver(t, testkit.Signer(t), testkit.WithStatus(func(d testkit.Delivery) int {
		if d.Header.Get(emitter.HeaderMAC) == "" {
			return http.StatusOK // unsigned: accepted
		}
		return http.StatusUnauthorized // signed, validly or not: refused
	}))
	var out bytes.Buffer
	sum, err := conformance.Run(context.Background(), conformance.Config{URL: rcv.URL, Signer: testkit.Signer(t), LabelFilter: "missing-mac || wrong-secret", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Probe.Status != http.StatusUnauthorized || sum.MustFailed != 1 || sum.Inconclusive != 1 || sum.Passed != 0 || sum.OK() {
		t.Fatalf("probe %d, passed %d, must failed %d, no verdict %d; want missing-mac failed and wrong-secret without a verdict:\n%s",
			sum.Probe.Status, sum.Passed, sum.MustFailed, sum.Inconclusive, out.String())
	}
	if r := result(t, sum, "missing-mac"); r.Verdict != conformance.Failed || !strings.Contains(r.Message, "without the X-WMS-Content-MAC header was accepted") {
		t.Errorf("missing-mac does not report the accepted forgery:\n%s", r.Message)
	}
	if r := result(t, sum, "wrong-secret"); r.Verdict != conformance.NoVerdict || !strings.HasPrefix(r.Message, "No verdict") || !strings.Contains(r.Message, "401 Unauthorized") {
		t.Errorf("wrong-secret: verdict %q, %q", r.Verdict, r.Message)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "diagnosis: every validly signed event was answered 401 Unauthorized") || !strings.Contains(last, "the secret given to wms-mock is probably not the receiver's") {
		t.Errorf("the last line does not repeat the diagnosis: %q", last)
	}
}

// TestServingNeedsAValidEventAccepted: a receiver that refuses valid
// events cannot show that it keeps serving after malformed or oversized
// bodies, so those specs reach no verdict instead of passing; a 5xx to a
// malformed body still fails its spec.
func TestServingNeedsAValidEventAccepted(t *testing.T) {
	// A receiver with another Config ID's secret, which answers 500 to a
	// body that does not parse.
	rcv := testkit.NewReceiver(t, testkit.Signer(t, "another-config-id-secret"), testkit.WithStatus(func(d testkit.Delivery) int {
		switch {
		case !json.Valid(d.Body):
			return http.StatusInternalServerError
		case d.Verified:
			return http.StatusNoContent
		}
		return http.StatusUnauthorized
	}))
	var out bytes.Buffer
	sum, err := conformance.Run(context.Background(), conformance.Config{
		URL: rcv.URL, Signer: testkit.Signer(t), LabelFilter: "malformed-json || malformed-array || oversized", Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Passed != 0 || sum.MustFailed != 1 || sum.Inconclusive != 2 || sum.OK() {
		t.Fatalf("passed %d, must failed %d, no verdict %d; want malformed-json failed, malformed-array and oversized without a verdict:\n%s",
			sum.Passed, sum.MustFailed, sum.Inconclusive, out.String())
	}
	if r := result(t, sum, "malformed-json"); r.Verdict != conformance.Failed || !strings.Contains(r.Message, "500 Internal Server Error") {
		t.Errorf("malformed-json does not report the 5xx:\n%s", r.Message)
	}
	for _, id := range []string{"malformed-array", "oversized"} {
		r := result(t, sum, id)
		if r.Verdict != conformance.NoVerdict || !strings.HasPrefix(r.Message, "No verdict") || strings.Contains(r.Message, "\n") ||
			!strings.Contains(r.Message, "got 401 Unauthorized") || !strings.Contains(r.Message, "like the valid events sent before the first spec") {
			t.Errorf("%s: verdict %q, %q; want one line saying the valid events were refused", id, r.Verdict, r.Message)
		}
	}
}

// TestDeadlineNeedsA2xx: a fast 500 is no acceptance within the deadline.
// all-events reports the refused event; the deadline spec reaches no
// verdict rather than pass, and the run does not pass.
func TestDeadlineNeedsA2xx(t *testing.T) {
	srv := serve(t, afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
		if !bytes.Contains(body, []byte(`"event":"MEASUREMENT_CANCELED"`)) {
			return false
		}
		http.Error(w, "boom", http.StatusInternalServerError)
		return true
	}))
	var out bytes.Buffer
	sum, err := conformance.Run(context.Background(), conformance.Config{URL: srv.URL, Signer: testkit.Signer(t), LabelFilter: "deadline", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	r := result(t, sum, "deadline")
	if r.Verdict != conformance.NoVerdict || sum.Inconclusive != 1 || sum.OK() {
		t.Fatalf("deadline verdict %q, no verdict %d, OK %v; want no verdict and no pass:\n%s", r.Verdict, sum.Inconclusive, sum.OK(), out.String())
	}
	if !strings.Contains(r.Message, "MEASUREMENT_CANCELED (500 Internal Server Error") {
		t.Errorf("the deadline spec does not name the refused event:\n%s", r.Message)
	}
	if !strings.Contains(out.String(), "NO VERDICT:") {
		t.Errorf("the console does not say the run reached no verdict:\n%s", out.String())
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestRerunWithTheSameSeedSendsFreshIDs runs twice with one seed: no
// session ID or measurement ID repeats, so that a receiver with a unique
// index on either accepts the rerun, while every other generated value is
// the same.
func TestRerunWithTheSameSeedSendsFreshIDs(t *testing.T) {
	type run struct {
		sessions, measurements map[string]bool
		values                 []string // each event and its payload, IDs left out
	}
	once := func() run {
		rcv := testkit.NewReceiver(t, testkit.Signer(t))
		sum, err := conformance.Run(context.Background(), conformance.Config{URL: rcv.URL, Signer: testkit.Signer(t), Seed: 42, LabelFilter: "all-events || journey"})
		if err != nil || !sum.OK() || sum.Passed != 2 {
			t.Fatalf("Run: %v, %+v", err, sum)
		}
		r := run{sessions: map[string]bool{}, measurements: map[string]bool{}}
		for _, d := range rcv.Deliveries() {
			env := testkit.Decode(t, d.Body)
			r.sessions[env.SessionID] = true
			if id, ok := env.Payload["measurementId"].(string); ok {
				if !uuidV4.MatchString(id) {
					t.Errorf("measurementId %q is not a v4 UUID", id)
				}
				r.measurements[id] = true
				delete(env.Payload, "measurementId")
			}
			p, _ := json.Marshal(env.Payload)
			r.values = append(r.values, env.Event+" "+string(p))
		}
		return r
	}
	first, second := once(), once()
	// The probe's, all-events' and the journey's sessions; the last two
	// create a measurement each.
	if len(first.sessions) != 3 || len(first.measurements) != 2 {
		t.Fatalf("%d sessions and %d measurements, want 3 and 2", len(first.sessions), len(first.measurements))
	}
	for id := range second.measurements {
		if first.measurements[id] {
			t.Errorf("measurement ID %s sent by both runs", id)
		}
	}
	for id := range second.sessions {
		if first.sessions[id] {
			t.Errorf("session ID %s sent by both runs", id)
		}
	}
	if !slices.Equal(first.values, second.values) {
		t.Errorf("the same seed generated other values:\n%v\n%v", first.values, second.values)
	}
}
