package svgchart

import (
	"strings"
	"testing"
)

func TestLineFloorsAFailedMeasurement(t *testing.T) {
	c := Line{Title: "t", XLabel: "result", YUnit: "dB", Floor: -20,
		Series: []Series{{Name: "m", Points: []Point{{1, 2.5}, {2, -100}, {3, 6}}}}}
	svg := string(c.SVG())
	if !strings.Contains(svg, "▼ -100") || !strings.Contains(svg, ">-20<") || strings.Contains(svg, ">-100<") {
		t.Errorf("a -100 dB point is not drawn on a -20 floor, labelled:\n%s", svg)
	}
	if strings.Count(svg, "<circle") != 3 {
		t.Errorf("want 3 points:\n%s", svg)
	}
	empty := string(Line{Title: "t", Empty: "nothing <yet>"}.SVG())
	if !strings.Contains(empty, "nothing &lt;yet&gt;") || strings.Contains(empty, "<path") {
		t.Errorf("empty chart = %s", empty)
	}
}

func TestLineLegendOnlyForSeveralSeries(t *testing.T) {
	one := Line{Series: []Series{{Name: "<a>", Points: []Point{{1, 1}}}}}
	if svg := string(one.SVG()); strings.Contains(svg, "&lt;a&gt;") {
		t.Errorf("a single series has a legend:\n%s", svg)
	}
	two := Line{Series: []Series{{Name: "<a>", Points: []Point{{1, 1}}}, {Name: "b", Points: []Point{{1, 2}}}}}
	if svg := string(two.SVG()); !strings.Contains(svg, "&lt;a&gt;") || strings.Count(svg, `class="series"`) != 2 {
		t.Errorf("two series lack their legend or lines:\n%s", svg)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		whole  bool
		want   string
	}{
		{1.8, 12.1, 5, false, "0 5 10 15"},
		{-20, 6, 5, false, "-20 -10 0 10"},
		{1, 5, 10, true, "1 2 3 4 5"},
		{1, 1, 10, true, "0 1 2"},
		{0, 33, 4, true, "0 10 20 30 40"},
		{0, 1, 4, true, "0 1"},
	} {
		var got []string
		for _, v := range ticks(c.lo, c.hi, c.n, c.whole) {
			got = append(got, Label(v))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("ticks(%v, %v) = %s, want %s", c.lo, c.hi, g, c.want)
		}
	}
}

func TestBarsDrawEachBarWithItsCount(t *testing.T) {
	c := Bars{Title: "latency <ms>", XLabel: "took at most", YLabel: "deliveries", Inline: true,
		Bars: []Bar{
			{Label: "≤1 ms", Value: 27, Tip: "27 deliveries"},
			{Label: "≤2 ms", Value: 0},
			{Label: "≤5 ms", Value: 1},
			{Label: "> 10 s", Value: 3, Alert: true, Tip: "3 <late>"},
		},
		Markers: []Marker{{Label: "p50", At: 0.5}, {Label: "p90", At: 0.6}, {Label: "p99", At: 3.5}},
	}
	svg := string(c.SVG())
	if strings.Contains(svg, "xmlns") || strings.Contains(svg, "http") {
		t.Errorf("an inline chart holds an address:\n%s", svg)
	}
	if n := strings.Count(svg, `<rect class="bar`); n != 4 {
		t.Errorf("%d bars, want 4:\n%s", n, svg)
	}
	if strings.Count(svg, `class="bar alert"`) != 1 || !strings.Contains(svg, "3 &lt;late&gt;") || !strings.Contains(svg, "latency &lt;ms&gt;") {
		t.Errorf("the late bar or the escaped texts are missing:\n%s", svg)
	}
	for _, want := range []string{">27<", ">1<", ">3<", ">≤2 ms<", ">p50<", ">p90<", ">p99<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %s:\n%s", want, svg)
		}
	}
	if strings.Count(svg, `class="marker"`) != 3 {
		t.Errorf("want 3 markers:\n%s", svg)
	}
	// p50 and p90 are too close for one row: p90 goes a row up.
	if !strings.Contains(svg, `y="44.0" text-anchor="middle" fill="#111827" font-weight="600">p50`) ||
		!strings.Contains(svg, `y="31.0" text-anchor="middle" fill="#111827" font-weight="600">p90`) {
		t.Errorf("close markers overlap:\n%s", svg)
	}
	if standalone := string(Bars{Bars: c.Bars}.SVG()); !strings.HasPrefix(standalone, `<svg xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("a standalone chart lacks its namespace: %.80s", standalone)
	}
	if e := string(Bars{Empty: "no burst"}.SVG()); !strings.Contains(e, ">no burst<") || strings.Contains(e, "<rect") {
		t.Errorf("empty chart = %s", e)
	}
}
