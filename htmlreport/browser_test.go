package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/internal/browser"
)

// visible is a JavaScript function: whether an element is on the page
// for a reader, laid out with a size and not hidden, in a closed
// <details> or otherwise.
const visible = `function (el) {
	if (!el) { return false; }
	var r = el.getBoundingClientRect();
	return r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true, opacityProperty: true});
}`

// TestBrowserShowsTheFailingRun opens a failing run's report from file://
// in Chromium and reads it as a customer would.
func TestBrowserShowsTheFailingRun(t *testing.T) {
	rep := failingReport(t)
	path := filepath.Join(t.TempDir(), "report.html")
	if err := WriteFile(path, rep); err != nil {
		t.Fatal(err)
	}
	page := "file://" + path
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the page", `document.readyState === 'complete' && document.querySelectorAll('details.spec').length > 0`, 5*time.Second)

	listed := eval[[][]string](t, ctx, `Array.from(document.querySelectorAll('details.spec')).map(function (d) {
		var v = d.querySelector('summary .badge.verdict');
		return [d.dataset.id, v.textContent, (`+visible+`)(v) ? 'shown' : 'hidden', getComputedStyle(v).textTransform];
	})`)
	verdicts := map[string]string{}
	for _, l := range listed {
		verdicts[l[0]] = l[1]
		if l[2] != "shown" || l[3] != "uppercase" {
			t.Errorf("spec %s: its verdict is %s, styled %q", l[0], l[2], l[3])
		}
	}
	for _, sp := range rep.Specs {
		if verdicts[sp.ID] != sp.Verdict {
			t.Errorf("spec %s: the page shows verdict %q, want %q", sp.ID, verdicts[sp.ID], sp.Verdict)
		}
	}
	if len(listed) != len(rep.Specs) {
		t.Errorf("the page lists %d specs, the report %d", len(listed), len(rep.Specs))
	}

	checkFailureReadable(t, ctx, rep)
	checkPassedSpecOpens(t, ctx)
	checkChartDrawn(t, ctx, rep)

	if got := eval[string](t, ctx, `typeof window.pwnedByAnswer + ' ' + typeof window.pwnedByPayload`); got != "undefined undefined" {
		t.Errorf("markup from the run ran as script: %s", got)
	}
	if !eval[bool](t, ctx, `Array.from(document.querySelectorAll('pre.body')).some(function (p) { return p.textContent.indexOf("`+payloadMarkup+`") >= 0; })`) {
		t.Error("the payload's markup is not shown as text")
	}
	// The page's own script runs: "Problems only" hides what passed.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#only-problems`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "problems only", `getComputedStyle(document.querySelector('details.spec.v-passed')).display === 'none' && (`+visible+`)(document.querySelector('details.spec.v-failed'))`, 2*time.Second)

	noRequestButThePage(t, ctx, page)
	for _, e := range browser.ConsoleErrors(ctx) {
		t.Errorf("browser console: %s", e)
	}
}

// checkFailureReadable collapses every spec, opens wrong-secret as a
// reader would, and checks that its request (with the MAC), its answer
// and its curl line are on the screen.
func checkFailureReadable(t *testing.T, ctx context.Context, rep *jsonreport.Report) {
	t.Helper()
	var (
		x       jsonreport.Exchange
		correct string
	)
	for _, sp := range rep.Specs {
		if sp.ID == "wrong-secret" {
			x, correct = sp.Problems[0].Exchanges[0], sp.Correct
		}
	}
	mac := ""
	for _, h := range x.Request.Headers {
		if h.Name == macHeader {
			mac = h.Value
		}
	}
	if mac == "" {
		t.Fatal("wrong-secret's request has no MAC")
	}
	sel := `details.spec[data-id="wrong-secret"]`
	if !eval[bool](t, ctx, `document.querySelector('`+sel+`').open`) {
		t.Error("a failed spec is not open when the page opens")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#collapse-all`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "collapsed", `!(`+visible+`)(document.querySelector('`+sel+` .exchange .req'))`, 2*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+` > summary`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "wrong-secret opened", `(`+visible+`)(document.querySelector('`+sel+` .exchange pre.cmd'))`, 2*time.Second)
	for part, want := range map[string][]string{
		".exchange .req":    {"POST " + x.Request.URL, macHeader, mac, x.Request.BodyPrefix},
		".exchange .ans":    {"200 OK", answerMarkup},
		".exchange pre.cmd": {"curl -sS -i", "-H '" + macHeader + ": " + mac + "'", "--data-binary '" + x.Request.BodyPrefix + "'"},
		".exchange .curl":   {"its MAC is the same"},
		".advice":           {correct},
	} {
		text := eval[string](t, ctx, `(function () { var el = document.querySelector('`+sel+` `+part+`'); return (`+visible+`)(el) ? el.innerText : 'NOT VISIBLE'; })()`)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("wrong-secret's %s does not show %q:\n%s", part, w, text)
			}
		}
	}
}

// checkPassedSpecOpens: a passed spec starts collapsed, and opens on a
// click to its first request and its curl line.
func checkPassedSpecOpens(t *testing.T, ctx context.Context) {
	t.Helper()
	sel := `details.spec.v-passed`
	if eval[bool](t, ctx, `document.querySelector('`+sel+`').open`) {
		t.Error("a passed spec is open when the page opens")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+` > summary`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "a passed spec's sample", `(`+visible+`)(document.querySelector('`+sel+` .sample pre.cmd'))`, 2*time.Second)
}

// checkChartDrawn: the burst's histogram is drawn, one bar a bucket and
// one for the late deliveries, with the percentiles marked.
func checkChartDrawn(t *testing.T, ctx context.Context, rep *jsonreport.Report) {
	t.Helper()
	want := len(rep.Burst.Buckets) + 1
	got := eval[string](t, ctx, `(function () {
		var svg = document.querySelector('#latency-chart svg');
		if (!(`+visible+`)(svg)) { return 'no chart on the screen'; }
		var bars = svg.querySelectorAll('rect.bar'), tall = 0;
		bars.forEach(function (r) { if (r.getBBox().height >= 1) { tall++; } });
		return bars.length + ' bars, ' + (tall > 0 ? 'drawn' : 'flat') + ', ' + svg.querySelectorAll('line.marker').length + ' markers';
	})()`)
	if w := fmt.Sprintf("%d bars, drawn, 3 markers", want); got != w {
		t.Errorf("the chart: %s, want %s", got, w)
	}
}

// noRequestButThePage fails t when the tab asked for anything but the
// report's own file.
func noRequestButThePage(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatal(err)
	}
	for _, u := range browser.Requests(ctx) {
		if u != page && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			t.Errorf("the page requested %s", u)
		}
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
