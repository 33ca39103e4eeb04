package conformance

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// The reports: their paths are checked before the first request, and
// every run writes every report asked for: the specs' verdicts when they
// ran, one failing test case when the run could not start. The JUnit
// report is for CI's test view; the JSON report (jsonreport.go, schema in
// docs/report-json.md) is for programs.

// writable checks that a report can be written before any spec runs, so
// that a typo in a path does not cost a whole run; missing parent
// directories are created. It leaves no empty file behind.
func writable(path string) error {
	if path == "" {
		return nil
	}
	_, statErr := os.Stat(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		os.Remove(path)
	}
	return nil
}

// writeReports writes the reports of a run that got past the probe.
func (s *suite) writeReports(outcomes []outcome, start time.Time, sum Summary) error {
	var errs []error
	if p := s.cfg.JUnitReport; p != "" {
		errs = append(errs, writeReport(p, func(f *os.File) error { return writeXML(f, s.junit(outcomes, start, sum)) }))
	}
	if p := s.cfg.JSONReport; p != "" {
		errs = append(errs, writeReport(p, func(f *os.File) error { return writeJSON(f, s.jsonReport(outcomes, start, sum)) }))
	}
	return errors.Join(errs...)
}

// writeSetupReports writes the reports of a run that could not start:
// one failing test case with err, which says what is wrong and what to
// do, and the probes, when the target was tried.
func writeSetupReports(cfg Config, start time.Time, err error, probes []probed) error {
	var errs []error
	if p := cfg.JUnitReport; p != "" {
		errs = append(errs, writeReport(p, func(f *os.File) error { return writeXML(f, setupJUnit(cfg, start, err, probes)) }))
	}
	if p := cfg.JSONReport; p != "" {
		errs = append(errs, writeReport(p, func(f *os.File) error { return writeJSON(f, setupJSON(cfg, start, err, probes)) }))
	}
	return errors.Join(errs...)
}

// writeReport creates path, its directories first, and writes it.
func writeReport(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%w %s: %w", ErrReport, path, errors.Unwrap(err))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrReport, path, errors.Unwrap(err))
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%w %s: %w", ErrReport, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w %s: %w", ErrReport, path, err)
	}
	return nil
}

// The JUnit schema, as CI systems read it.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     float64      `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       float64         `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties junitProperties `xml:"properties"`
		Cases      []junitCase     `xml:"testcase"`
		SystemOut  *junitText      `xml:"system-out,omitempty"`
	}
	junitProperties struct {
		Properties []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name       string           `xml:"name,attr"`
		Classname  string           `xml:"classname,attr"`
		Status     string           `xml:"status,attr"`
		Time       float64          `xml:"time,attr"`
		Skipped    *junitSkipped    `xml:"skipped,omitempty"`
		Failure    *junitFailure    `xml:"failure,omitempty"`
		SystemOut  *junitText       `xml:"system-out,omitempty"`
		Properties *junitProperties `xml:"properties,omitempty"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitFailure struct {
		Message     string `xml:"message,attr"`
		Type        string `xml:"type,attr"`
		Description string `xml:",cdata"`
	}
	// junitText is text kept as CDATA, so that its lines stay lines for a
	// person who opens the file.
	junitText struct {
		Text string `xml:",cdata"`
	}
)

// shouldWarning heads the system-out of a should spec that failed.
const shouldWarning = "WARNING: this should spec failed; a should failure does not fail the run (unless --strict).\n\n"

// junitName names the suite for its target, so that a CI that tests two
// endpoints shows two suites.
func junitName(url string) string { return "wms-mock conformance: " + url }

// junitProps are the run's settings, what a reader needs to rerun it.
func junitProps(url string, seed uint64, timeout time.Duration, cfg Config, outcome string) junitProperties {
	return junitProperties{Properties: []junitProperty{
		{"url", url},
		{"seed", strconv.FormatUint(seed, 10)},
		{"version", emitter.Version},
		{"timeout", timeout.String()},
		{"label-filter", cfg.LabelFilter},
		{"strict", strconv.FormatBool(cfg.Strict)},
		{"outcome", outcome},
	}}
}

// junit is the JUnit report for CI, which reads every failed test case as
// a red build. Its test cases are the specs and nothing else, so that it
// agrees with the exit status: a warned spec is a passed test case whose
// system-out holds the warning (a failure with Strict), a spec without a
// verdict or not run is a skipped one with the reason.
func (s *suite) junit(outcomes []outcome, start time.Time, sum Summary) junitSuites {
	ts := junitSuite{
		Name:       junitName(s.url),
		Time:       sum.Duration.Seconds(),
		Timestamp:  start.UTC().Format("2006-01-02T15:04:05"),
		Properties: junitProps(s.url, s.seed, s.timeout, s.cfg, sum.outcome()),
		SystemOut:  &junitText{s.junitOut(sum)},
	}
	for _, o := range outcomes {
		tc := junitTestCase(o, s.cfg.Strict)
		switch {
		case tc.Skipped != nil:
			ts.Skipped++
		case tc.Failure != nil:
			ts.Failures++
		}
		ts.Cases = append(ts.Cases, tc)
	}
	ts.Tests = len(ts.Cases)
	return junitSuites{Name: ts.Name, Tests: ts.Tests, Failures: ts.Failures, Skipped: ts.Skipped, Time: ts.Time, Suites: []junitSuite{ts}}
}

// junitOut is the suite's system-out: the probes, the diagnosis, the
// verdict, and what the suite cannot see.
func (s *suite) junitOut(sum Summary) string {
	var b strings.Builder
	for _, p := range s.probes {
		fmt.Fprintf(&b, "probe: %s -> %s\n", p.what, p.x.brief())
	}
	if sum.Diagnosis != "" {
		b.WriteString(sum.Diagnosis + "\n")
	}
	fmt.Fprintf(&b, "outcome: %s (%d passed, %d must failed, %d should failed, %d without a verdict, %d not run)\n",
		sum.outcome(), sum.Passed, sum.MustFailed, sum.ShouldFailed, sum.Inconclusive, sum.Skipped)
	if sum.Interrupted {
		fmt.Fprintf(&b, "The run was interrupted (%s): it is no verdict on the receiver.\n", sum.Interruption)
	}
	b.WriteString("What a pass cannot show, seen from outside the receiver:\n")
	for _, line := range CannotSee() {
		b.WriteString("  - " + line + "\n")
	}
	return b.String()
}

// junitTestCase is one spec as a JUnit test case, named with its level,
// title and ID, and grouped by area.
func junitTestCase(o outcome, strict bool) junitCase {
	tc := junitCase{
		Name:      fmt.Sprintf("[%s] %s (%s)", o.Level, o.Title, o.ID),
		Classname: "conformance." + o.Area,
		Status:    "passed",
		Time:      o.Duration.Seconds(),
	}
	switch {
	case o.Verdict == Failed || (o.Verdict == Warned && strict):
		tc.Status = "failed"
		tc.Failure = &junitFailure{Message: firstLine(o.Message), Type: string(o.Level), Description: o.Message}
	case o.Verdict == Warned:
		tc.SystemOut = &junitText{shouldWarning + o.Message + "\n"}
	case o.Verdict == NoVerdict || o.Verdict == NotRun:
		tc.Status = "skipped"
		tc.Skipped = &junitSkipped{Message: o.Message}
	}
	if len(o.entries) > 0 {
		tc.Properties = &junitProperties{}
		for _, e := range o.entries {
			tc.Properties.Properties = append(tc.Properties.Properties, junitProperty{e.name, e.value})
		}
	}
	return tc
}

// setupJUnit is the JUnit report of a run that could not start: one
// failing test case, which CI shows in red with what to do.
func setupJUnit(cfg Config, start time.Time, err error, probes []probed) junitSuites {
	url := emitter.RedactURL(cfg.URL)
	text := err.Error() + "\n\nNo spec ran, so this says nothing about the receiver yet: fix the setup and run the suite again."
	for _, p := range probes {
		text += fmt.Sprintf("\n\nprobe: %s\n%s", p.what, p.x.String())
	}
	ts := junitSuite{
		Name: junitName(url), Tests: 1, Failures: 1,
		Timestamp:  start.UTC().Format("2006-01-02T15:04:05"),
		Properties: junitProps(url, cfg.Seed, timeoutOf(cfg), cfg, "setup error"),
		Cases: []junitCase{{
			Name: "[setup] the suite could not start", Classname: "conformance.setup", Status: "failed",
			Failure: &junitFailure{Message: firstLine(err.Error()), Type: "setup", Description: text},
		}},
	}
	return junitSuites{Name: ts.Name, Tests: 1, Failures: 1, Suites: []junitSuite{ts}}
}

// timeoutOf is the run's deadline.
func timeoutOf(cfg Config) time.Duration {
	if cfg.Timeout == 0 {
		return emitter.DefaultTimeout
	}
	return cfg.Timeout
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// writeXML writes v as an indented XML document.
func writeXML(f *os.File, v any) error {
	if _, err := f.WriteString(xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(f)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := f.WriteString("\n")
	return err
}
