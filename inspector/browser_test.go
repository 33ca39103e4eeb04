package inspector

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/browser"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// live is how soon the page must show what the receiver got.
const live = time.Second

func TestPageFollowsTheReceiverLive(t *testing.T) {
	r := newRig(t)
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.inspector+"/")); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the feed is connected", `document.querySelector('#live.on') !== null && !document.getElementById('empty').hidden`, 5*time.Second)
	// Gone if the page reloads.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`)); err != nil {
		t.Fatal(err)
	}

	bodies := journey(t, "live-session", 3.3, 6.6)
	for _, b := range bodies[:3] {
		r.deliver(t, b)
	}
	browser.WaitFor(t, ctx, "the new session and its 3 events",
		`document.querySelector('#sessions .session[data-id="live-session"]') !== null && document.querySelectorAll('#s-rows tr.event').length === 3`, live)
	for _, b := range bodies[3:6] {
		r.deliver(t, b)
	}
	browser.WaitFor(t, ctx, "3 more events", `document.querySelectorAll('#s-rows tr.event').length === 6 && document.getElementById('s-id').textContent === 'live-session'`, live)

	forged := event(t, "live-session", 6, "SCAN_COMPLETED", nil)
	r.post(t, forged, testkit.Signer(t, "not-the-secret").MAC(forged))
	r.post(t, forged, "")
	r.post(t, []byte(`{"pad":"`+strings.Repeat("x", 70<<10)+`"}`), r.signer.MAC(forged))
	browser.WaitFor(t, ctx, "the refusal count", `document.getElementById('n-refused').textContent === '3'`, live)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("nav-refused"))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the refused deliveries, newest first",
		`Array.from(document.querySelectorAll('#r-rows tr.refusal td.status .badge')).map(function (b) { return b.textContent; }).join(' ') === '413 401 401'`, live)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('r-rows').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"does not match the body", testkit.Signer(t, "not-the-secret").MAC(forged), `"event":"SCAN_COMPLETED"`, "no X-WMS-Content-MAC header", "over 65536 bytes"} {
		if !strings.Contains(text, want) {
			t.Errorf("the refused list lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, testkit.Secret) {
		t.Error("the page shows the secret")
	}
	browser.WaitFor(t, ctx, "the same document throughout", `window.__sameDocument === true`, live)
	browser.CheckClean(t, ctx)
}

func TestPageMarksReorderedAndRedeliveredEvents(t *testing.T) {
	r := newRig(t)
	bodies := journey(t, "bumpy", 1.5, 4.2, 7.7, 9.9)
	// Result 2 (sequence 7) overtaken by result 3; SCAN_COMPLETED twice.
	for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 8, 7, 9, 10, 10, 11, 12} {
		r.deliver(t, bodies[i])
	}
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.inspector+"/#session=bumpy")); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the timeline", `document.querySelectorAll('#s-rows tr.event').length === 13`, 5*time.Second)
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('#s-rows tr.event')).filter(function (tr) { return tr.querySelector('.mark'); }).map(function (tr) {
		return tr.dataset.seq + ':' + Array.from(tr.querySelectorAll('.mark')).map(function (m) { return m.textContent; }).join('+');
	}).join(' ')`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "7:out of order 10:redelivered ×1"; marks != want {
		t.Errorf("marked rows = %q, want %q", marks, want)
	}
	browser.WaitFor(t, ctx, "the SNR chart", `(function () {
		var p = document.querySelector('#s-chart svg path.series');
		return p !== null && p.getAttribute('d').split('L').length === 4 && document.querySelectorAll('#s-chart svg circle').length === 4;
	})()`, 5*time.Second)
	browser.CheckClean(t, ctx)
}

// A sender chooses the session ID and the payload: both are text to the
// page, and nothing in them runs.
func TestPageShowsHostileInputAsText(t *testing.T) {
	r := newRig(t)
	hostile := `<img src=x onerror="window.__pwned='id'"><b>bold</b>`
	payload := `<script>window.__pwned='payload'</script><img src=x onerror="window.__pwned='img'">`
	r.deliver(t, event(t, hostile, 0, "WMS_LOADED", nil))
	r.deliver(t, event(t, hostile, 1, "GENERAL_ERROR", emitter.Payload{}.Set(emitter.FieldDetails, payload)))
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.inspector+"/")); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the hostile session, followed", `document.getElementById('s-id').textContent === `+jsString(hostile)+` && document.querySelectorAll('#s-rows tr.event').length === 2`, 5*time.Second)
	browser.WaitFor(t, ctx, "the payload as text", `document.querySelector('#s-rows tr.event[data-seq="1"] td.payload').textContent.indexOf("<script>window.__pwned='payload'</script>") >= 0`, live)
	browser.WaitFor(t, ctx, "the sidebar's ID as text", `document.querySelector('#sessions .sid').textContent === `+jsString(hostile), live)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#s-rows tr.event[data-seq="1"]`))); err != nil {
		t.Fatal(err)
	}
	browser.WaitFor(t, ctx, "the body as text", `document.querySelector('#s-rows tr.detail pre').textContent.indexOf('<script>') >= 0`, live)
	injected, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.__pwned) + ' ' + document.querySelectorAll('main script, main img, main b, aside img, aside b').length`))
	if err != nil {
		t.Fatal(err)
	}
	if injected != "undefined 0" {
		t.Errorf("hostile input ran or became markup: __pwned and elements = %s", injected)
	}
	browser.CheckClean(t, ctx)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
