package htmlreport

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/load"
)

// targetMarkup is in the target's text, to show that the page escapes it.
const targetMarkup = "<script>window.pwnedByTarget=1</script>"

// loadRun runs a real load of three seconds, the last partial, against a webhook that answers every
// 7th POST 503 and every 11th with bytes that are not HTTP, so that the
// page has statuses and a failure class to show.
func loadRun(t *testing.T) LoadRun {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		time.Sleep(2 * time.Millisecond) // a few thousand events in the run, not a hundred thousand
		switch {
		case i%11 == 0:
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				c.Write([]byte("NOT HTTP\r\n\r\n"))
				c.Close()
			}
		case i%7 == 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	sender, err := load.NewHTTPSender(srv.URL + "/webhook")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sender.Close)
	src, err := load.MixSource(nil, testkit.Signer(t), 7)
	if err != nil {
		t.Fatal(err)
	}
	max := 5 * time.Second
	res, err := load.Run(t.Context(), load.Config{Source: src, Sender: sender, Duration: 2100 * time.Millisecond, Concurrency: 4,
		Thresholds: load.Thresholds{MaxP99: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent == 0 || len(res.Failures) == 0 || len(res.Breached) == 0 || res.Duration > max || len(res.Timeline) != 3 {
		t.Fatalf("the run: %+v, want deliveries, failures and a breach", res)
	}
	return LoadRun{Target: srv.URL + "/webhook?" + targetMarkup, Version: "test", Seed: 7, Duration: 2100 * time.Millisecond, StartedAt: time.Now(), Result: res}
}

func TestLoadPageShowsTheRun(t *testing.T) {
	run := loadRun(t)
	res := run.Result
	var b bytes.Buffer
	if err := WriteLoad(&b, run); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<dt>sent</dt><dd>` + itoa(res.Sent) + `</dd>`,
		`<dt>ok</dt><dd>` + itoa(res.OK) + `</dd>`,
		`<dt>failed</dt><dd>` + itoa(res.Failed) + `</dd>`,
		`<dt>p99.9</dt>`, `<dt>max</dt>`, `<dt>seed</dt><dd>7</dd>`, `<dt>model</dt><dd>closed</dd>`,
		`id="breaches"`, res.Breached[0].Message[:20],
		`<tr><th>200</th><td>`, `<tr><th>503</th><td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for class, count := range res.Failures {
		if want := `<tr><th>` + string(class) + `</th><td>` + itoa(count) + `</td></tr>`; !strings.Contains(page, want) {
			t.Errorf("the failures table lacks %q", want)
		}
	}
	for _, chart := range []struct{ id, mark string }{
		{"throughput-chart", `<path class="series"`}, {"latency-chart", `<path class="series"`}, {"distribution-chart", `<rect class="bar`},
	} {
		i := strings.Index(page, `id="`+chart.id+`"`)
		if i < 0 {
			t.Fatalf("no %s", chart.id)
		}
		fig := page[i : i+strings.Index(page[i:], "</figure>")]
		if !strings.Contains(fig, "<svg") || !strings.Contains(fig, chart.mark) {
			t.Errorf("%s has no data drawn: %.300s", chart.id, fig)
		}
	}
	if strings.Contains(page, targetMarkup) || !strings.Contains(page, "&lt;script&gt;window.pwnedByTarget") {
		t.Error("the target's markup is not escaped")
	}
	// No address but the target's, as text.
	rest := strings.ReplaceAll(page, run.Target, "")
	rest = strings.ReplaceAll(rest, strings.Split(run.Target, "?")[0], "")
	if m := regexp.MustCompile(`(?i)https?:`).FindAllString(rest, -1); len(m) > 0 {
		i := regexp.MustCompile(`(?i)https?:`).FindStringIndex(rest)[0]
		t.Errorf("the page holds an address: %.80s", rest[i:])
	}
	if !strings.Contains(page, `content="default-src &#39;none&#39;; style-src &#39;sha256-`) || !strings.Contains(page, "script-src &#39;none&#39;") {
		t.Error("the page has no policy that forbids loading anything")
	}
}

func TestLoadPageWithoutDeliveries(t *testing.T) {
	var b bytes.Buffer
	res := &load.Result{Model: "open", Rate: 5, Concurrency: 1, Interrupted: true}
	if err := WriteLoad(&b, LoadRun{Target: "http://127.0.0.1:1/", Result: res}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No delivery was answered", "No delivery was measured", "interrupted", "FAIL", "<dt>rate</dt><dd>5 events/s</dd>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestWriteLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "load.html")
	if err := WriteLoadFile(path, LoadRun{Result: &load.Result{}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteLoadFile(filepath.Dir(path), LoadRun{Result: &load.Result{}}); err == nil || !strings.Contains(err.Error(), "cannot write the report") {
		t.Errorf("writing onto a directory: %v", err)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
