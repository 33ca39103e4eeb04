// Package htmlreport renders the conformance suite's JSON report as one
// HTML page that a customer attaches to a ticket or CI keeps as an
// artifact: the verdict, every spec grouped by area with failures first,
// each failure's request, answer and a curl command that replays it, the
// probe, the burst's latency distribution as a chart, and what the suite
// cannot see.
//
// The page is made from the JSON report (docs/report-json.md), the
// suite's one record of a run, so that the two never disagree: the
// suite writes the JSON, Read decodes it, Write renders it. The page is
// self-contained: its style and script are the project's own, inline,
// its chart is SVG drawn in Go, and its Content-Security-Policy lets it
// load nothing at all, so it works from file:// with no network, and a
// body it quotes can never run as script.
package htmlreport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The JSON report this package reads: docs/report-json.md.
const (
	Schema        = "wms-mock/conformance-report"
	SchemaVersion = 1
)

// Report is the suite's JSON report, schema version 1; docs/report-json.md
// says what each field means. A field the suite adds within the version
// is left out until this package shows it.
type Report struct {
	Schema        string   `json:"schema"`
	SchemaVersion int      `json:"schemaVersion"`
	Tool          Tool     `json:"tool"`
	Target        Target   `json:"target"`
	Seed          string   `json:"seed"`
	LabelFilter   string   `json:"labelFilter"`
	Strict        bool     `json:"strict"`
	StartedAt     string   `json:"startedAt"`
	DurationMs    float64  `json:"durationMs"`
	Outcome       string   `json:"outcome"`
	Summary       Summary  `json:"summary"`
	Diagnosis     string   `json:"diagnosis,omitempty"`
	Interrupted   string   `json:"interrupted,omitempty"`
	SetupError    string   `json:"setupError,omitempty"`
	Probe         []Probe  `json:"probe"`
	Specs         []Spec   `json:"specs"`
	Burst         *Burst   `json:"burst"`
	CannotSee     []string `json:"cannotSee"`
}

// Tool is the binary that ran.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is the webhook under test, its password redacted.
type Target struct {
	URL       string  `json:"url"`
	TimeoutMs float64 `json:"timeoutMs"`
}

// Summary counts the specs by verdict.
type Summary struct {
	Specs     int `json:"specs"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Warned    int `json:"warned"`
	NoVerdict int `json:"noVerdict"`
	NotRun    int `json:"notRun"`
}

// Probe is a valid event sent before the first spec.
type Probe struct {
	Sent string `json:"sent"`
	Exchange
}

// Spec is one spec's verdict and its evidence.
type Spec struct {
	ID         string    `json:"id"`
	Level      string    `json:"level"`
	Area       string    `json:"area"`
	Title      string    `json:"title"`
	Labels     []string  `json:"labels"`
	Verdict    string    `json:"verdict"`
	DurationMs float64   `json:"durationMs"`
	Requests   int       `json:"requests"`
	Message    string    `json:"message,omitempty"`
	Correct    string    `json:"correct"`
	Fix        string    `json:"fix"`
	Problems   []Problem `json:"problems"`
	Sample     *Exchange `json:"sample"`
	Figures    []Figure  `json:"figures,omitempty"`
}

// Problem is one thing a spec found, with the exchanges that show it.
type Problem struct {
	What      string     `json:"what"`
	Exchanges []Exchange `json:"exchanges"`
}

// Figure is a figure a spec measured, in words.
type Figure struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Exchange is a request and its answer.
type Exchange struct {
	Request Request `json:"request"`
	Answer  Answer  `json:"answer"`
}

// Request is a request as the HTTP client wrote it: the MAC, never the
// secret; credentials redacted.
type Request struct {
	Method     string   `json:"method"`
	URL        string   `json:"url"`
	Written    bool     `json:"written"`
	Headers    []Header `json:"headers"`
	BodyPrefix string   `json:"bodyPrefix"`
	BodySize   int      `json:"bodySize"`
}

// Header is one header line, in the order written.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Answer is what came back, or why nothing did.
type Answer struct {
	Status         int     `json:"status"`
	StatusText     string  `json:"statusText,omitempty"`
	LatencyMs      float64 `json:"latencyMs"`
	Failure        string  `json:"failure,omitempty"`
	FailureMessage string  `json:"failureMessage,omitempty"`
	BodyPrefix     string  `json:"bodyPrefix"`
	BodySize       int64   `json:"bodySize"`
	Summary        string  `json:"summary"`
}

// Burst is the burst spec's figures.
type Burst struct {
	Sessions   int      `json:"sessions"`
	Deliveries int      `json:"deliveries"`
	Failed     int      `json:"failed"`
	LatencyMs  Latency  `json:"latencyMs"`
	Buckets    []Bucket `json:"buckets"`
	Over       Over     `json:"over"`
}

// Latency is the burst's latency figures, in milliseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Bucket is one bucket of the latency histogram: the deliveries that took
// more than the bound before it and at most UpToMs.
type Bucket struct {
	UpToMs float64 `json:"upToMs"`
	Count  int     `json:"count"`
}

// Over counts the deliveries that took longer than the deadline.
type Over struct {
	AboveMs float64 `json:"aboveMs"`
	Count   int     `json:"count"`
}

// Read decodes a JSON report, checking, as docs/report-json.md asks a
// reader to, that it is one and of a version this package knows.
func Read(r io.Reader) (*Report, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a conformance JSON report: %w", err)
	}
	if rep.Schema != Schema {
		return nil, fmt.Errorf("not a conformance JSON report: schema %q, want %q", rep.Schema, Schema)
	}
	if rep.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("conformance JSON report of schema version %d: this wms-mock reads version %d; use the wms-mock that wrote it", rep.SchemaVersion, SchemaVersion)
	}
	return &rep, nil
}

// ReadFile reads the JSON report at path.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// WriteFile writes the page of rep to path, its directories first. The
// page is written to a new file beside path, then renamed onto it, so
// that a reader never sees half a report, and a link at path, in a
// shared temporary directory, is replaced rather than followed.
func WriteFile(path string, rep *Report) error {
	return writeFile(path, func(w io.Writer) error { return Write(w, rep) })
}

// writeFile is WriteFile for any page of this package: render writes it.
func writeFile(path string, render func(io.Writer) error) error {
	fail := func(err error) error { return fmt.Errorf("cannot write the report %s: %w", path, err) }
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(cause(err))
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".wms-mock-report-*")
	if err != nil {
		return fail(cause(err))
	}
	defer os.Remove(f.Name()) // once renamed, there is nothing left to remove
	err = render(f)
	if err == nil {
		err = f.Chmod(0o644) // a report is for sharing
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fail(cause(err))
	}
	return nil
}

// Writable checks that WriteFile can write path before a run sends
// anything, as the suite checks its own reports, so that a typo in a path
// does not cost a whole run; missing parent directories are created. It
// leaves no file behind.
func Writable(path string) error {
	fail := func(err error) error { return fmt.Errorf("cannot write the report %s: %w", path, err) }
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(cause(err))
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fail(errors.New("it is a directory"))
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".wms-mock-report-*")
	if err != nil {
		return fail(cause(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// cause is what an os error says without its path, which the message
// already names: "permission denied".
func cause(err error) error {
	if c := errors.Unwrap(err); c != nil {
		return c
	}
	return err
}
