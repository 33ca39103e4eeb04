package conformance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// junitFile is the part of a JUnit report CI reads.
type junitFile struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases     []junitCase `xml:"testcase"`
		SystemOut string      `xml:"system-out"`
	} `xml:"testsuite"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	SystemOut string `xml:"system-out"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
}

// property is the suite's property name, empty when it has none.
func (f junitFile) property(name string) string {
	for _, p := range f.Suites[0].Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// readJUnitFile parses a JUnit report of one test suite.
func readJUnitFile(t testing.TB, path string) (junitFile, []junitCase) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the JUnit report was not written: %v", err)
	}
	var f junitFile
	if err := xml.Unmarshal(data, &f); err != nil {
		t.Fatalf("the JUnit report is not XML: %v", err)
	}
	if len(f.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(f.Suites))
	}
	if strings.Contains(string(data), ".go:") {
		t.Errorf("the JUnit report shows a source path:\n%s", data)
	}
	return f, f.Suites[0].Cases
}

// readJUnit parses a JUnit report and checks that its test cases are the
// specs, and only them, each named with its level, title and ID. It
// returns the test cases by spec ID.
func readJUnit(t testing.TB, path string) (junitFile, map[string]junitCase) {
	t.Helper()
	f, cases := readJUnitFile(t, path)
	if n := len(conformance.Specs()); f.Tests != n || len(cases) != n {
		t.Errorf("tests=%d with %d test cases, want the %d specs", f.Tests, len(cases), n)
	}
	byID := map[string]junitCase{}
	for _, sp := range conformance.Specs() {
		name := fmt.Sprintf("[%s] %s (%s)", sp.Level, sp.Title, sp.ID)
		for _, c := range cases {
			if c.Name == name && c.Classname == "conformance."+sp.Area {
				byID[sp.ID] = c
			}
		}
		if _, ok := byID[sp.ID]; !ok {
			t.Errorf("no test case named %q", name)
		}
	}
	return f, byID
}

// TestJUnitShouldFailureIsAWarning: CI reads the JUnit report, so a failed
// should spec is a passed test case there, with its warning in system-out,
// while a failed must spec is a failure, and a spec without a verdict or
// not run is skipped.
func TestJUnitShouldFailureIsAWarning(t *testing.T) {
	run := func(receiver, filter string) (conformance.Summary, junitFile, map[string]junitCase) {
		t.Helper()
		srv := serve(t, brokenHandler(t, receiver))
		path := filepath.Join(t.TempDir(), "junit.xml")
		sum, err := conformance.Run(context.Background(), conformance.Config{URL: srv.URL, Signer: testkit.Signer(t), LabelFilter: filter, JUnitReport: path})
		if err != nil {
			t.Fatal(err)
		}
		f, cases := readJUnit(t, path)
		return sum, f, cases
	}

	sum, f, cases := run("400-on-bad-mac", "signature")
	if !sum.OK() || sum.ShouldFailed != 1 {
		t.Fatalf("want one should failure and a passing run: %+v", sum)
	}
	if f.Failures != 0 || f.Errors != 0 {
		t.Errorf("a should failure alone gives failures=%d errors=%d, want 0", f.Failures, f.Errors)
	}
	warn := cases["reject-status"]
	if warn.Skipped != nil || warn.Failure != nil || !strings.Contains(warn.SystemOut, "WARNING") || !strings.Contains(warn.SystemOut, "got 400 Bad Request") || !strings.Contains(warn.SystemOut, "not 401 or 403") {
		t.Errorf("reject-status is not a passed test case with its warning: %+v", warn)
	}

	sum, f, cases = run("no-verification", "missing-mac || reject-status")
	if sum.OK() || sum.MustFailed != 1 || sum.ShouldFailed != 1 {
		t.Fatalf("want one must and one should failure: %+v", sum)
	}
	if f.Failures != 1 {
		t.Errorf("failures=%d, want the one must failure", f.Failures)
	}
	if c := cases["missing-mac"]; c.Failure == nil || c.Failure.Type != "must" || !strings.Contains(c.Failure.Text, "request: POST") || !strings.Contains(c.Failure.Text, "A correct receiver") {
		t.Errorf("missing-mac is not a failure with its request: %+v", c)
	}
	if c := cases["reject-status"]; c.Failure != nil || !strings.Contains(c.SystemOut, "WARNING") {
		t.Errorf("reject-status is not a warning: %+v", c)
	}
	if c := cases["duplicate"]; c.Skipped == nil || c.Skipped.Message != "not run: left out by the label filter" {
		t.Errorf("duplicate, left out by the filter, is not a skipped test case: %+v", c)
	}

	// A spec without a verdict is a skipped test case with the reason.
	sum, f, cases = run("wrong-secret", "wrong-secret")
	if sum.OK() || sum.Inconclusive != 1 {
		t.Fatalf("want one spec without a verdict: %+v", sum)
	}
	if f.Failures != 0 {
		t.Errorf("failures=%d, want none for a spec without a verdict", f.Failures)
	}
	if c := cases["wrong-secret"]; c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "No verdict: ") {
		t.Errorf("wrong-secret is not a skipped test case with its reason: %+v", c)
	}
}

// brokenHandler is the receiver of the broken family named name.
func brokenHandler(t *testing.T, name string) http.Handler {
	t.Helper()
	for _, b := range brokenReceivers() {
		if b.name == name {
			return b.handler(t)
		}
	}
	t.Fatalf("no broken receiver %q", name)
	return nil
}

// TestCredentialsInTheURLAreRedacted: a user and password in the URL reach
// the receiver, and appear nowhere else: not in the console, the failure
// messages, the reports or the errors.
func TestCredentialsInTheURLAreRedacted(t *testing.T) {
	const user, password = "ci-user", "url-password-5e1f"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	var gotAuth bool
	h := brokenHandler(t, "no-verification")
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && u == user && p == password {
			gotAuth = true
		}
		h.ServeHTTP(w, r)
	}))
	withCreds := strings.Replace(srv.URL, "http://", "http://"+user+":"+password+"@", 1)
	dir := t.TempDir()
	junit, jsonReport := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	var out bytes.Buffer
	sum, err := conformance.Run(context.Background(), conformance.Config{
		URL: withCreds, Signer: testkit.Signer(t), LabelFilter: "missing-mac",
		JUnitReport: junit, JSONReport: jsonReport, Out: &out,
	})
	if err != nil || sum.MustFailed != 1 {
		t.Fatalf("Run: %v, %+v", err, sum)
	}
	if !gotAuth {
		t.Error("the receiver did not get the URL's credentials")
	}
	shown := "http://" + user + ":xxxxx@"
	if !strings.Contains(out.String(), "request: POST "+shown) || !strings.Contains(out.String(), `Authorization: "(redacted)"`) {
		t.Errorf("the failure does not show the request with its credentials redacted:\n%s", out.String())
	}
	if !strings.HasPrefix(sum.URL, shown) {
		t.Errorf("Summary.URL = %q", sum.URL)
	}
	texts := map[string]string{"console": out.String(), "JUnit": mustRead(t, junit), "JSON": mustRead(t, jsonReport), "message": sum.Results[0].Message}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for name, url := range map[string]string{
		"unreachable": strings.Replace(closed.URL, "http://", "http://"+user+":"+password+"@", 1),
		"bad scheme":  "ftp://" + user + ":" + password + "@example.com/hook",
		"unparsable":  "http://" + user + ":" + password + "@[::1/hook",
	} {
		_, err := conformance.Run(context.Background(), conformance.Config{URL: url, Signer: testkit.Signer(t)})
		if err == nil || !(errors.Is(err, conformance.ErrUnreachable) || errors.Is(err, conformance.ErrConfig)) {
			t.Errorf("%s: Run: %v", name, err)
			continue
		}
		texts[name+" error"] = err.Error()
	}
	for name, text := range texts {
		if strings.Contains(text, password) || strings.Contains(text, basic) {
			t.Errorf("the %s shows the URL's password: %s", name, text)
		}
	}
}
