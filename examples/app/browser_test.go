package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/internal/browser"
	"github.com/wmsmock/wms-mock/scenarios"
)

var screenshotDir = flag.String("screenshot-dir", "", "save screenshots of the app's start and callback pages in this directory (go test ./examples/app -run Browser -screenshot-dir ../../docs)")

// journey is one trip of a browser: the app's start page, the mock WMS, and
// back to the app's callback page.
type journey struct {
	name     string
	pace     scenarios.Pace
	scenario string            // the Config ID's journey; "" for happy-path
	changes  map[string]string // form fields the user changes
	code     string            // the error=CODE it lands with; "" for results
	shot     string            // the callback page's screenshot, with -screenshot-dir
}

func TestBrowserJourneys(t *testing.T) {
	for _, j := range []journey{
		{name: "fast", pace: scenarios.PaceFast, shot: "app-callback.png"},
		{name: "realtime-x20", pace: 20},
		{name: "camera-denied", pace: scenarios.PaceFast, scenario: "camera-permission-denied", code: "CAMERA_PERMISSION_DENIED", shot: "app-callback-error.png"},
		{name: "invalid-bmi", pace: scenarios.PaceFast, changes: map[string]string{"height": "20", "weight": "500"}, code: "INVALID_BMI"},
	} {
		t.Run(j.name, j.run)
	}
}

func (j journey) run(t *testing.T) {
	f := setup(t, j.pace, j.scenario, nil)
	b := browser.New(t)
	do(t, b, chromedp.Navigate(f.appURL+"/"), chromedp.WaitVisible(chromedp.ID("start")))
	if j.shot == "app-callback.png" {
		screenshot(t, b, "app-start.png")
	}
	for id, v := range j.changes {
		do(t, b, chromedp.SetValue(chromedp.ID(id), v))
	}
	ctx, cancel := context.WithTimeout(b, 30*time.Second)
	defer cancel()
	do(t, ctx, chromedp.Click(chromedp.ID("start")), chromedp.WaitVisible(chromedp.ID("verdict")))
	if loc := value(t, b, chromedp.Location()); !strings.HasPrefix(loc, f.appURL+"/callback?") {
		t.Fatalf("landed on %s, want the app's callback", loc)
	}
	session := value(t, b, chromedp.Text(chromedp.ID("session")))
	if verdict := value(t, b, chromedp.Text(chromedp.ID("verdict"))); !strings.Contains(verdict, "The callback matches the webhooks.") {
		t.Errorf("verdict: %s", verdict)
	}
	// Read the error banner without waiting for it: a page that lacks an
	// element would otherwise hold a query until the browser's timeout.
	shown := value(t, b, chromedp.Evaluate[string](`(document.getElementById("error") || {textContent: ""}).textContent`))
	switch {
	case j.code == "" && shown != "":
		t.Fatalf("landed with %q, want results", shown)
	case j.code == "":
		j.checkResults(t, b, f, session)
	case !strings.Contains(shown, j.code):
		t.Errorf("the page shows %q, want the error %s", shown, j.code)
	}
	if rep, _ := f.report(t, session); rep.ErrorCode != j.code {
		t.Errorf("the mock sent error %q, want %q", rep.ErrorCode, j.code)
	}
	j.checkPace(t, b, f, session)
	if j.shot != "" {
		screenshot(t, b, j.shot)
	}
	browser.CheckClean(t, b)
}

// checkResults holds the results page against the webhook events the app
// received, and against what the mock says it sent.
func (j journey) checkResults(t *testing.T, b context.Context, f *flow, session string) {
	events := f.app.events.get(session)
	var created string
	var snr float64
	for _, e := range events {
		switch e.Event {
		case "MEASUREMENT_CREATED":
			created, _ = e.Payload["measurementId"].(string)
		case "INTERMEDIATE_RESULTS":
			snr, _ = e.Payload["snr"].(float64)
		}
	}
	if !slices.ContainsFunc(events, func(e event) bool { return e.Event == "RESULTS_RECEIVED" }) {
		t.Errorf("the app received no RESULTS_RECEIVED among %d events", len(events))
	}
	if shown := value(t, b, chromedp.Text(chromedp.ID("measurement"))); created == "" || shown != created {
		t.Errorf("the page shows measurement %q, the webhooks created %q", shown, created)
	}
	shown := value(t, b, chromedp.Text(chromedp.ID("results")))
	if want := "Signal-to-noise ratio\n" + strconv.FormatFloat(snr, 'f', -1, 64) + " dB"; !strings.Contains(shown, want) {
		t.Errorf("the results show\n%s\nwant the last intermediate SNR: %q", shown, want)
	}
	_, res := f.report(t, session)
	for _, point := range []string{"HR_BPM", "BP_SYSTOLIC", "BP_DIASTOLIC", "BMI_CALC"} {
		if v := strconv.FormatFloat(res[point].(float64), 'f', -1, 64); !strings.Contains(shown, "\n"+v+" ") {
			t.Errorf("the results do not show %s = %s:\n%s", point, v, shown)
		}
	}
	if rows := value(t, b, chromedp.Evaluate[int](`document.querySelectorAll("#events tr").length - 1`)); rows != len(events) {
		t.Errorf("the timeline has %d rows, the app received %d events", rows, len(events))
	}
}

// checkPace checks the way through the mock: at fast pace a 303 straight
// back, otherwise its scan page polling the session's status.
func (j journey) checkPace(t *testing.T, b context.Context, f *flow, session string) {
	status := f.mockURL + "/mock/sessions/" + session + "/status"
	polled := slices.Contains(browser.Requests(b), status)
	switch {
	case j.pace == scenarios.PaceFast && polled:
		t.Errorf("at fast pace the browser polled %s", status)
	case j.pace != scenarios.PaceFast && !polled:
		t.Errorf("at pace %s the browser never polled %s: requests %q", j.pace, status, browser.Requests(b))
	}
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshot saves the whole page as name in -screenshot-dir, if given.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshotDir == "" {
		return
	}
	png := value(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshotDir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
