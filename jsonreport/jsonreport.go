// Package jsonreport is the schema of the conformance suite's JSON
// report (docs/report-json.md): the suite writes it, the HTML report
// reads it, and programs in CI read it too. It is one package of its own
// so that writer and readers share one declaration of every field, and a
// field added in one place is there for all.
package jsonreport

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// The schema's name and version, in every report; a reader refuses a
// version it does not know.
const (
	Schema        = "wms-mock/conformance-report"
	SchemaVersion = 1
)

// Report is the suite's JSON report, schema version 1; docs/report-json.md
// says what each field means.
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
