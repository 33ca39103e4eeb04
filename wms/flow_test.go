package wms

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

func TestCallInRedirectsWithResults(t *testing.T) {
	h := newHarness(t, nil)
	id := newSessionID()
	begin := time.Now().Unix()
	resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	res := results(t, resp, body)
	end := time.Now().Unix()

	if got := resp.Header.Get("Location"); !strings.HasPrefix(got, callback+"?results=") {
		t.Errorf("Location %q, want %s?results=...", got, callback)
	}
	events := h.recv.Sessions()[id]
	if len(events) == 0 {
		t.Fatalf("the receiver got no event for session %s; sessions: %v", id, h.recv.Sessions())
	}
	if n := h.recv.BadMACs(); n > 0 {
		t.Errorf("%d deliveries with a bad MAC", n)
	}
	var names []string
	var measurement string
	var lastSNR float64
	for i, e := range events {
		names = append(names, e.Event)
		if e.Sequence != int64(i) {
			t.Errorf("event %d has sequence %d", i, e.Sequence)
		}
		// Stamped when sent: within the call-in's own time, not 30 s ahead.
		if e.Timestamp < begin || e.Timestamp > end {
			t.Errorf("%s timestamp %d outside the call-in's [%d, %d]", e.Event, e.Timestamp, begin, end)
		}
		if e.Event == "MEASUREMENT_CREATED" {
			measurement, _ = e.Payload["measurementId"].(string)
		}
		if e.Event == "INTERMEDIATE_RESULTS" {
			lastSNR, _ = e.Payload["snr"].(float64)
		}
	}
	if names[len(names)-1] != "REDIRECTING_TO_CALLBACK" || !slices.Contains(names, "RESULTS_RECEIVED") {
		t.Errorf("events %v: want the happy path through RESULTS_RECEIVED to REDIRECTING_TO_CALLBACK", names)
	}
	checkResults(t, res, id, measurement, lastSNR)

	// The report says the same.
	rep, ok := h.srv.Session(id)
	if !ok {
		t.Fatal("no report for the session")
	}
	if rep.State != StateDone || rep.Outcome != OutcomeResults || rep.Redirect != resp.Header.Get("Location") || rep.Scenario != DefaultScenario || rep.ScenarioFrom != "default" {
		t.Errorf("report: state %s outcome %s scenario %s from %s redirect %q", rep.State, rep.Outcome, rep.Scenario, rep.ScenarioFrom, rep.Redirect)
	}
	if f := rep.Findings(); len(f) != 0 {
		t.Errorf("findings for a good call-in: %v", f)
	}
	if len(rep.Deliveries) != len(events) {
		t.Errorf("report has %d deliveries, the receiver got %d", len(rep.Deliveries), len(events))
	}
	for _, d := range rep.Deliveries {
		if d.Status != http.StatusNoContent || !d.Passed {
			t.Errorf("delivery %s: status %d passed %t", d.Event, d.Status, d.Passed)
		}
	}
}

// checkResults checks a happy path's results against what the webhooks
// carried and the profile.
func checkResults(t *testing.T, res map[string]any, id, measurement string, lastSNR float64) {
	t.Helper()
	want := map[string]any{
		"identifier": goodProfile.Identifier, "sessionId": id, "SESSION_ID": id,
		"measurementId": measurement, "MEASUREMENT_ID": measurement,
		"snr": lastSNR, "SNR": lastSNR, "bmi": 29.1, "BMI_CALC": 29.1,
	}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("results[%s] = %v, want %v", k, res[k], v)
		}
	}
	for _, k := range []string{"ppm", "HR_BPM", "systolic", "BP_SYSTOLIC", "diastolic", "BP_DIASTOLIC", "breathing", "BR_BPM", "msi", "age", "healthScore", "HEALTH_SCORE", "cvdRisk", "HRV_SDNN"} {
		if _, ok := res[k].(float64); !ok {
			t.Errorf("results[%s] = %v, want a number", k, res[k])
		}
	}
	if res["ppm"] != res["HR_BPM"] || res["systolic"].(float64) <= res["diastolic"].(float64) {
		t.Errorf("inconsistent results: ppm %v HR_BPM %v systolic %v diastolic %v", res["ppm"], res["HR_BPM"], res["systolic"], res["diastolic"])
	}
	if notes, ok := res["Notes"].(map[string]any); !ok || len(notes) != 0 {
		t.Errorf("Notes = %v, want an empty map for a profile with its medical keys", res["Notes"])
	}
}

func TestSessionIDKeptAsInPath(t *testing.T) {
	h := newHarness(t, nil)
	for _, id := range []string{"abc%20def%2Fghi", "caf%C3%A9-42", "a~b!c*(d)'e"} {
		resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
		res := results(t, resp, body)
		if res["sessionId"] != id || res["SESSION_ID"] != id {
			t.Errorf("results echo session %v / %v, want %q as in the path", res["sessionId"], res["SESSION_ID"], id)
		}
		events := h.recv.Sessions()[id]
		if len(events) == 0 {
			t.Errorf("no webhook carries sessionId %q; sessions: %v", id, keys(h.recv.Sessions()))
		}
		r, b := h.get(sessionsPrefix + id)
		var rep Report
		if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(b), &rep) != nil || rep.SessionID != id {
			t.Errorf("GET /mock/sessions/%s: %d %.200s", id, r.StatusCode, b)
		}
		if got := resp.Header.Get(HeaderSession); got != id {
			t.Errorf("%s = %q, want %q", HeaderSession, got, id)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPutChoosesTheJourney(t *testing.T) {
	h := newHarness(t, nil)
	id := newSessionID()
	resp, body := do(t, h.client, http.MethodPut, h.url+sessionsPrefix+id, `{"scenario": "low-snr"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, body)
	}
	if rep, _ := h.srv.Session(id); rep.State != StateChosen || rep.Chosen != "low-snr" {
		t.Errorf("after PUT: state %s chosen %q", rep.State, rep.Chosen)
	}
	resp, body = h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	if code := errorCode(t, resp, body); code != "LOW_SNR" {
		t.Errorf("error=%s, want LOW_SNR", code)
	}
	var names []string
	for _, e := range h.recv.Sessions()[id] {
		names = append(names, e.Event)
	}
	if !slices.Contains(names, "LOW_SNR") {
		t.Errorf("events %v: want the low-snr journey", names)
	}
	if rep, _ := h.srv.Session(id); rep.Scenario != "low-snr" || rep.ScenarioFrom != "session" {
		t.Errorf("report: scenario %s from %s", rep.Scenario, rep.ScenarioFrom)
	}

	for _, bad := range []struct{ body, want string }{
		{`{"scenario": "low-snrr"}`, "did you mean low-snr"},
		{`{"scenario": "../../etc/passwd"}`, "unknown scenario"},
		{`{"scenario": ""}`, `send {\"scenario\": NAME}`},
		{`{"scenario": "happy-path", "extra": 1}`, `send {\"scenario\": NAME}`},
		{`not json`, `send {\"scenario\": NAME}`},
	} {
		resp, body := do(t, h.client, http.MethodPut, h.url+sessionsPrefix+newSessionID(), bad.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.want) {
			t.Errorf("PUT %s: %d %s, want 400 with %q", bad.body, resp.StatusCode, body, bad.want)
		}
	}
}

func TestConfigDefaultScenario(t *testing.T) {
	h := newHarness(t, func(c *ConfigID) { c.Scenario = "user-cancels" })
	id := newSessionID()
	resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	if code := errorCode(t, resp, body); code != DefaultErrorCode(OutcomeCancelled) {
		t.Errorf("error=%s, want %s", code, DefaultErrorCode(OutcomeCancelled))
	}
	if rep, _ := h.srv.Session(id); rep.ScenarioFrom != "config" {
		t.Errorf("scenario from %q, want config", rep.ScenarioFrom)
	}
}

// TestEveryJourneyEndsAsItsEventsSay plays each built-in journey and
// checks the redirect against JourneyOutcome, so that a journey changed
// or added in the library is covered without a list here.
func TestEveryJourneyEndsAsItsEventsSay(t *testing.T) {
	h := newHarness(t, nil)
	seen := map[Outcome]bool{}
	for _, sc := range h.srv.journeys() {
		id := newSessionID()
		if resp, body := do(t, h.client, http.MethodPut, h.url+sessionsPrefix+id, `{"scenario":"`+sc.Name+`"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", sc.Name, resp.StatusCode, body)
		}
		resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
		o := JourneyOutcome(sc)
		seen[o] = true
		switch o {
		case OutcomeResults:
			results(t, resp, body)
		case OutcomeClosed:
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "closed the page") {
				t.Errorf("%s: %d Location %q, want 200 and the closed page", sc.Name, resp.StatusCode, resp.Header.Get("Location"))
			}
		default:
			if code := errorCode(t, resp, body); code != DefaultErrorCode(o) {
				t.Errorf("%s: error=%s, want %s", sc.Name, code, DefaultErrorCode(o))
			}
		}
		if got := len(h.recv.Sessions()[id]); got != sc.Len() {
			t.Errorf("%s: %d webhooks, want %d", sc.Name, got, sc.Len())
		}
	}
	for _, o := range []Outcome{OutcomeResults, OutcomeClosed, OutcomeCameraDenied, OutcomeLowSNR, OutcomeCancelled, OutcomeConstraint, OutcomeAPIError, OutcomeWebSocketLost} {
		if !seen[o] {
			t.Errorf("no built-in journey ends with %s", o)
		}
	}
	if n := h.recv.BadMACs(); n > 0 {
		t.Errorf("%d deliveries with a bad MAC", n)
	}
}

func TestManySessionsInParallel(t *testing.T) {
	h := newHarness(t, nil)
	const n = 40
	ids := make([]string, n)
	paths := make([]string, n)
	for i := range ids {
		ids[i] = newSessionID()
		paths[i] = callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), ids[i])
	}
	errs := make(chan string, n)
	for i := range ids {
		go func() {
			resp, body := h.get(paths[i])
			res := results(t, resp, body)
			if res["sessionId"] != ids[i] {
				errs <- "session " + ids[i] + " got results for " + res["sessionId"].(string)
				return
			}
			errs <- ""
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	seqs := h.recv.Sequences()
	for _, id := range ids {
		s := seqs[id]
		for i, v := range s {
			if v != int64(i) {
				t.Errorf("session %s: sequences %v", id, s)
				break
			}
		}
		if len(s) == 0 {
			t.Errorf("session %s: no events", id)
		}
	}
	if h.recv.BadMACs() > 0 {
		t.Errorf("%d bad MACs", h.recv.BadMACs())
	}
}

func TestUnreachableWebhookStillRedirects(t *testing.T) {
	for name, webhook := range map[string]string{"refused": refusedURL(t), "silent": silentURL(t)} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(c *ConfigID) { c.Webhook = webhook }, WithDeliveryTimeout(100*time.Millisecond))
			id := newSessionID()
			resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
			results(t, resp, body)
			rep, _ := h.srv.Session(id)
			if len(rep.Deliveries) == 0 {
				t.Fatal("no delivery recorded")
			}
			for _, d := range rep.Deliveries {
				if d.Status != 0 || d.Class == "" || d.Message == "" || d.Passed {
					t.Errorf("delivery %s: status %d class %q message %q passed %t, want a recorded failure", d.Event, d.Status, d.Class, d.Message, d.Passed)
				}
			}
		})
	}
}

// The receiver's own secret differs from the Config ID's: every MAC fails
// at the receiver, which the report shows as 401s, and the journey still
// completes.
func TestReceiverRefusalsAreRecorded(t *testing.T) {
	h := newHarness(t, func(c *ConfigID) { c.Signer = testkit.Signer(t, "another secret") })
	id := newSessionID()
	resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	results(t, resp, body)
	rep, _ := h.srv.Session(id)
	for _, d := range rep.Deliveries {
		if d.Status != http.StatusUnauthorized || d.Passed {
			t.Errorf("delivery %s: %d passed %t, want the receiver's 401 recorded", d.Event, d.Status, d.Passed)
		}
	}
	if h.recv.BadMACs() != len(rep.Deliveries) {
		t.Errorf("receiver saw %d bad MACs of %d", h.recv.BadMACs(), len(rep.Deliveries))
	}
}
