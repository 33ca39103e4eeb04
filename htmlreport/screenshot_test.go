package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/browser"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

// screenshot, when set, is where TestScreenshot saves the report of a
// realistic failing run as PNG, for the docs:
//
//	go test ./htmlreport -run TestScreenshot -screenshot ../docs/report.png
var screenshot = flag.String("screenshot", "", "save a PNG screenshot of a report to this file")

// reserialisingReceiver is a receiver with the mistake seen most in real
// integrations: it verifies the MAC over the body as its JSON parser
// gives it back (compacted), not over the bytes that arrived, so a body
// with insignificant whitespace fails verification. It answers methods
// other than POST with 404, and takes a few milliseconds to store an
// event, as a database does.
func reserialisingReceiver(t *testing.T) string {
	t.Helper()
	ref, err := receiver.New(testkit.Signer(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var compact bytes.Buffer
		if json.Compact(&compact, body) == nil {
			body = compact.Bytes()
		}
		time.Sleep(time.Duration((0.5 + rand.ExpFloat64()*5) * float64(time.Millisecond)))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		ref.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); ref.Close() })
	return srv.URL + "/webhooks/wms"
}

func TestScreenshot(t *testing.T) {
	if *screenshot == "" {
		t.Skip("pass -screenshot FILE to save a screenshot of the report")
	}
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")
	if _, err := conformance.Run(context.Background(), conformance.Config{URL: reserialisingReceiver(t), Signer: testkit.Signer(t), JSONReport: jsonPath}); err != nil {
		t.Fatal(err)
	}
	rep, err := jsonreport.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if err := WriteFile(page, rep); err != nil {
		t.Fatal(err)
	}
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the chart", `document.querySelector('#latency-chart svg rect.bar') !== null`, 5*time.Second)
	// What a reader opens the report for: the problems, the first one open.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("only-problems")), chromedp.Evaluate[chromedp.Void](`
		document.querySelectorAll('details.spec[open]').forEach(function (d, i) { d.open = i === 0; });`)); err != nil {
		t.Fatal(err)
	}
	// Down to the end of the chart: what follows is text.
	height := eval[int64](t, ctx, `Math.ceil(document.getElementById('burst').getBoundingClientRect().bottom + window.scrollY + 20)`)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, height)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
		t.Fatalf("saving the screenshot: %v", err)
	}
	t.Logf("saved %s (%s)", *screenshot, rep.Outcome)
	noRequestButThePage(t, ctx, "file://"+page)
	for _, e := range browser.ConsoleErrors(ctx) {
		t.Errorf("browser console: %s", e)
	}
}
