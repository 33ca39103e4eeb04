package wmstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
	"github.com/wmsmock/wms-mock/wmstest"
)

// TestJourneysAreAccepted sends every built-in journey to the reference
// receiver over HTTP: every request is accepted, the sequence runs 0, 1,
// 2, ..., the timestamps end now and none lies in the future, and the
// journeys together send the 21 events.
func TestJourneysAreAccepted(t *testing.T) {
	srv := httptest.NewServer(reference(t))
	defer srv.Close()
	sent := map[string]bool{}
	for _, sc := range scenarios.Journeys() {
		reqs, err := wmstest.Journey(srv.URL+"/webhook", secret, sc.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != sc.Len() {
			t.Errorf("%s: %d requests, want %d", sc.Name, len(reqs), sc.Len())
		}
		now := time.Now().Unix()
		var last int64
		for i, r := range reqs {
			b := bodyOf(t, r)
			env := testkit.Decode(t, b)
			sent[env.Event] = true
			if env.Sequence != int64(i) || env.Timestamp > now || env.Timestamp < now-int64(sc.Duration().Seconds())-2 {
				t.Errorf("%s %d: sequence %d, timestamp %d (now %d)", sc.Name, i, env.Sequence, env.Timestamp, now)
			}
			last = env.Timestamp
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !json.Valid(b) {
				t.Errorf("%s %s: %d %s", sc.Name, env.Event, resp.StatusCode, answer)
			}
		}
		if now-last > 2 {
			t.Errorf("%s ends %ds before now", sc.Name, now-last)
		}
	}
	if len(sent) != 21 {
		t.Errorf("the journeys sent %d distinct events, want 21", len(sent))
	}
}

// TestJourneyOptions checks WithTime, WithSessionID and WithForgery on a
// journey: every forged request is refused 401.
func TestJourneyOptions(t *testing.T) {
	ref := reference(t)
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	reqs, err := wmstest.Journey("/webhook", secret, "user-cancels", wmstest.WithTime(at), wmstest.WithSessionID("qa-1"),
		wmstest.WithForgery(forgery.LastDigit))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		env := testkit.Decode(t, bodyOf(t, r))
		if env.SessionID != "qa-1" || i == 0 && env.Timestamp != at.Unix() {
			t.Errorf("request %d: %+v", i, env)
		}
		if code, answer := serve(ref, r); code != http.StatusUnauthorized {
			t.Errorf("forged %s: %d %s", env.Event, code, answer)
		}
	}
}

// TestJourneyRefusesFaults checks that a scenario with faults, or an
// unknown name, is refused with what to do instead.
func TestJourneyRefusesFaults(t *testing.T) {
	for name, want := range map[string]string{
		"edge-duplicate":     "builtin/edge-duplicate.yaml:",
		"edge-missing-mac":   "is sent wrong on purpose (no MAC)",
		"happy-pat":          `unknown scenario "happy-pat": did you mean happy-path?`,
		"missing/file.yaml":  "missing/file.yaml",
		"edge-tampered-body": "pass this scenario to Conformance with WithScenarios instead",
	} {
		_, err := wmstest.Journey("/webhook", secret, name)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "wmstest.Journey: ") {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}
