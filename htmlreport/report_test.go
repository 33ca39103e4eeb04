package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"bytes"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFailingRunShowsEverySpecAndEachFailure: every spec with its level
// and verdict, and each failure's request (its MAC, its body), answer and
// curl command.
func TestFailingRunShowsEverySpecAndEachFailure(t *testing.T) {
	rep := failingReport(t)
	if rep.Outcome != "failed" || rep.Summary.Failed == 0 || rep.Burst == nil {
		t.Fatalf("the fixture is not a failing run with a burst: %s %+v", rep.Outcome, rep.Summary)
	}
	page := render(t, rep)
	if !strings.Contains(page, `<div class="word" id="verdict-word">FAIL</div>`) || !strings.Contains(page, `<code id="target">`+html.EscapeString(rep.Target.URL)+`</code>`) {
		t.Error("the verdict and the target are not at the top")
	}
	for _, sp := range rep.Specs {
		row := `data-id="` + html.EscapeString(sp.ID) + `" data-verdict="` + sp.Verdict + `"`
		if !strings.Contains(page, row) {
			t.Errorf("spec %s (%s) is not listed with its verdict", sp.ID, sp.Verdict)
		}
		if sp.Verdict != "failed" && sp.Verdict != "warned" {
			continue
		}
		for _, p := range sp.Problems {
			if !strings.Contains(page, html.EscapeString(p.What)) {
				t.Errorf("%s: the problem %q is not shown", sp.ID, p.What)
			}
			for _, x := range p.Exchanges {
				checkExchangeShown(t, page, sp.ID, x)
			}
		}
		if !strings.Contains(page, html.EscapeString(sp.Correct)) || !strings.Contains(page, html.EscapeString(sp.Fix)) {
			t.Errorf("%s: what a correct receiver does, or the fix, is not shown", sp.ID)
		}
	}
	for _, want := range []string{"Probe", "What a pass cannot show", html.EscapeString(rep.CannotSee[0]), `id="latency-chart"`, `<rect class="bar"`, `class="marker"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "wms-mock-test-secret") {
		t.Error("the page holds the MAC secret")
	}
}

// checkExchangeShown checks that the page shows x: its MAC, its body,
// the answer, and its curl command.
func checkExchangeShown(t *testing.T, page, id string, x jsonreport.Exchange) {
	t.Helper()
	for _, h := range x.Request.Headers {
		if h.Name == macHeader && h.Value != "" && !strings.Contains(page, "<td>"+html.EscapeString(h.Value)+"</td>") {
			t.Errorf("%s: the MAC %s is not shown", id, h.Value)
		}
	}
	if x.Request.BodyPrefix != "" && !strings.Contains(page, `<pre class="body">`+html.EscapeString(x.Request.BodyPrefix)+`</pre>`) {
		t.Errorf("%s: the request's body is not shown", id)
	}
	if x.Answer.Status != 0 && !strings.Contains(page, html.EscapeString(x.Answer.Summary[:3])) {
		t.Errorf("%s: the answer %s is not shown", id, x.Answer.Summary)
	}
	if !strings.Contains(page, `<pre class="cmd">`+html.EscapeString(curlCommand(x.Request, 10000).Command)+`</pre>`) {
		t.Errorf("%s: the curl command is not shown:\n%s", id, curlCommand(x.Request, 10000).Command)
	}
}

// TestMarkupIsText: a payload and an answer that are markup show as
// text; the page's own script is the only one.
func TestMarkupIsText(t *testing.T) {
	page := render(t, failingReport(t))
	if n := strings.Count(strings.ToLower(page), "<script"); n != 1 {
		t.Errorf("%d <script> tags, want the page's own only", n)
	}
	for _, want := range []string{
		"&lt;script&gt;window.pwnedByAnswer=1&lt;/script&gt; ok",
		"&lt;script&gt;window.pwnedByPayload=&#39;yes&#39;&lt;/script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not quote %s as text", want)
		}
	}
	// A report whose every text is markup, where a field is not escaped
	// would show.
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	rep := &jsonreport.Report{Schema: jsonreport.Schema, SchemaVersion: 1, Outcome: "failed", Target: jsonreport.Target{URL: "http://h/" + evil}, Diagnosis: evil, SetupError: evil,
		Summary: jsonreport.Summary{Specs: 1, Failed: 1}, CannotSee: []string{evil},
		Specs: []jsonreport.Spec{{ID: evil, Level: "must", Area: evil, Title: evil, Verdict: "failed", Message: evil, Correct: evil, Fix: evil,
			Problems: []jsonreport.Problem{{What: evil, Exchanges: []jsonreport.Exchange{{
				Request: jsonreport.Request{Method: "POST", URL: evil, Headers: []jsonreport.Header{{Name: evil, Value: evil}}, BodyPrefix: evil, BodySize: len(evil)},
				Answer:  jsonreport.Answer{Status: 200, StatusText: evil, BodyPrefix: evil, BodySize: int64(len(evil)), FailureMessage: evil, Summary: evil},
			}}}},
			Figures: []jsonreport.Figure{{Name: evil, Value: evil}}}},
		Probe: []jsonreport.Probe{{Sent: evil}},
	}
	page = render(t, rep)
	low := strings.ToLower(page)
	if strings.Count(low, "<script") != 1 || strings.Contains(low, "<img") || strings.Contains(low, "onerror=alert") && !strings.Contains(low, "onerror=alert(2)&gt;") {
		t.Errorf("a field is not escaped:\n%s", page)
	}
}

// TestThePageLoadsNothing: no address in the page but the target's own
// (in its text and its curl lines), nothing that a browser would fetch,
// and a policy that lets it fetch nothing.
func TestThePageLoadsNothing(t *testing.T) {
	rep := failingReport(t)
	page := render(t, rep)
	rest := strings.ReplaceAll(page, html.EscapeString(rep.Target.URL), "TARGET")
	if m := regexp.MustCompile(`(?i)(https?:|wss?:|ftp:)//[^\s"'<]*`).FindAllString(rest, -1); len(m) > 0 {
		t.Errorf("the page holds addresses other than the target: %v", m)
	}
	for _, bad := range []string{" src=", "<link", "@import", "url(", "<img", "<iframe", "<object", "<embed", " srcset="} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the page holds %q, which a browser would fetch", bad)
		}
	}
	for _, href := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(href[1], "#") {
			t.Errorf("a link leaves the page: %s", href[1])
		}
	}
	if !strings.Contains(page, `content="default-src &#39;none&#39;; style-src &#39;sha256-`) {
		t.Error("the page has no policy that forbids loading")
	}
}

// TestNoVerdictRuns: an interrupted and a setup-error run say, at the
// top, that they are no verdict.
func TestNoVerdictRuns(t *testing.T) {
	interrupted := failingReport(t)
	interrupted.Outcome, interrupted.Interrupted = "interrupted", "interrupt signal received"
	page := render(t, interrupted)
	if !strings.Contains(page, `<div class="word" id="verdict-word">NO VERDICT <span class="tag">interrupted</span></div>`) ||
		!strings.Contains(page, "The run was interrupted (interrupt signal received)") || !strings.Contains(page, "no verdict on the receiver") {
		t.Error("an interrupted run is not marked as no verdict")
	}
	setup := &jsonreport.Report{Schema: jsonreport.Schema, SchemaVersion: 1, Outcome: "setup error", Target: jsonreport.Target{URL: "http://127.0.0.1:1/webhook", TimeoutMs: 10000},
		SetupError: "cannot reach the webhook: connection refused: is the receiver running?", Probe: []jsonreport.Probe{{Sent: "WMS_LOADED, sequence 0",
			Exchange: jsonreport.Exchange{Request: jsonreport.Request{Method: "POST", URL: "http://127.0.0.1:1/webhook"}, Answer: jsonreport.Answer{Failure: "refused", FailureMessage: "connection refused"}}}}}
	page = render(t, setup)
	for _, want := range []string{`NO VERDICT <span class="tag">setup error</span>`, "is the receiver running?", "No spec ran", "no answer: refused", "The burst spec did not run"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page of a run that could not start lacks %q", want)
		}
	}
	if strings.Contains(page, `id="expand-all"`) {
		t.Error("a page without specs has the specs' buttons")
	}
}

func TestReadChecksTheSchema(t *testing.T) {
	for in, want := range map[string]string{
		`{"schema":"other","schemaVersion":1}`:                       `schema "other"`,
		`{"schema":"wms-mock/conformance-report","schemaVersion":2}`: "schema version 2",
		`not json`: "not a conformance JSON report",
	} {
		if _, err := jsonreport.Read(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%s) = %v, want %q", in, err, want)
		}
	}
}

// TestReportKnowsEveryField: the suite's JSON report has no field this
// package does not read, so that the page shows all the suite wrote;
// a field added to the schema fails here until the page shows it.
func TestReportKnowsEveryField(t *testing.T) {
	failingReport(t)
	dec := json.NewDecoder(bytes.NewReader(failing.json))
	dec.DisallowUnknownFields()
	var rep jsonreport.Report
	if err := dec.Decode(&rep); err != nil {
		t.Errorf("the suite's JSON report has a field the HTML report does not know: %v", err)
	}
}

// TestWriteFile: the page replaces what is at the path, a link included,
// whose target stays as it was; a path that cannot take it is found
// before, by Writable.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "sub", "report.html")
	if err := Writable(page); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sub")); len(entries) != 0 {
		t.Errorf("Writable left %v behind", entries)
	}
	if err := os.Symlink(victim, page); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(page, failingReport(t)); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep" {
		t.Error("WriteFile wrote through a link")
	}
	fi, err := os.Lstat(page)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("the page is %v (%v)", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sub")); len(entries) != 1 {
		t.Errorf("WriteFile left %v behind", entries)
	}
	for _, bad := range []string{filepath.Join(victim, "report.html"), dir} {
		if err := Writable(bad); err == nil || !strings.HasPrefix(err.Error(), "cannot write the report "+bad+": ") {
			t.Errorf("Writable(%s) = %v", bad, err)
		}
	}
}
