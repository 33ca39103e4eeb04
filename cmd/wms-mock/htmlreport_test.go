package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// htmlPage is what a test reads of an HTML report: the verdict at the
// top and each spec's verdict.
type htmlPage struct {
	raw      string
	verdict  string            // "FAIL", "NO VERDICT setup error"
	verdicts map[string]string // spec ID: verdict
}

// readHTML reads the HTML report at path, failing t when it holds the
// secret or anything a browser would fetch.
func readHTML(t *testing.T, path string) htmlPage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the HTML report was not written: %v", err)
	}
	p := htmlPage{raw: string(data), verdicts: map[string]string{}}
	if m := regexp.MustCompile(`id="verdict-word">([^<]*)(?:<span class="tag">([^<]*)</span>)?`).FindStringSubmatch(p.raw); m != nil {
		p.verdict = strings.Join(strings.Fields(m[1]+" "+m[2]), " ")
	}
	for _, m := range regexp.MustCompile(`data-id="([^"]*)" data-verdict="([^"]*)"`).FindAllStringSubmatch(p.raw, -1) {
		p.verdicts[m[1]] = m[2]
	}
	for _, bad := range []string{confSecret, " src=", "<link", "@import"} {
		if strings.Contains(p.raw, bad) {
			t.Errorf("the HTML report holds %q", bad)
		}
	}
	return p
}

// TestConformanceHTMLReport: a passing, a failing, an interrupted and an
// unreachable run each write the page, and say what the run found.
func TestConformanceHTMLReport(t *testing.T) {
	t.Parallel()
	t.Run("passing", func(t *testing.T) {
		t.Parallel()
		srv, _ := confServer(t, asIs)
		page := filepath.Join(t.TempDir(), "ci", "report.html")
		r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL+"/webhook", "--html-report", page)
		p := readHTML(t, page)
		if r.code != exitOK || p.verdict != "PASS" || len(p.verdicts) != 35 || strings.Count(p.raw, `data-verdict="passed"`) != 35 {
			t.Errorf("exit %d, verdict %q, %d specs: %v", r.code, p.verdict, len(p.verdicts), p.verdicts)
		}
		if !strings.Contains(p.raw, `id="latency-chart"`) || !strings.Contains(p.raw, `<rect class="bar"`) {
			t.Error("the page has no latency chart")
		}
	})
	t.Run("failing, with the JSON report", func(t *testing.T) {
		t.Parallel()
		srv, _ := confServer(t, func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "<b>ok</b>") })
		})
		dir := t.TempDir()
		page := filepath.Join(dir, "report.html")
		r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL+"/webhook", "--html-report", page, "--json-report", filepath.Join(dir, "report.json"))
		p := readHTML(t, page)
		rep := readCIReportsJSON(t, filepath.Join(dir, "report.json"))
		if r.code != exitFail || p.verdict != "FAIL" || p.verdicts["missing-mac"] != "failed" || p.verdicts["wrong-secret"] != "failed" {
			t.Errorf("exit %d, verdict %q: %v", r.code, p.verdict, p.verdicts)
		}
		if !strings.Contains(p.raw, "curl -sS -i") || !strings.Contains(p.raw, "X-WMS-Content-MAC: hmac-sha256=") || !strings.Contains(p.raw, "&lt;b&gt;ok&lt;/b&gt;") {
			t.Error("the failures lack their curl line, MAC or escaped answer")
		}
		if !strings.Contains(p.raw, "<dd>"+rep.Seed+"</dd>") {
			t.Errorf("the page is not made from the JSON report of the run (seed %s)", rep.Seed)
		}
		assertNoSecret(t, r, confSecret)
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		held := make(chan struct{}, 1)
		srv, _ := confServer(t, func(ref http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					select {
					case held <- struct{}{}:
					default:
					}
					<-r.Context().Done()
					return
				}
				ref.ServeHTTP(w, r)
			})
		})
		page := filepath.Join(t.TempDir(), "report.html")
		code := signalBinary(t, held, syscall.SIGINT, "conformance", "--url", srv.URL+"/webhook", "--html-report", page)
		p := readHTML(t, page)
		if code != 130 || p.verdict != "NO VERDICT interrupted" || p.verdicts["oversized"] != "not run" || !strings.Contains(p.raw, "no verdict on the receiver") {
			t.Errorf("exit %d, verdict %q: %v", code, p.verdict, p.verdicts)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		page := filepath.Join(t.TempDir(), "report.html")
		r := runBinary(t, confEnv, "", "conformance", "--url", closed.URL+"/webhook", "--html-report", page)
		p := readHTML(t, page)
		if r.code != exitUsage || p.verdict != "NO VERDICT setup error" || len(p.verdicts) != 0 || !strings.Contains(p.raw, "connection refused") || !strings.Contains(p.raw, "no answer: refused") {
			t.Errorf("exit %d, verdict %q, specs %v", r.code, p.verdict, p.verdicts)
		}
	})
}

// readCIReportsJSON reads the seed of a JSON report.
func readCIReportsJSON(t *testing.T, path string) (r struct{ Seed string }) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"seed": "(\d+)"`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("no seed in %s", data)
	}
	r.Seed = m[1]
	return r
}

// TestConformanceHTMLReportSetupErrors: a run that cannot start writes the
// page too, whenever the JUnit report is written; a page that cannot be
// written stops the run before anything is sent.
func TestConformanceHTMLReportSetupErrors(t *testing.T) {
	t.Parallel()
	srv, requests := confServer(t, asIs)
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, says string
		env        []string
		args       []string
	}{
		{"no secret", "no MAC secret", nil, []string{"--url", srv.URL}},
		{"bad label filter", "--label-filter", confEnv, []string{"--url", srv.URL, "--label-filter", "must && (signature"}},
		{"JSON report unwritable", "cannot write the report " + filepath.Join(file, "report.json"), confEnv, []string{"--url", srv.URL, "--json-report", filepath.Join(file, "report.json")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := filepath.Join(t.TempDir(), "report.html")
			r := runBinary(t, tc.env, "", append([]string{"conformance", "--html-report", page}, tc.args...)...)
			p := readHTML(t, page)
			if r.code != exitUsage || p.verdict != "NO VERDICT setup error" || !strings.Contains(p.raw, tc.says) {
				t.Errorf("exit %d (%s), verdict %q, the page does not say %q", r.code, r.stderr, p.verdict, tc.says)
			}
		})
	}
	t.Run("unwritable", func(t *testing.T) {
		page := filepath.Join(file, "report.html")
		junit := filepath.Join(t.TempDir(), "junit.xml")
		r := runBinary(t, confEnv, "", "conformance", "--url", srv.URL, "--html-report", page, "--junit-report", junit)
		if r.code != exitUsage || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "cannot write the report "+page+": not a directory") || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if data, err := os.ReadFile(junit); err != nil || !strings.Contains(string(data), "cannot write the report") {
			t.Errorf("the JUnit report does not say why the run did not start (%v): %s", err, data)
		}
	})
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the receiver from runs that must stop before the first spec", n)
	}
}
