package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"fmt"
	"html/template"
	"math"
	"strconv"

	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/svgchart"
)

// burstView is the burst spec's figures and its latency distribution.
type burstView struct {
	jsonreport.Burst
	Figures []fact
	Chart   template.HTML
}

func burstViewOf(b jsonreport.Burst) *burstView {
	l := b.LatencyMs
	v := &burstView{Burst: b, Chart: template.HTML(latencyChart(b))} // svgchart escapes every text it writes
	for _, f := range []struct {
		name string
		ms   float64
	}{{"min", l.Min}, {"mean", l.Mean}, {"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"max", l.Max}} {
		v.Figures = append(v.Figures, fact{f.name, humanize.Duration(msDuration(f.ms))})
	}
	return v
}

// latencyChart draws the burst's latency histogram: one bar a bucket, in
// the order of their bounds (1, 2, 5, 10 ... ms, an even step on a log
// scale), then the deliveries past the deadline in red, with p50, p90 and
// p99 marked where they fall.
func latencyChart(b jsonreport.Burst) []byte {
	c := svgchart.Bars{
		Title:  fmt.Sprintf("Latency of the burst's %d deliveries", b.Deliveries),
		XLabel: "answered within", YLabel: "deliveries", Inline: true,
		Empty: "No delivery was measured",
	}
	lower := 0.0
	for _, k := range b.Buckets {
		c.Bars = append(c.Bars, svgchart.Bar{
			Label: "≤ " + msLabel(k.UpToMs), Value: float64(k.Count),
			Tip: fmt.Sprintf("%d deliveries took more than %s and at most %s", k.Count, msLabel(lower), msLabel(k.UpToMs)),
		})
		lower = k.UpToMs
	}
	if len(c.Bars) == 0 {
		return c.SVG()
	}
	c.Bars = append(c.Bars, svgchart.Bar{
		Label: "> " + msLabel(b.Over.AboveMs), Value: float64(b.Over.Count), Alert: true,
		Tip: fmt.Sprintf("%d deliveries took longer than the %s deadline", b.Over.Count, msLabel(b.Over.AboveMs)),
	})
	for _, m := range []struct {
		name string
		ms   float64
	}{{"p50", b.LatencyMs.P50}, {"p90", b.LatencyMs.P90}, {"p99", b.LatencyMs.P99}} {
		c.Markers = append(c.Markers, svgchart.Marker{Label: m.name, At: place(b.Buckets, m.ms)})
	}
	return c.SVG()
}

// place is where ms falls on the chart's axis, in bars: within its
// bucket, on the log scale the bounds make, so that a marker sits where
// the value is; past the last bucket, in the middle of the late bar.
func place(buckets []jsonreport.Bucket, ms float64) float64 {
	lower := 0.0
	for i, k := range buckets {
		if ms <= k.UpToMs {
			f := ms / k.UpToMs
			if lower > 0 && ms > lower {
				f = math.Log(ms/lower) / math.Log(k.UpToMs/lower)
			} else if lower > 0 {
				f = 0
			}
			return float64(i) + 0.1 + 0.8*math.Max(0, math.Min(1, f))
		}
		lower = k.UpToMs
	}
	return float64(len(buckets)) + 0.5
}

// msLabel writes a bucket's bound: 5ms, 200ms, 2s.
func msLabel(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', -1, 64) + "s"
	}
	return strconv.FormatFloat(ms, 'f', -1, 64) + "ms"
}
