package conformance

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// The JSON report is the suite's own, for programs (a dashboard, the HTML
// report): every spec with its verdict, its evidence and its fix, the
// probes, the burst's figures as numbers, and what the suite cannot see.
// docs/report-json.md documents each field; a change that is not purely
// additive raises jsonSchemaVersion.

const (
	jsonSchema        = "wms-mock/conformance-report"
	jsonSchemaVersion = 1
	// bodyPrefix bounds the bodies a report quotes.
	bodyPrefix = 1024
)

type (
	jsonReport struct {
		Schema        string      `json:"schema"`
		SchemaVersion int         `json:"schemaVersion"`
		Tool          jsonTool    `json:"tool"`
		Target        jsonTarget  `json:"target"`
		Seed          string      `json:"seed"`
		LabelFilter   string      `json:"labelFilter"`
		Strict        bool        `json:"strict"`
		StartedAt     string      `json:"startedAt"`
		DurationMs    float64     `json:"durationMs"`
		Outcome       string      `json:"outcome"`
		Summary       jsonSummary `json:"summary"`
		Diagnosis     string      `json:"diagnosis,omitempty"`
		Interrupted   string      `json:"interrupted,omitempty"`
		SetupError    string      `json:"setupError,omitempty"`
		Probe         []jsonProbe `json:"probe"`
		Specs         []jsonSpec  `json:"specs"`
		Burst         *jsonBurst  `json:"burst"`
		CannotSee     []string    `json:"cannotSee"`
	}
	jsonTool struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	jsonTarget struct {
		URL       string  `json:"url"`
		TimeoutMs float64 `json:"timeoutMs"`
	}
	jsonSummary struct {
		Specs     int `json:"specs"`
		Passed    int `json:"passed"`
		Failed    int `json:"failed"`
		Warned    int `json:"warned"`
		NoVerdict int `json:"noVerdict"`
		NotRun    int `json:"notRun"`
	}
	jsonProbe struct {
		Sent string `json:"sent"`
		jsonExchange
	}
	jsonSpec struct {
		ID         string        `json:"id"`
		Level      string        `json:"level"`
		Area       string        `json:"area"`
		Title      string        `json:"title"`
		Labels     []string      `json:"labels"`
		Verdict    string        `json:"verdict"`
		DurationMs float64       `json:"durationMs"`
		Requests   int           `json:"requests"`
		Message    string        `json:"message,omitempty"`
		Correct    string        `json:"correct"`
		Fix        string        `json:"fix"`
		Problems   []jsonProblem `json:"problems"`
		Sample     *jsonExchange `json:"sample"`
		Figures    []jsonFigure  `json:"figures,omitempty"`
	}
	jsonProblem struct {
		What      string         `json:"what"`
		Exchanges []jsonExchange `json:"exchanges"`
	}
	jsonFigure struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	jsonExchange struct {
		Request jsonRequest `json:"request"`
		Answer  jsonAnswer  `json:"answer"`
	}
	jsonRequest struct {
		Method     string       `json:"method"`
		URL        string       `json:"url"`
		Written    bool         `json:"written"`
		Headers    []jsonHeader `json:"headers"`
		BodyPrefix string       `json:"bodyPrefix"`
		BodySize   int          `json:"bodySize"`
	}
	jsonHeader struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	jsonAnswer struct {
		Status         int     `json:"status"`
		StatusText     string  `json:"statusText,omitempty"`
		LatencyMs      float64 `json:"latencyMs"`
		Failure        string  `json:"failure,omitempty"`
		FailureMessage string  `json:"failureMessage,omitempty"`
		BodyPrefix     string  `json:"bodyPrefix"`
		BodySize       int64   `json:"bodySize"`
		Summary        string  `json:"summary"`
	}
	jsonBurst struct {
		Sessions   int          `json:"sessions"`
		Deliveries int          `json:"deliveries"`
		Failed     int          `json:"failed"`
		LatencyMs  jsonLatency  `json:"latencyMs"`
		Buckets    []jsonBucket `json:"buckets"`
		OverMs     jsonOver     `json:"over"`
	}
	jsonLatency struct {
		Min  float64 `json:"min"`
		Mean float64 `json:"mean"`
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		Max  float64 `json:"max"`
	}
	jsonBucket struct {
		UpToMs float64 `json:"upToMs"`
		Count  int     `json:"count"`
	}
	jsonOver struct {
		AboveMs float64 `json:"aboveMs"`
		Count   int     `json:"count"`
	}
)

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// jsonHead is the part every report has.
func jsonHead(cfg Config, url string, seed uint64, timeout time.Duration, start time.Time) jsonReport {
	return jsonReport{
		Schema: jsonSchema, SchemaVersion: jsonSchemaVersion,
		Tool:   jsonTool{Name: "wms-mock", Version: emitter.Version},
		Target: jsonTarget{URL: url, TimeoutMs: ms(timeout)},
		Seed:   strconv.FormatUint(seed, 10), LabelFilter: cfg.LabelFilter, Strict: cfg.Strict,
		StartedAt: start.UTC().Format(time.RFC3339Nano),
		Probe:     []jsonProbe{}, Specs: []jsonSpec{}, CannotSee: CannotSee(),
	}
}

// jsonReport is the report of a run that got past the probe.
func (s *suite) jsonReport(outcomes []outcome, start time.Time, sum Summary) jsonReport {
	r := jsonHead(s.cfg, s.url, s.seed, s.timeout, start)
	r.DurationMs, r.Outcome, r.Diagnosis = ms(sum.Duration), sum.outcome(), sum.Diagnosis
	if sum.Interrupted {
		r.Interrupted = sum.Interruption
	}
	r.Summary = jsonSummary{Specs: len(outcomes), Passed: sum.Passed, Failed: sum.MustFailed, Warned: sum.ShouldFailed, NoVerdict: sum.Inconclusive, NotRun: sum.Skipped}
	r.Probe = jsonProbes(s.probes)
	for _, o := range outcomes {
		r.Specs = append(r.Specs, jsonSpecOf(o))
	}
	if b := sum.Burst; b != nil {
		r.Burst = jsonBurstOf(*b, s.timeout)
	}
	return r
}

// setupJSON is the report of a run that could not start.
func setupJSON(cfg Config, start time.Time, err error, probes []probed) jsonReport {
	r := jsonHead(cfg, emitter.RedactURL(cfg.URL), cfg.Seed, timeoutOf(cfg), start)
	r.Outcome, r.SetupError = "setup error", err.Error()
	r.Probe = jsonProbes(probes)
	return r
}

func jsonProbes(probes []probed) []jsonProbe {
	out := []jsonProbe{}
	for _, p := range probes {
		out = append(out, jsonProbe{Sent: p.what, jsonExchange: jsonExchangeOf(p.x)})
	}
	return out
}

func jsonSpecOf(o outcome) jsonSpec {
	sp := jsonSpec{
		ID: o.ID, Level: string(o.Level), Area: o.Area, Title: o.Title, Labels: o.Labels(),
		Verdict: string(o.Verdict), DurationMs: ms(o.Duration), Requests: o.requests,
		Message: o.Message, Correct: o.Correct, Fix: o.Fix, Problems: []jsonProblem{},
	}
	for _, p := range o.problems {
		jp := jsonProblem{What: p.what, Exchanges: []jsonExchange{}}
		for _, x := range p.xs {
			jp.Exchanges = append(jp.Exchanges, jsonExchangeOf(x))
		}
		sp.Problems = append(sp.Problems, jp)
	}
	if o.sample != nil {
		x := jsonExchangeOf(*o.sample)
		sp.Sample = &x
	}
	for _, e := range o.entries {
		sp.Figures = append(sp.Figures, jsonFigure{e.name, e.value})
	}
	return sp
}

// jsonExchangeOf is an exchange as the report keeps it: the headers as
// written on the wire (the MAC, never the secret; credentials redacted),
// and the first bytes of each body.
func jsonExchangeOf(x exchange) jsonExchange {
	method := x.req.Method
	if method == "" {
		method = http.MethodPost
	}
	req := jsonRequest{Method: method, URL: x.url, Written: len(x.sent) > 0, Headers: []jsonHeader{}, BodyPrefix: prefix(x.req.Body), BodySize: len(x.req.Body)}
	fields := x.sent
	if len(fields) == 0 {
		for _, k := range slices.Sorted(maps.Keys(x.req.Header)) {
			fields = append(fields, headerField{k, x.req.Header[k]})
		}
	}
	for _, f := range fields {
		for _, v := range f.values {
			if isCredential(f.key) {
				v = "(redacted)"
			}
			req.Headers = append(req.Headers, jsonHeader{f.key, v})
		}
	}
	a := x.att
	ans := jsonAnswer{Status: a.Status, StatusText: http.StatusText(a.Status), LatencyMs: ms(a.Latency), Failure: string(a.Class), FailureMessage: a.Message,
		BodyPrefix: prefix(a.Body), BodySize: a.BodySize, Summary: x.outcome()}
	return jsonExchange{Request: req, Answer: ans}
}

// prefix is the first bodyPrefix bytes of a body as valid UTF-8 text.
func prefix(b []byte) string {
	return strings.ToValidUTF8(string(b[:min(len(b), bodyPrefix)]), "\uFFFD")
}

func jsonBurstOf(b BurstStats, timeout time.Duration) *jsonBurst {
	out := &jsonBurst{
		Sessions: b.Sessions, Deliveries: b.Deliveries, Failed: b.Failed,
		LatencyMs: jsonLatency{Min: ms(b.Min), Mean: ms(b.Mean), P50: ms(b.P50), P90: ms(b.P90), P99: ms(b.P99), Max: ms(b.Max)},
		Buckets:   []jsonBucket{},
		OverMs:    jsonOver{AboveMs: ms(timeout), Count: b.Over},
	}
	for _, k := range b.Buckets {
		out.Buckets = append(out.Buckets, jsonBucket{UpToMs: ms(k.UpTo), Count: k.Count})
	}
	return out
}

// writeJSON writes v as indented JSON.
func writeJSON(f *os.File, v any) error {
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
