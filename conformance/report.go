package conformance

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The reports: their paths are checked before the first request, and the
// JUnit report is written from the verdicts when the specs have run. The
// JSON report is Ginkgo's own, written by Ginkgo (see runSpecs).

// writable checks that a report can be written before any spec runs, so
// that a typo in a path does not cost a whole run. It returns the
// directories it created, deepest first, also when it fails. It leaves no
// empty file behind for a run that then stops early.
func writable(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	_, statErr := os.Stat(path)
	made := missingDirs(filepath.Dir(path))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return made, fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return made, fmt.Errorf("%w: cannot write the report %s: %w", ErrConfig, path, errors.Unwrap(err))
	}
	f.Close()
	if errors.Is(statErr, fs.ErrNotExist) {
		os.Remove(path)
	}
	return made, nil
}

// missingDirs lists the directories that creating dir would create,
// deepest first. A path whose state cannot be read counts as present, so
// that nothing the run did not create is ever removed.
func missingDirs(dir string) []string {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			return missing
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			return missing
		}
	}
}

// removeDirs removes directories the run created, deepest first; one that
// holds anything stays.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		os.Remove(d)
	}
}

// The JUnit schema, as CI systems read it.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Tests    int          `xml:"tests,attr"`
		Disabled int          `xml:"disabled,attr"`
		Errors   int          `xml:"errors,attr"`
		Failures int          `xml:"failures,attr"`
		Time     float64      `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Disabled   int             `xml:"disabled,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Errors     int             `xml:"errors,attr"`
		Failures   int             `xml:"failures,attr"`
		Time       float64         `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties junitProperties `xml:"properties"`
		Cases      []junitCase     `xml:"testcase"`
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
		SystemOut  string           `xml:"system-out,omitempty"`
		Properties *junitProperties `xml:"properties,omitempty"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitFailure struct {
		Message     string `xml:"message,attr"`
		Type        string `xml:"type,attr"`
		Description string `xml:",chardata"`
	}
)

// shouldWarning heads the system-out of a should spec that failed.
const shouldWarning = "WARNING: this should spec failed; a should failure does not fail the run.\n\n"

// writeJUnit writes the JUnit report for CI, which reads every failed test
// case as a red build. Its test cases are the specs and nothing else, so
// that it agrees with the exit status: a warned spec is a passed test case
// whose system-out holds the warning, a spec without a verdict or not run
// is a skipped one.
func (s *suite) writeJUnit(outcomes []outcome, start time.Time, sum Summary) error {
	path := s.cfg.JUnitReport
	if path == "" {
		return nil
	}
	ts := junitSuite{
		Name:      suiteName,
		Time:      sum.Duration.Seconds(),
		Timestamp: start.Format("2006-01-02T15:04:05"),
		Properties: junitProperties{Properties: []junitProperty{
			{"SuiteSucceeded", strconv.FormatBool(sum.MustFailed == 0 && !sum.Interrupted)},
			{"LabelFilter", s.cfg.LabelFilter},
			{"Seed", strconv.FormatUint(s.seed, 10)},
			{"URL", s.url},
		}},
	}
	for _, o := range outcomes {
		tc := junitTestCase(o)
		switch {
		case tc.Skipped != nil:
			ts.Skipped++
		case tc.Failure != nil:
			ts.Failures++
		}
		ts.Cases = append(ts.Cases, tc)
	}
	ts.Tests = len(ts.Cases)
	doc := junitSuites{Tests: ts.Tests, Disabled: ts.Skipped, Failures: ts.Failures, Time: ts.Time, Suites: []junitSuite{ts}}
	if err := writeXML(path, doc); err != nil {
		return fmt.Errorf("%w %s: %w", ErrReport, path, err)
	}
	return nil
}

// junitTestCase is one spec as a JUnit test case, named as Ginkgo names
// it: "[It] container title [labels]".
func junitTestCase(o outcome) junitCase {
	tc := junitCase{
		Name:      fmt.Sprintf("[It] %s %s [%s]", containerName, o.Title, strings.Join(o.Labels(), ", ")),
		Classname: suiteName,
		Status:    "passed",
		Time:      o.Duration.Seconds(),
	}
	switch o.Verdict {
	case Warned:
		tc.SystemOut = shouldWarning + o.Message + "\n"
	case Failed:
		tc.Status = "failed"
		tc.Failure = &junitFailure{Message: o.Message, Type: "failed", Description: o.Message}
	case NoVerdict, "":
		tc.Status = "skipped"
		tc.Skipped = &junitSkipped{Message: "skipped"}
		if o.Message != "" {
			tc.Skipped.Message += " - " + o.Message
		}
	}
	if len(o.entries) > 0 {
		tc.Properties = &junitProperties{}
		for _, e := range o.entries {
			tc.Properties.Properties = append(tc.Properties.Properties, junitProperty{e.name, e.value})
		}
	}
	return tc
}

// writeXML writes v to path as an indented XML document.
func writeXML(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(xml.Header); err != nil {
		f.Close()
		return err
	}
	enc := xml.NewEncoder(f)
	enc.Indent("  ", "    ")
	if err := enc.Encode(v); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
