package inspector

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/browser"
	"github.com/wmsmock/wms-mock/scenarios"
)

// screenshot, when set, is where TestScreenshot saves the inspector as PNG
// (and the refused deliveries beside it, FILE-refused.png), for the docs:
//
//	go test ./inspector -run TestScreenshot -screenshot ../docs/inspector.png
var screenshot = flag.String("screenshot", "", "save PNG screenshots of the inspector to this file")

// edgeJourney is the happy path as a network mangles it: CAMERA_STARTED
// lost, an intermediate result overtaken by the next one, and
// SCAN_COMPLETED delivered twice.
const edgeJourney = `name: happy-path-on-a-bad-network
description: The happy path with a lost event, a late intermediate result and a redelivered SCAN_COMPLETED.
steps:
  - WMS_LOADED
  - {event: CONFIGURATION_LOADED, after: 400ms}
  - {event: CAMERA_PERMISSION_GRANTED, after: 3s}
  - {event: CAMERA_STARTED, after: 700ms, drop: true}
  - {event: MEASUREMENT_STARTED, after: 2s}
  - {event: MEASUREMENT_CREATED, after: 500ms}
  - {event: INTERMEDIATE_RESULTS, after: 5s, payload: {snr: 2.4}}
  - {event: INTERMEDIATE_RESULTS, after: 5s, payload: {snr: 5.1}, reorder: true}
  - {event: INTERMEDIATE_RESULTS, after: 5s, payload: {snr: 8.7}}
  - {event: INTERMEDIATE_RESULTS, after: 5s, payload: {snr: 10.9}}
  - {event: INTERMEDIATE_RESULTS, after: 5s, payload: {snr: 12.6}}
  - {event: SCAN_COMPLETED, after: 4500ms, duplicate: true}
  - {event: RESULTS_RECEIVED, after: 2500ms}
  - {event: REDIRECTING_TO_CALLBACK, after: 800ms}
`

// play sends each scenario's session to the rig's webhook, in order, and
// returns the session IDs.
func (r *rig) play(t testing.TB, list ...*scenarios.Scenario) []string {
	t.Helper()
	c, err := emitter.NewClient(r.hook)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ids []string
	run := scenarios.Runner{Sender: c}
	for i, s := range list {
		ds, err := s.Expand(scenarios.ExpandOptions{Signer: r.signer, Seed: uint64(i + 1), Start: time.Now().Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Play(context.Background(), ds, func(scenarios.Result) {}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ds[0].SessionID)
	}
	return ids
}

func builtins(t testing.TB, names ...string) []*scenarios.Scenario {
	t.Helper()
	var out []*scenarios.Scenario
	for _, n := range names {
		s, err := scenarios.Find(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestScreenshot(t *testing.T) {
	if *screenshot == "" {
		t.Skip("pass -screenshot FILE to save the inspector's screenshots")
	}
	r := newRig(t)
	edge, err := scenarios.Parse("edge.yaml", []byte(edgeJourney))
	if err != nil {
		t.Fatal(err)
	}
	list := append(builtins(t, "camera-permission-denied", "edge-wrong-secret", "low-snr", "user-cancels", "edge-missing-mac", "happy-path", "edge-tampered-body"), edge)
	ids := r.play(t, list...)
	shown := ids[len(ids)-1]

	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 1240), chromedp.Navigate(r.inspector+"/#session="+shown)); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the session's chart", `document.querySelector('#s-chart svg path.series') !== null && document.querySelectorAll('#s-rows tr.event').length === 13 && document.querySelectorAll('#s-rows tr.gap').length === 1`, 5*time.Second)
	// Open SCAN_COMPLETED's body, as a user checking the redelivery would.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#s-rows tr.event.redelivered`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the body", `document.querySelector('#s-rows tr.detail pre') !== null`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('main').scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	save(t, ctx, *screenshot)

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("nav-refused"))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the refused deliveries", `document.querySelectorAll('#r-rows tr.refusal').length === 3`, 5*time.Second)
	save(t, ctx, strings.TrimSuffix(*screenshot, filepath.Ext(*screenshot))+"-refused.png")
	browser.CheckClean(t, ctx)
}

func save(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("saving the screenshot: %v", err)
	}
	t.Logf("saved %s", path)
}
