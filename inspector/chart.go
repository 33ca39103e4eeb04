package inspector

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/receiver"
)

// Chart geometry, in SVG user units: the chart scales to its box.
const (
	chartW, chartH                       = 960, 230
	padLeft, padRight, padTop, padBottom = 44, 18, 22, 36
)

// snrFloor is the lowest SNR the chart's scale reaches: a failed
// measurement reads -100 dB, which would flatten every real value, so it
// is drawn on the floor with its value written beside it.
const snrFloor = -20

// palette colours a chart's series, one each, in order.
var palette = []string{"#2563eb", "#9333ea", "#0d9488", "#db2777"}

// chartSeries is one line of a chart.
type chartSeries struct {
	name   string
	points []chartPoint
}

type chartPoint struct{ x, y float64 }

// lineChart is a line chart with numbered points, drawn as SVG by the
// project itself so that the page needs no script from anywhere else.
type lineChart struct {
	title, xLabel, yUnit string
	series               []chartSeries
	// floor, when the lowest value is under it, is where the scale stops;
	// lower points sit on it, labelled with their value.
	floor float64
	empty string // what to say when there is no point
}

// snrChart charts the SNR of events' intermediate results, one line per
// measurement, by the results' own sequence.
func snrChart(events []receiver.Record) []byte {
	c := lineChart{title: "SNR of the intermediate results", xLabel: "intermediate result", yUnit: "dB",
		floor: snrFloor, empty: "No intermediate results yet"}
	byID := map[string]int{}
	for _, rec := range events {
		p := snrOf(rec)
		if p == nil {
			continue
		}
		i, ok := byID[p.Measurement]
		if !ok {
			i = len(c.series)
			byID[p.Measurement] = i
			c.series = append(c.series, chartSeries{name: p.Measurement})
		}
		s := &c.series[i]
		x := float64(p.Result)
		if p.Result <= 0 { // no usable sequence: place it after the last
			x = float64(len(s.points) + 1)
		}
		s.points = append(s.points, chartPoint{x, p.SNR})
	}
	return c.svg()
}

// svg draws the chart.
func (c lineChart) svg() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
		chartW, chartH, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(c.title))
	xs, ys := c.bounds()
	if len(xs) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#6b7280" font-size="13">%s</text></svg>`,
			chartW/2, chartH/2, html.EscapeString(c.empty))
		return []byte(b.String())
	}
	xt, yt := ticks(slices.Min(xs), slices.Max(xs), 10, true), ticks(max(slices.Min(ys), c.floorOr()), slices.Max(ys), 5, false)
	sx := scale(xt[0], xt[len(xt)-1], padLeft+8, chartW-padRight-8)
	sy := scale(yt[0], yt[len(yt)-1], chartH-padBottom, padTop)
	for _, v := range yt {
		stroke := "#e5e7eb"
		if v == 0 {
			stroke = "#9ca3af"
		}
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="%s" stroke-width="1"/>`, padLeft, chartW-padRight, num(sy(v)), num(sy(v)), stroke)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" fill="#6b7280">%s</text>`, padLeft-6, num(sy(v)+4), label(v))
	}
	for _, v := range xt {
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" fill="#6b7280">%s</text>`, num(sx(v)), chartH-padBottom+16, label(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#6b7280">%s</text>`, padLeft-6, padTop-9, html.EscapeString(c.yUnit))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#6b7280">%s</text>`, (padLeft+chartW-padRight)/2, chartH-6, html.EscapeString(c.xLabel))
	for i, s := range c.series {
		c.drawSeries(&b, s, palette[i%len(palette)], sx, sy, yt[0])
	}
	if len(c.series) > 1 {
		for i, s := range c.series {
			x := padLeft + 10 + i*150
			fmt.Fprintf(&b, `<rect x="%d" y="4" width="10" height="10" rx="2" fill="%s"/><text x="%d" y="13" fill="#374151">%s</text>`,
				x, palette[i%len(palette)], x+14, html.EscapeString(short(s.name)))
		}
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

// drawSeries draws one line, its points, and each point's value.
func (c lineChart) drawSeries(b *strings.Builder, s chartSeries, color string, sx, sy func(float64) float64, bottom float64) {
	var d strings.Builder
	for i, p := range s.points {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s ", cmd, num(sx(p.x)), num(sy(max(p.y, bottom))))
	}
	path := strings.TrimSpace(d.String())
	if len(s.points) > 1 {
		first, last := s.points[0], s.points[len(s.points)-1]
		fmt.Fprintf(b, `<path d="%s L%s %s L%s %s Z" fill="%s" fill-opacity="0.08" stroke="none"/>`,
			path, num(sx(last.x)), num(sy(bottom)), num(sx(first.x)), num(sy(bottom)), color)
	}
	fmt.Fprintf(b, `<path class="series" d="%s" fill="none" stroke="%s" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"/>`, path, color)
	for _, p := range s.points {
		x, y := sx(p.x), sy(max(p.y, bottom))
		dot, text, ink := color, label(p.y), "#374151"
		if p.y < bottom { // off the scale: on the floor, in red
			dot, text, ink = "#dc2626", "▼ "+text, "#b91c1c"
		}
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="4" fill="#fff" stroke="%s" stroke-width="2"><title>%s %s: %s %s</title></circle>`,
			num(x), num(y), dot, html.EscapeString(c.xLabel), label(p.x), label(p.y), html.EscapeString(c.yUnit))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="%s" font-weight="600">%s</text>`, num(x), num(y-9), ink, text)
	}
}

// bounds returns every x and every y of the chart.
func (c lineChart) bounds() (xs, ys []float64) {
	for _, s := range c.series {
		for _, p := range s.points {
			xs, ys = append(xs, p.x), append(ys, p.y)
		}
	}
	return xs, ys
}

func (c lineChart) floorOr() float64 {
	if c.floor == 0 {
		return math.Inf(-1)
	}
	return c.floor
}

// ticks returns round values from at most lo to at least hi, about n of
// them; integers only when whole is set. The scale always shows 0 to 10
// at least, so that a flat line does not fill the chart.
func ticks(lo, hi float64, n int, whole bool) []float64 {
	if !whole {
		lo, hi = min(lo, 0), max(hi, 10)
	}
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	if whole {
		step = max(1, math.Round(step))
	}
	var out []float64
	for v := math.Floor(lo/step) * step; v < hi+step/2; v += step {
		out = append(out, math.Round(v*1e6)/1e6)
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}

// scale maps [lo, hi] onto [from, to].
func scale(lo, hi, from, to float64) func(float64) float64 {
	return func(v float64) float64 { return from + (v-lo)/(hi-lo)*(to-from) }
}

// num writes a coordinate with one decimal.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// label writes a value as a person reads it: 12, 4.6, -100.
func label(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// short is the start of a long ID, enough to tell IDs apart in a legend.
func short(id string) string {
	if id == "" {
		return "no measurement"
	}
	return humanize.Clip(id, 8)
}
