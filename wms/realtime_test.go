package wms

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/scenarios"
)

// pace200 plays a 40-second journey in a fifth of a second: the realtime
// page's machinery without the wait.
const pace200 = scenarios.Pace(200)

var metaRefresh = regexp.MustCompile(`<noscript><meta http-equiv="refresh" content="(\d+);url=([^"]+)"></noscript>`)

func TestRealtimePage(t *testing.T) {
	h := newHarness(t, nil, WithPace(pace200))
	id := newSessionID()
	resp, page := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("call-in at realtime pace: %d %s, want 200 and the scan page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m := metaRefresh.FindStringSubmatch(page)
	if m == nil || m[2] != sessionsPrefix+id+"/done" {
		t.Fatalf("no no-script refresh to the done URL in the page:\n%s", page)
	}
	for _, want := range []string{`id="countdown"`, `id="snr"`, `id="step"`, `"` + sessionsPrefix + id + `/status"`, "fetch(statusURL"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if regexp.MustCompile(`<script[^>]+src=|<link[^>]+href=|https?://`).MatchString(page) {
		t.Errorf("the page loads something from elsewhere:\n%s", page)
	}

	resp, body := h.get(sessionsPrefix + id + "/status")
	var st pageStatus
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Planned == 0 || st.DoneURL != m[2] {
		t.Errorf("status: %d %s", resp.StatusCode, body)
	}

	// With or without JavaScript, the browser ends at the done URL, which
	// waits for the journey and sends it on.
	resp, body = h.get(m[2])
	res := results(t, resp, body)
	if res["sessionId"] != id {
		t.Errorf("results for %v, want %s", res["sessionId"], id)
	}
	events := h.recv.Sessions()[id]
	if len(events) == 0 || events[len(events)-1].Event != "REDIRECTING_TO_CALLBACK" {
		t.Errorf("the journey was not delivered in full before the redirect: %d events", len(events))
	}
	resp, body = h.get(sessionsPrefix + id + "/status")
	if json.Unmarshal([]byte(body), &st) != nil || st.State != StateDone || st.SNR == nil || st.Sent != len(events) {
		t.Errorf("final status: %s", body)
	}
	if *st.SNR != events[len(events)-4].Payload["snr"] {
		// happy-path: the last INTERMEDIATE_RESULTS is 4th from the end.
		t.Errorf("status SNR %v, want the last intermediate result's %v", *st.SNR, events[len(events)-4].Payload["snr"])
	}
}

func TestRealtimeClosedPage(t *testing.T) {
	h := newHarness(t, nil, WithPace(pace200))
	id := newSessionID()
	do(t, h.client, http.MethodPut, h.url+sessionsPrefix+id, `{"scenario":"page-closed-mid-scan"}`)
	h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	resp, body := h.get(sessionsPrefix + id + "/done")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "closed the page") {
		t.Errorf("done of a closed journey: %d Location %q %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// A refused call-in at realtime pace redirects at once.
	resp, body = h.get("/c/" + testConfigID + "/" + seg(t, profileWith("height", "1.75")) + "/a/r/" + newSessionID())
	if code := errorCode(t, resp, body); code != "INVALID_BMI" {
		t.Errorf("error=%s, want INVALID_BMI", code)
	}
}

func TestPagesEscapeWhatTheyShow(t *testing.T) {
	h := newHarness(t, nil)
	hostile := `"><script>alert(1)</script><x y='`
	for name, data := range map[string]any{
		"scan":   scanData{SessionID: hostile, Scenario: hostile, Step: hostile, StatusURL: hostile, DoneURL: hostile, Refresh: hostile},
		"closed": Report{SessionID: hostile, Scenario: hostile},
		"error":  errorData{Title: hostile, What: hostile, Todo: hostile},
		"index":  indexData{IDs: []string{hostile}, Pace: hostile},
	} {
		w := httptest.NewRecorder()
		h.srv.render(w, http.StatusOK, name, data)
		if strings.Contains(w.Body.String(), "<script>alert") || strings.Contains(w.Body.String(), "<x y=") {
			t.Errorf("%s page shows its data unescaped:\n%s", name, w.Body.String())
		}
	}
}
