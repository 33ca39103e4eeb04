package conformance_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
)

// jsonReport is the suite's JSON report as docs/report-json.md documents
// it, written out here again so that a change of the schema shows as a
// failing test rather than passing through the package's own types.
type jsonReport struct {
	Schema        string `json:"schema"`
	SchemaVersion int    `json:"schemaVersion"`
	Tool          struct {
		Name, Version string
	} `json:"tool"`
	Target struct {
		URL       string  `json:"url"`
		TimeoutMs float64 `json:"timeoutMs"`
	} `json:"target"`
	Seed        string  `json:"seed"`
	LabelFilter string  `json:"labelFilter"`
	Strict      bool    `json:"strict"`
	StartedAt   string  `json:"startedAt"`
	DurationMs  float64 `json:"durationMs"`
	Outcome     string  `json:"outcome"`
	Summary     struct {
		Specs, Passed, Failed, Warned, NoVerdict, NotRun int
	} `json:"summary"`
	Diagnosis   string      `json:"diagnosis"`
	Interrupted string      `json:"interrupted"`
	SetupError  string      `json:"setupError"`
	Probe       []jsonProbe `json:"probe"`
	Specs       []jsonSpec  `json:"specs"`
	Burst       *struct {
		Sessions, Deliveries, Failed int
		LatencyMs                    struct{ Min, Mean, P50, P90, P99, Max float64 } `json:"latencyMs"`
		Buckets                      []struct {
			UpToMs float64 `json:"upToMs"`
			Count  int     `json:"count"`
		} `json:"buckets"`
		Over struct {
			AboveMs float64 `json:"aboveMs"`
			Count   int     `json:"count"`
		} `json:"over"`
	} `json:"burst"`
	CannotSee []string `json:"cannotSee"`
}

type jsonProbe struct {
	Sent string `json:"sent"`
	jsonExchange
}

type jsonSpec struct {
	ID, Level, Area, Title string
	Labels                 []string
	Verdict                conformance.Verdict
	DurationMs             float64 `json:"durationMs"`
	Requests               int
	Message, Correct, Fix  string
	Problems               []struct {
		What      string
		Exchanges []jsonExchange
	}
	Sample  *jsonExchange
	Figures []struct{ Name, Value string }
}

type jsonExchange struct {
	Request struct {
		Method, URL string
		Written     bool
		Headers     []struct{ Name, Value string }
		BodyPrefix  string `json:"bodyPrefix"`
		BodySize    int    `json:"bodySize"`
	} `json:"request"`
	Answer struct {
		Status         int
		StatusText     string  `json:"statusText"`
		LatencyMs      float64 `json:"latencyMs"`
		Failure        string
		FailureMessage string `json:"failureMessage"`
		BodyPrefix     string `json:"bodyPrefix"`
		BodySize       int64  `json:"bodySize"`
		Summary        string
	} `json:"answer"`
}

// readReport reads a JSON report and checks its schema's name and version.
func readReport(t testing.TB, path string) jsonReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the JSON report was not written: %v", err)
	}
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if r.Schema != "wms-mock/conformance-report" || r.SchemaVersion != 1 {
		t.Errorf("schema %q version %d", r.Schema, r.SchemaVersion)
	}
	return r
}

// byID is the report's specs by ID.
func (r jsonReport) byID() map[string]jsonSpec {
	out := map[string]jsonSpec{}
	for _, sp := range r.Specs {
		out[sp.ID] = sp
	}
	return out
}
