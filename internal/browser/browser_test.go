package browser

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A page that logs an error and asks another host for an image is caught
// on both counts.
func TestRecordsConsoleErrorsAndRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><link rel="icon" href="data:,">
<img src="http://192.0.2.1/pixel.png"><script>console.error("boom", 42); document.title = "ready";</script>`))
	}))
	defer srv.Close()
	ctx := New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, ctx, "the script ran", `document.title === "ready"`, 5*time.Second)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatal(err)
	}
	if errs := ConsoleErrors(ctx); !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "console.error: boom 42") }) {
		t.Errorf("console errors = %q, want the page's", errs)
	}
	reqs := Requests(ctx)
	if !slices.Contains(reqs, srv.URL+"/") || !slices.Contains(reqs, "http://192.0.2.1/pixel.png") {
		t.Errorf("requests = %q, want the page and the foreign image", reqs)
	}
}

func TestLocal(t *testing.T) {
	for u, want := range map[string]bool{
		"http://127.0.0.1:8080/x":   true,
		"http://[::1]/":             true,
		"http://localhost:1/":       true,
		"data:image/png;base64,AA":  true,
		"about:blank":               true,
		"https://cdn.example.com/x": false,
		"http://192.0.2.1/":         false,
		"ftp://127.0.0.1/":          false,
	} {
		if got := Local(u); got != want {
			t.Errorf("Local(%q) = %v, want %v", u, got, want)
		}
	}
}
