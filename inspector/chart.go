package inspector

import (
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/svgchart"
	"github.com/wmsmock/wms-mock/receiver"
)

// snrFloor is the lowest SNR the chart's scale reaches: a failed
// measurement reads -100 dB, which would flatten every real value, so it
// is drawn on the floor with its value written beside it.
const snrFloor = -20

// snrChart charts the SNR of events' intermediate results, one line per
// measurement, by the results' own sequence. It is an SVG document of its
// own: the page fetches it and parses it as one.
func snrChart(events []receiver.Record) []byte {
	c := svgchart.Line{Title: "SNR of the intermediate results", XLabel: "intermediate result", YUnit: "dB",
		Floor: snrFloor, Empty: "No intermediate results yet"}
	byID := map[string]int{}
	for _, rec := range events {
		p := snrOf(rec)
		if p == nil {
			continue
		}
		i, ok := byID[p.Measurement]
		if !ok {
			i = len(c.Series)
			byID[p.Measurement] = i
			c.Series = append(c.Series, svgchart.Series{Name: short(p.Measurement)})
		}
		s := &c.Series[i]
		x := float64(p.Result)
		if p.Result <= 0 { // no usable sequence: place it after the last
			x = float64(len(s.Points) + 1)
		}
		s.Points = append(s.Points, svgchart.Point{X: x, Y: p.SNR})
	}
	return c.SVG()
}

// short is the start of a long ID, enough to tell IDs apart in a legend.
func short(id string) string {
	if id == "" {
		return "no measurement"
	}
	return humanize.Clip(id, 8)
}
