// Package browser runs the project's page tests in a real browser: Debian's
// headless Chromium, driven over the DevTools protocol by chromedp. chromedp
// is pure Go and drives the Chromium already installed, so the tests
// download no browser and need no Node.js.
//
// New starts a fresh browser for one test and records what its tab does:
// every network request and every console error, uncaught exception or
// browser log error. A page test ends with CheckClean, which fails the test
// on any of those errors and on any request to a host that is not this
// machine: the project's pages must work offline.
package browser

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium is where Debian's chromium package puts the browser.
const Chromium = "/usr/bin/chromium"

// Timeout bounds one test's use of the browser, start included, so that a
// hung browser fails the test instead of holding it for the go test limit.
const Timeout = 60 * time.Second

// recorder keeps what the tab did, for CheckClean and the test.
type recorder struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

type recorderKey struct{}

// New starts headless Chromium with a fresh profile for t and returns the
// context that drives its one tab; the browser ends with the test. Without
// Chromium the test is skipped, or fails when CI is set: .ci/run installs
// it, so a CI run that lacks it is broken, not excused.
func New(t testing.TB) context.Context {
	t.Helper()
	path := executable()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser: Chromium is not installed (%s): CI must run the page tests; apt-get install chromium", Chromium)
		}
		t.Skipf("browser: Chromium is not installed (%s): apt-get install chromium to run the page tests", Chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI containers run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1440, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	rec := &recorder{}
	ctx = context.WithValue(ctx, recorderKey{}, rec)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(rec.listen))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browser: cannot start %s: %v", path, err)
	}
	return ctx
}

// executable finds Chromium, "" when it is not installed.
func executable() string {
	if _, err := os.Stat(Chromium); err == nil {
		return Chromium
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// listen runs in the tab's read loop for each event: it must return fast.
func (r *recorder) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.mu.Lock()
		r.requests = append(r.requests, ev.Request.URL)
		r.mu.Unlock()
		return
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg = "console." + string(ev.Type) + ": " + argsText(ev.Args)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "exception: " + d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = "log (" + string(ev.Entry.Source) + "): " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	r.mu.Lock()
	r.errors = append(r.errors, strings.TrimSpace(msg))
	r.mu.Unlock()
}

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		if a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil {
			parts = append(parts, s)
		} else if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

func recorderOf(ctx context.Context) *recorder {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	if r == nil {
		panic("browser: the context does not come from browser.New")
	}
	return r
}

// Requests returns the URL of every request the tab made so far, in order.
func Requests(ctx context.Context) []string {
	r := recorderOf(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// ConsoleErrors returns the console errors, uncaught exceptions and
// browser log errors of the tab so far, in order.
func ConsoleErrors(ctx context.Context) []string {
	r := recorderOf(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// CheckClean fails t when the tab logged an error or requested anything
// from a host other than this machine (data: URLs and about:blank are the
// page's own).
func CheckClean(t testing.TB, ctx context.Context) {
	t.Helper()
	// A round trip, so that every event sent before it has been recorded.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Errorf("browser: %v", err)
	}
	for _, e := range ConsoleErrors(ctx) {
		t.Errorf("browser console: %s", e)
	}
	for _, u := range Requests(ctx) {
		if !Local(u) {
			t.Errorf("browser: the page requested %s, which is not on this machine", u)
		}
	}
}

// Local reports whether a request to rawURL stays on this machine: a
// loopback address or localhost, or a URL with no host at all (data:,
// about:blank, blob:).
func Local(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "about", "blob":
		return true
	case "http", "https", "ws", "wss":
	default:
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WaitFor polls expression, a JavaScript expression, until it is true,
// failing t with what when it is not within timeout. Tests wait for the
// page this way rather than sleep and look.
func WaitFor(t testing.TB, ctx context.Context, what, expression string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expression, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("browser: %s: not within %s (%v)", what, timeout, err)
	}
}
