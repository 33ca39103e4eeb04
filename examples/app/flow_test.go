package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/scenarios"
	"github.com/wmsmock/wms-mock/wms"
)

// browserless is an http.Client that acts as a browser would for these
// pages: it keeps cookies and follows redirects.
func browserless(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// noFollow shares c's cookies but stops at the first redirect.
func noFollow(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// form is the start page's form as a user submits it unchanged, with
// fields replaced.
func form(changes ...string) url.Values {
	v := url.Values{
		"identifier": {"partner-0042"}, "age": {"44"}, "height": {"175"}, "weight": {"72"}, "gender": {"female"},
		"smoking": {"0"}, "bloodpressuremedication": {"0"}, "diabetes": {"0"},
	}
	for i := 0; i+1 < len(changes); i += 2 {
		v.Set(changes[i], changes[i+1])
	}
	return v
}

func read(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(string(b))
}

// submit posts the form without following, and returns the call-in URL
// and its session ID.
func submit(t *testing.T, c *http.Client, f *flow, v url.Values) (string, string) {
	t.Helper()
	resp, err := noFollow(c).PostForm(f.appURL+"/scan", v)
	body := read(t, resp, err)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /scan: %d, want 303; body: %.500s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	prefix := f.mockURL + "/c/" + testConfigID + "/"
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("POST /scan sent the browser to %q, want %s...", loc, prefix)
	}
	segs := strings.Split(strings.TrimPrefix(loc, prefix), "/")
	if len(segs) != 4 || segs[1] != "test-auth-token" || segs[2] != "test-refresh-token" {
		t.Fatalf("call-in segments %q: want PROFILE_DATA/test-auth-token/test-refresh-token/SESSION_ID", segs)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(segs[3]) {
		t.Errorf("session ID %q is not a UUID v4", segs[3])
	}
	return loc, segs[3]
}

// land follows a call-in to the app's callback page.
func land(t *testing.T, c *http.Client, f *flow, callIn string) string {
	t.Helper()
	resp, err := c.Get(callIn)
	body := read(t, resp, err)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/callback" || !strings.HasPrefix(resp.Request.URL.String(), f.appURL) {
		t.Fatalf("landed on %s with %d, want the app's /callback with 200; body: %.800s", resp.Request.URL, resp.StatusCode, body)
	}
	return body
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page does not show %q; page: %.3000s", w, body)
		}
	}
}

func TestJourneyWithResults(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	c := browserless(t)
	resp, err := c.Get(f.appURL + "/")
	start := read(t, resp, err)
	mustContain(t, start, `name="identifier" value="partner-0042"`, `action="/scan"`, `name="bloodpressuremedication"`)

	callIn, session := submit(t, c, f, form())
	page := land(t, c, f, callIn)
	rep, res := f.report(t, session)
	if rep.Outcome != wms.OutcomeResults || len(rep.Findings()) != 0 {
		t.Fatalf("the mock: outcome %s, findings %v; want results and no finding", rep.Outcome, rep.Findings())
	}
	if p := rep.Profile; p == nil || p.Identifier != "partner-0042" || p.Height != 175 || p.Weight != 72 || p.Diabetes != "0" {
		t.Errorf("the mock decrypted the profile %+v", rep.Profile)
	}
	mustContain(t, page, "Your results", "The callback matches the webhooks.", session, res["measurementId"].(string))
	for _, point := range []string{"HR_BPM", "BP_SYSTOLIC", "BP_DIASTOLIC", "SNR", "BMI_CALC"} {
		mustContain(t, page, ">"+strconv.FormatFloat(res[point].(float64), 'f', -1, 64)+" <")
	}
	if got := strings.Count(page, "<tr><td>"); got != len(rep.Deliveries) {
		t.Errorf("the timeline shows %d events, the mock delivered %d", got, len(rep.Deliveries))
	}
	mustContain(t, page, "RESULTS_RECEIVED", "REDIRECTING_TO_CALLBACK")
}

func TestJourneyChosenWithPutFailsWithItsError(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	c := browserless(t)
	callIn, session := submit(t, c, f, form())
	req, _ := http.NewRequest(http.MethodPut, f.mockURL+"/mock/sessions/"+session, strings.NewReader(`{"scenario":"camera-permission-denied"}`))
	resp, err := http.DefaultClient.Do(req)
	if body := read(t, resp, err); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /mock/sessions: %s", body)
	}
	page := land(t, c, f, callIn)
	if rep, _ := f.report(t, session); rep.ErrorCode != "CAMERA_PERMISSION_DENIED" || rep.ScenarioFrom != "session" {
		t.Fatalf("the mock: error %q, scenario from %q", rep.ErrorCode, rep.ScenarioFrom)
	}
	mustContain(t, page, "The scan did not finish", "CAMERA_PERMISSION_DENIED", "did not allow the camera",
		"The callback matches the webhooks.", "A CAMERA_PERMISSION_DENIED event announced the failure")
}

func TestImplausibleProfileLandsWithInvalidBMI(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	c := browserless(t)
	callIn, session := submit(t, c, f, form("height", "20", "weight", "500"))
	page := land(t, c, f, callIn)
	if rep, _ := f.report(t, session); rep.ErrorCode != "INVALID_BMI" || len(rep.Deliveries) != 0 {
		t.Fatalf("the mock: error %q after %d deliveries, want INVALID_BMI and none", rep.ErrorCode, len(rep.Deliveries))
	}
	mustContain(t, page, "INVALID_BMI", "height and weight make no sense", "The callback matches the webhooks.",
		"no scan took place and no webhook event came", "No webhook event was received")
}

func TestPublicKeyFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wms-public.pem")
	if err := os.WriteFile(file, wms.PublicKeyPEM(&mockKey().PublicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	f := setup(t, scenarios.PaceFast, "", func(c *config) { c.PublicKeyFile = file })
	c := browserless(t)
	callIn, _ := submit(t, c, f, form())
	mustContain(t, land(t, c, f, callIn), "The callback matches the webhooks.")
}

func TestCallbackInAnotherBrowserDoesNotMatch(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	callIn, _ := submit(t, browserless(t), f, form())
	// Another browser (no session cookie) follows the same call-in.
	mustContain(t, land(t, browserless(t), f, callIn), "The callback does not match the webhooks.", `but this browser started "".`)
}
