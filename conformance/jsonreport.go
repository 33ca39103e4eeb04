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
	"github.com/wmsmock/wms-mock/jsonreport"
)

// The JSON report is the suite's own, for programs (a dashboard, the HTML
// report): every spec with its verdict, its evidence and its fix, the
// probes, the burst's figures as numbers, and what the suite cannot see.
// docs/report-json.md documents each field; a change that is not purely
// additive raises jsonreport.SchemaVersion.

// bodyPrefix bounds the bodies a report quotes.
const bodyPrefix = 1024

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// jsonHead is the part every report has.
func jsonHead(cfg Config, url string, seed uint64, timeout time.Duration, start time.Time) jsonreport.Report {
	return jsonreport.Report{
		Schema: jsonreport.Schema, SchemaVersion: jsonreport.SchemaVersion,
		Tool:   jsonreport.Tool{Name: "wms-mock", Version: emitter.Version},
		Target: jsonreport.Target{URL: url, TimeoutMs: ms(timeout)},
		Seed:   strconv.FormatUint(seed, 10), LabelFilter: cfg.LabelFilter, Strict: cfg.Strict,
		StartedAt: start.UTC().Format(time.RFC3339Nano),
		Probe:     []jsonreport.Probe{}, Specs: []jsonreport.Spec{}, CannotSee: CannotSee(),
	}
}

// jsonReport is the report of a run that got past the probe.
func (s *suite) jsonReport(outcomes []outcome, start time.Time, sum Summary) jsonreport.Report {
	r := jsonHead(s.cfg, s.url, s.seed, s.timeout, start)
	r.DurationMs, r.Outcome, r.Diagnosis = ms(sum.Duration), sum.outcome(), sum.Diagnosis
	if sum.Interrupted {
		r.Interrupted = sum.Interruption
	}
	r.Summary = jsonreport.Summary{Specs: len(outcomes), Passed: sum.Passed, Failed: sum.MustFailed, Warned: sum.ShouldFailed, NoVerdict: sum.Inconclusive, NotRun: sum.Skipped}
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
func setupJSON(cfg Config, start time.Time, err error, probes []probed) jsonreport.Report {
	r := jsonHead(cfg, emitter.RedactURL(cfg.URL), cfg.Seed, timeoutOf(cfg), start)
	r.Outcome, r.SetupError = "setup error", err.Error()
	r.Probe = jsonProbes(probes)
	return r
}

func jsonProbes(probes []probed) []jsonreport.Probe {
	out := []jsonreport.Probe{}
	for _, p := range probes {
		out = append(out, jsonreport.Probe{Sent: p.what, Exchange: jsonExchangeOf(p.x)})
	}
	return out
}

func jsonSpecOf(o outcome) jsonreport.Spec {
	sp := jsonreport.Spec{
		ID: o.ID, Level: string(o.Level), Area: o.Area, Title: o.Title, Labels: o.Labels(),
		Verdict: string(o.Verdict), DurationMs: ms(o.Duration), Requests: o.requests,
		Message: o.Message, Correct: o.Correct, Fix: o.Fix, Problems: []jsonreport.Problem{},
	}
	for _, p := range o.problems {
		jp := jsonreport.Problem{What: p.what, Exchanges: []jsonreport.Exchange{}}
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
		sp.Figures = append(sp.Figures, jsonreport.Figure{Name: e.name, Value: e.value})
	}
	return sp
}

// jsonExchangeOf is an exchange as the report keeps it: the headers as
// written on the wire (the MAC, never the secret; credentials redacted),
// and the first bytes of each body.
func jsonExchangeOf(x exchange) jsonreport.Exchange {
	method := x.req.Method
	if method == "" {
		method = http.MethodPost
	}
	req := jsonreport.Request{Method: method, URL: x.url, Written: len(x.sent) > 0, Headers: []jsonreport.Header{}, BodyPrefix: prefix(x.req.Body), BodySize: len(x.req.Body)}
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
			req.Headers = append(req.Headers, jsonreport.Header{Name: f.key, Value: v})
		}
	}
	a := x.att
	ans := jsonreport.Answer{Status: a.Status, StatusText: http.StatusText(a.Status), LatencyMs: ms(a.Latency), Failure: string(a.Class), FailureMessage: a.Message,
		BodyPrefix: prefix(a.Body), BodySize: a.BodySize, Summary: x.outcome()}
	return jsonreport.Exchange{Request: req, Answer: ans}
}

// prefix is the first bodyPrefix bytes of a body as valid UTF-8 text.
func prefix(b []byte) string {
	return strings.ToValidUTF8(string(b[:min(len(b), bodyPrefix)]), "\uFFFD")
}

func jsonBurstOf(b BurstStats, timeout time.Duration) *jsonreport.Burst {
	out := &jsonreport.Burst{
		Sessions: b.Sessions, Deliveries: b.Deliveries, Failed: b.Failed,
		LatencyMs: jsonreport.Latency{Min: ms(b.Min), Mean: ms(b.Mean), P50: ms(b.P50), P90: ms(b.P90), P99: ms(b.P99), Max: ms(b.Max)},
		Buckets:   []jsonreport.Bucket{},
		Over:      jsonreport.Over{AboveMs: ms(timeout), Count: b.Over},
	}
	for _, k := range b.Buckets {
		out.Buckets = append(out.Buckets, jsonreport.Bucket{UpToMs: ms(k.UpTo), Count: k.Count})
	}
	return out
}

// writeJSON writes v as indented JSON.
func writeJSON(f *os.File, v any) error {
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
