package htmlreport

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/internal/browser"
)

// TestBrowserShowsTheLoadRun opens a real run's load page from file:// in
// Chromium: its charts are drawn with data, its tables and figures are
// shown, the target's markup is text, and it asks for nothing.
func TestBrowserShowsTheLoadRun(t *testing.T) {
	run := loadRun(t)
	path := filepath.Join(t.TempDir(), "load.html")
	if err := WriteLoadFile(path, run); err != nil {
		t.Fatal(err)
	}
	page := "file://" + path
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the page", `document.readyState === 'complete'`, 5*time.Second)
	for _, c := range []struct{ id, mark string }{
		{"throughput-chart", "path.series"}, {"latency-chart", "path.series"}, {"distribution-chart", "rect.bar"},
	} {
		drawn := eval[bool](t, ctx, `(function () {
			var svg = document.querySelector('#`+c.id+` svg'), m = svg && svg.querySelector('`+c.mark+`');
			if (!m) { return false; }
			var b = m.getBBox(), r = svg.getBoundingClientRect();
			return r.width > 300 && r.height > 50 && (b.width > 0 || b.height > 0);
		})()`)
		if !drawn {
			t.Errorf("%s is not drawn", c.id)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('#totals').textContent`); got == "" {
		t.Error("no totals")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#status tr').length + document.querySelectorAll('#failures tr').length`); n < 4 {
		t.Errorf("the status and failure tables have %d rows, want their heads and a row each at least", n)
	}
	if eval[bool](t, ctx, `!(`+visible+`)(document.querySelector('#breaches li'))`) {
		t.Error("the breach is not shown")
	}
	if got := eval[string](t, ctx, `typeof window.pwnedByTarget + ' ' + document.querySelector('#target').textContent`); got != "undefined "+run.Target {
		t.Errorf("the target: %q, want its markup as text", got)
	}
	noRequestButThePage(t, ctx, page)
	for _, e := range browser.ConsoleErrors(ctx) {
		t.Errorf("browser console: %s", e)
	}
}
