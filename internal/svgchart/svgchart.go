// Package svgchart draws the project's charts as SVG, written in Go, so
// that a page shows them with no script or stylesheet from anywhere else,
// opened from a server or from a file: the inspector's SNR of a session,
// the conformance report's latency distribution.
//
// A chart is a value (Line, Bars) whose SVG method draws it in a fixed
// box of user units that scales to the box it is shown in. Every text a
// chart writes is escaped, so a chart is safe to put in a page as is.
package svgchart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Palette colours a chart's series, one each, in order; Alert marks what
// went wrong (a value off the scale, a bar past a deadline).
var (
	Palette = []string{"#2563eb", "#9333ea", "#0d9488", "#db2777"}
	Alert   = "#dc2626"
)

// Colours of the frame: grid lines, the zero line, and the axes' text.
const (
	gridInk = "#e5e7eb"
	zeroInk = "#9ca3af"
	axisInk = "#6b7280"
	textInk = "#374151"
)

// open starts an SVG document of w×h user units titled title. Inline
// leaves out the namespace, which only an SVG file of its own needs (HTML
// puts an inline <svg> in it), so that a page holds no address at all.
func open(b *strings.Builder, w, h int, title string, inline bool) {
	ns := ` xmlns="http://www.w3.org/2000/svg"`
	if inline {
		ns = ""
	}
	fmt.Fprintf(b, `<svg%s viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
		ns, w, h, html.EscapeString(title))
	fmt.Fprintf(b, `<title>%s</title>`, html.EscapeString(title))
}

// empty closes an SVG that has nothing to show but a sentence.
func empty(b *strings.Builder, w, h int, text string) []byte {
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="13">%s</text></svg>`,
		w/2, h/2, axisInk, html.EscapeString(text))
	return []byte(b.String())
}

// yGrid draws the horizontal grid lines and their values, from left to
// right, with sy placing a value.
func yGrid(b *strings.Builder, yt []float64, left, right int, sy func(float64) float64) {
	for _, v := range yt {
		stroke := gridInk
		if v == 0 {
			stroke = zeroInk
		}
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="%s" stroke-width="1"/>`, left, right, num(sy(v)), num(sy(v)), stroke)
		fmt.Fprintf(b, `<text x="%d" y="%s" text-anchor="end" fill="%s">%s</text>`, left-6, num(sy(v)+4), axisInk, Label(v))
	}
}

// ticks returns round values from at most lo to at least hi, about n of
// them; integers only when whole is set. Unless whole is set, the scale
// always shows 0 to 10 at least, so that a flat line does not fill the
// chart.
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

// Label writes a value as a person reads it on a chart: 12, 4.6, -100.
func Label(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
