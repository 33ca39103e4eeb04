package svgchart

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// Line chart geometry, in SVG user units.
const (
	lineW, lineH                                  = 960, 230
	linePadL, linePadR, linePadTop, linePadBottom = 44, 18, 22, 36
	legendStep                                    = 150
)

// Line is a line chart with numbered points: a series' points joined in
// order, each with its value written above it.
type Line struct {
	Title, XLabel, YUnit string
	Series               []Series
	// Floor, when the lowest value is under it, is where the scale stops;
	// lower points sit on it, in the alert colour, labelled with their
	// value, so that one outlier (a failed measurement's -100 dB) does not
	// flatten every other value. Zero: no floor.
	Floor float64
	// Empty is what the chart says when there is no point.
	Empty string
	// Inline draws the chart for a page's own markup (see open).
	Inline bool
}

// Series is one line of a chart; Name is its legend, shown when there
// are several.
type Series struct {
	Name   string
	Points []Point
}

// Point is one value of a series.
type Point struct{ X, Y float64 }

// SVG draws the chart.
func (c Line) SVG() []byte {
	var b strings.Builder
	open(&b, lineW, lineH, c.Title, c.Inline)
	xs, ys := c.bounds()
	if len(xs) == 0 {
		return empty(&b, lineW, lineH, c.Empty)
	}
	xt, yt := ticks(slices.Min(xs), slices.Max(xs), 10, true), ticks(max(slices.Min(ys), c.floorOr()), slices.Max(ys), 5, false)
	sx := scale(xt[0], xt[len(xt)-1], linePadL+8, lineW-linePadR-8)
	sy := scale(yt[0], yt[len(yt)-1], lineH-linePadBottom, linePadTop)
	yGrid(&b, yt, linePadL, lineW-linePadR, sy)
	for _, v := range xt {
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" fill="%s">%s</text>`, num(sx(v)), lineH-linePadBottom+16, axisInk, Label(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`, linePadL-6, linePadTop-9, axisInk, html.EscapeString(c.YUnit))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, (linePadL+lineW-linePadR)/2, lineH-6, axisInk, html.EscapeString(c.XLabel))
	for i, s := range c.Series {
		c.drawSeries(&b, s, Palette[i%len(Palette)], sx, sy, yt[0])
	}
	if len(c.Series) > 1 {
		for i, s := range c.Series {
			x := linePadL + 10 + i*legendStep
			fmt.Fprintf(&b, `<rect x="%d" y="4" width="10" height="10" rx="2" fill="%s"/><text x="%d" y="13" fill="%s">%s</text>`,
				x, Palette[i%len(Palette)], x+14, textInk, html.EscapeString(s.Name))
		}
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

// drawSeries draws one line, its points, and each point's value.
func (c Line) drawSeries(b *strings.Builder, s Series, color string, sx, sy func(float64) float64, bottom float64) {
	var d strings.Builder
	for i, p := range s.Points {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s ", cmd, num(sx(p.X)), num(sy(max(p.Y, bottom))))
	}
	path := strings.TrimSpace(d.String())
	if len(s.Points) > 1 {
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		fmt.Fprintf(b, `<path d="%s L%s %s L%s %s Z" fill="%s" fill-opacity="0.08" stroke="none"/>`,
			path, num(sx(last.X)), num(sy(bottom)), num(sx(first.X)), num(sy(bottom)), color)
	}
	fmt.Fprintf(b, `<path class="series" d="%s" fill="none" stroke="%s" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"/>`, path, color)
	for _, p := range s.Points {
		x, y := sx(p.X), sy(max(p.Y, bottom))
		dot, text, ink := color, Label(p.Y), textInk
		if p.Y < bottom { // off the scale: on the floor, in red
			dot, text, ink = Alert, "▼ "+text, "#b91c1c"
		}
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="4" fill="#fff" stroke="%s" stroke-width="2"><title>%s %s: %s %s</title></circle>`,
			num(x), num(y), dot, html.EscapeString(c.XLabel), Label(p.X), Label(p.Y), html.EscapeString(c.YUnit))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="%s" font-weight="600">%s</text>`, num(x), num(y-9), ink, text)
	}
}

// bounds returns every x and every y of the chart.
func (c Line) bounds() (xs, ys []float64) {
	for _, s := range c.Series {
		for _, p := range s.Points {
			xs, ys = append(xs, p.X), append(ys, p.Y)
		}
	}
	return xs, ys
}

func (c Line) floorOr() float64 {
	if c.Floor == 0 {
		return math.Inf(-1)
	}
	return c.Floor
}
