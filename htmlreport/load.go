package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/svgchart"
	"github.com/wmsmock/wms-mock/load"
)

// LoadRun is one `wms-mock load` run, as its page shows it: the result,
// and the settings the result does not hold.
type LoadRun struct {
	// Target is the webhook's URL, its password already redacted.
	Target string
	// Version is the wms-mock that ran.
	Version string
	// Seed is the run's seed, to run it again.
	Seed uint64
	// Sessions and Duration are what the run was asked for (one is zero).
	Sessions int
	Duration time.Duration
	// StartedAt is when the run started.
	StartedAt time.Time
	Result    *load.Result
}

//go:embed load.html
var loadSource string

// loadTemplate escapes every value as pageTemplate does.
var loadTemplate = template.Must(template.New("load").Parse(loadSource))

// loadPolicy is policy without a script: the load page has none.
var loadPolicy = "default-src 'none'; style-src " + hashOf(styleSource) +
	"; script-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'"

// maxPoints is the most points a timeline chart draws; a longer run is
// drawn in windows of several seconds each.
const maxPoints = 120

// loadPage is what load.html shows.
type loadPage struct {
	CSP                  string
	Style                template.CSS
	Run                  LoadRun
	R                    *load.Result
	Passed               bool
	Verdict, Settings    []fact
	Totals, Latency      []fact
	Throughput, Percents template.HTML
	Distribution         template.HTML
	Window               int
	Took                 string
	Status, Failures     []fact
}

// WriteLoad renders run as one self-contained HTML page.
func WriteLoad(w io.Writer, run LoadRun) error {
	res := run.Result
	p := &loadPage{CSP: loadPolicy, Style: template.CSS(styleSource), Run: run, R: res}
	p.Passed = len(res.Breached) == 0 && !res.Interrupted && (res.Failed == 0 || (res.Thresholds != nil && res.Thresholds.MaxFailureRate != nil))
	p.Settings, p.Took = settingsOf(run), humanize.Duration(res.Duration)
	p.Totals = []fact{
		{"sent", strconv.FormatUint(res.Sent, 10)}, {"ok", strconv.FormatUint(res.OK, 10)},
		{"failed", strconv.FormatUint(res.Failed, 10)}, {"per second", strconv.FormatFloat(res.RPS, 'f', 1, 64)},
		{"sessions", fmt.Sprintf("%d (%d completed)", res.Sessions.Started, res.Sessions.Completed)},
		{"duration", humanize.Duration(res.Duration)},
	}
	if res.Model == "open" {
		p.Totals = append(p.Totals, fact{"missed", strconv.FormatUint(res.Missed, 10)})
	}
	l := res.Latency
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"p99.9", l.P999}, {"max", l.Max}} {
		p.Latency = append(p.Latency, fact{f.name, humanize.Duration(f.d)})
	}
	p.Window = max(1, (len(res.Timeline)+maxPoints-1)/maxPoints)
	p.Throughput, p.Percents = timelineCharts(res.Timeline, p.Window)
	p.Distribution = template.HTML(distributionChart(res)) // svgchart escapes every text it writes
	for _, code := range slices.Sorted(maps.Keys(res.Status)) {
		p.Status = append(p.Status, fact{strconv.Itoa(code), strconv.FormatUint(res.Status[code], 10)})
	}
	for _, c := range slices.Sorted(maps.Keys(res.Failures)) {
		p.Failures = append(p.Failures, fact{string(c), strconv.FormatUint(res.Failures[c], 10)})
	}
	return loadTemplate.Execute(w, p)
}

// WriteLoadFile writes the page of run to path as WriteFile does.
func WriteLoadFile(path string, run LoadRun) error {
	return writeFile(path, func(w io.Writer) error { return WriteLoad(w, run) })
}

func settingsOf(run LoadRun) []fact {
	res := run.Result
	f := []fact{{"model", res.Model}, {"concurrency", strconv.Itoa(res.Concurrency)}}
	if res.Model == "open" {
		f = append(f, fact{"rate", strconv.FormatFloat(res.Rate, 'g', -1, 64) + " events/s"})
	}
	if run.Sessions > 0 {
		f = append(f, fact{"sessions asked", strconv.Itoa(run.Sessions)})
	}
	if run.Duration > 0 {
		f = append(f, fact{"duration asked", run.Duration.String()})
	}
	f = append(f, fact{"seed", strconv.FormatUint(run.Seed, 10)})
	if !run.StartedAt.IsZero() {
		f = append(f, fact{"started", run.StartedAt.UTC().Format(time.RFC3339)})
	}
	return f
}

// timelineCharts draws events per second (ok and failed) and the p50,
// p90 and p99 of each second. A window of several seconds is drawn as
// one point: the mean rate over it and the worst second's percentiles,
// since the percentiles of seconds cannot be merged.
func timelineCharts(seconds []load.Second, window int) (template.HTML, template.HTML) {
	var ok, failed, p50, p90, p99 []svgchart.Point
	for i := 0; i < len(seconds); i += window {
		w := seconds[i:min(i+window, len(seconds))]
		var s load.Second
		for _, x := range w {
			s.OK, s.Failed = s.OK+x.OK, s.Failed+x.Failed
			s.P50ms, s.P90ms, s.P99ms = max(s.P50ms, x.P50ms), max(s.P90ms, x.P90ms), max(s.P99ms, x.P99ms)
		}
		at, n := float64(w[0].At), float64(len(w))
		ok, failed = append(ok, svgchart.Point{X: at, Y: round1(float64(s.OK) / n)}), append(failed, svgchart.Point{X: at, Y: round1(float64(s.Failed) / n)})
		p50, p90, p99 = append(p50, svgchart.Point{X: at, Y: round1(s.P50ms)}), append(p90, svgchart.Point{X: at, Y: round1(s.P90ms)}), append(p99, svgchart.Point{X: at, Y: round1(s.P99ms)})
	}
	rate := svgchart.Line{
		Title: "Deliveries answered per second", XLabel: "second of the run", YUnit: "events/s", Inline: true,
		Series: []svgchart.Series{{Name: "ok (2xx)", Points: ok}, {Name: "failed", Points: failed}},
		Empty:  "No delivery was answered",
	}
	lat := svgchart.Line{
		Title: "Latency percentiles per second", XLabel: "second of the run", YUnit: "ms", Inline: true,
		Series: []svgchart.Series{{Name: "p50", Points: p50}, {Name: "p90", Points: p90}, {Name: "p99", Points: p99}},
		Empty:  "No delivery was answered",
	}
	return template.HTML(rate.SVG()), template.HTML(lat.SVG()) // svgchart escapes every text it writes
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// distributionChart draws the run's latency histogram from its first
// bucket with a delivery to its last, the deliveries past the last bound
// in red, with p50, p90 and p99 marked where they fall.
func distributionChart(res *load.Result) []byte {
	c := svgchart.Bars{
		Title:  fmt.Sprintf("Latency of the run's %d measured deliveries", measured(res.Distribution)),
		XLabel: "answered within", YLabel: "deliveries", Inline: true,
		Empty: "No delivery was measured",
	}
	d := res.Distribution
	first := slices.IndexFunc(d, func(b load.Bucket) bool { return b.Count > 0 })
	if first < 0 {
		return c.SVG()
	}
	last := len(d) - 1
	for d[last].Count == 0 {
		last--
	}
	var buckets []jsonreport.Bucket // for place, as the burst chart's
	lower := 0.0
	if first > 0 {
		lower = d[first-1].UpMs
	}
	for _, b := range d[first : last+1] {
		bar := svgchart.Bar{Label: "≤ " + msLabel(b.UpMs), Value: float64(b.Count),
			Tip: fmt.Sprintf("%d deliveries took more than %s and at most %s", b.Count, msLabel(lower), msLabel(b.UpMs))}
		if b.Above {
			bar = svgchart.Bar{Label: "> " + msLabel(b.UpMs), Value: float64(b.Count), Alert: true,
				Tip: fmt.Sprintf("%d deliveries took longer than %s", b.Count, msLabel(b.UpMs))}
		} else {
			buckets = append(buckets, jsonreport.Bucket{UpToMs: b.UpMs})
		}
		c.Bars = append(c.Bars, bar)
		lower = b.UpMs
	}
	l := res.Latency
	for _, m := range []struct {
		name string
		d    time.Duration
	}{{"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}} {
		c.Markers = append(c.Markers, svgchart.Marker{Label: m.name, At: place(buckets, float64(m.d)/1e6)})
	}
	return c.SVG()
}

func measured(d []load.Bucket) (n uint64) {
	for _, b := range d {
		n += b.Count
	}
	return n
}
