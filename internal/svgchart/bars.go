package svgchart

import (
	"fmt"
	"html"
	"slices"
	"strings"
)

// Bar chart geometry, in SVG user units: room above the plot for three
// rows of marker labels.
const (
	barsW, barsH                                  = 960, 300
	barsPadL, barsPadR, barsPadTop, barsPadBottom = 48, 18, 52, 46
	markerRow                                     = 13
	markerGap                                     = 34 // the least room between two labels in a row
)

// Bars is a bar chart of values in labelled slots, drawn left to right:
// a histogram's buckets, whose counts are written above them.
type Bars struct {
	Title, XLabel, YLabel string
	Bars                  []Bar
	// Markers are vertical lines across the bars, a percentile's place in
	// a histogram, each labelled above the plot.
	Markers []Marker
	// Empty is what the chart says when there is no bar.
	Empty string
	// Inline draws the chart for a page's own markup (see open).
	Inline bool
}

// Bar is one slot of a bar chart.
type Bar struct {
	// Label is written under the bar, Tip is its tooltip.
	Label, Tip string
	Value      float64
	// Alert draws the bar in the alert colour: deliveries past a deadline.
	Alert bool
}

// Marker is a labelled line at a place on the bars' axis, measured in
// bars: 0 is the left edge of the first bar, 1.5 the middle of the second.
type Marker struct {
	Label string
	At    float64
}

// SVG draws the chart.
func (c Bars) SVG() []byte {
	var b strings.Builder
	open(&b, barsW, barsH, c.Title, c.Inline)
	if len(c.Bars) == 0 {
		return empty(&b, barsW, barsH, c.Empty)
	}
	top := 1.0
	for _, bar := range c.Bars {
		top = max(top, bar.Value)
	}
	yt := ticks(0, top, 4, true)
	bottom := float64(barsH - barsPadBottom)
	sy := scale(0, yt[len(yt)-1], bottom, barsPadTop)
	yGrid(&b, yt, barsPadL, barsW-barsPadR, sy)
	slot := float64(barsW-barsPadR-barsPadL) / float64(len(c.Bars))
	for i, bar := range c.Bars {
		c.drawBar(&b, bar, barsPadL+float64(i)*slot, slot, sy)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`, barsPadL-6, barsPadTop-40, axisInk, html.EscapeString(c.YLabel))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, (barsPadL+barsW-barsPadR)/2, barsH-6, axisInk, html.EscapeString(c.XLabel))
	c.drawMarkers(&b, slot, bottom)
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

// drawBar draws one bar in its slot, its value above it and its label
// under it.
func (c Bars) drawBar(b *strings.Builder, bar Bar, x0, slot float64, sy func(float64) float64) {
	fill, class, ink := Palette[0], "bar", textInk
	if bar.Alert {
		fill, class, ink = Alert, "bar alert", "#b91c1c"
	}
	w := slot * 0.72
	x, y := x0+(slot-w)/2, sy(bar.Value)
	h := sy(0) - y
	if bar.Value > 0 {
		h = max(h, 1) // a count of one among hundreds still shows
		y = sy(0) - h
	}
	fmt.Fprintf(b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"><title>%s</title></rect>`,
		class, num(x), num(y), num(w), num(h), fill, html.EscapeString(bar.Tip))
	if bar.Value > 0 {
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="%s" font-weight="600">%s</text>`, num(x0+slot/2), num(y-5), ink, Label(bar.Value))
	}
	labelInk := axisInk
	if bar.Alert {
		labelInk = ink
	}
	fmt.Fprintf(b, `<text x="%s" y="%d" text-anchor="middle" fill="%s">%s</text>`, num(x0+slot/2), barsH-barsPadBottom+16, labelInk, html.EscapeString(bar.Label))
}

// drawMarkers draws each marker's line down to the axis, and its label
// above the plot, in the lowest row where it does not overlap another.
func (c Bars) drawMarkers(b *strings.Builder, slot, bottom float64) {
	markers := slices.Clone(c.Markers)
	slices.SortStableFunc(markers, func(a, b Marker) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	var rowEnd []float64 // each row's rightmost label so far
	for _, m := range markers {
		x := barsPadL + m.At*slot
		row := 0
		for row < len(rowEnd) && x-rowEnd[row] < markerGap {
			row++
		}
		if row == len(rowEnd) {
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = x
		ly := float64(barsPadTop-8) - float64(row*markerRow)
		fmt.Fprintf(b, `<line class="marker" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#111827" stroke-opacity="0.55" stroke-width="1.2" stroke-dasharray="4 3"/>`,
			num(x), num(x), num(ly+3), num(bottom))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="#111827" font-weight="600">%s</text>`, num(x), num(ly), html.EscapeString(m.Label))
	}
}
