package inspector

import (
	"strings"
	"testing"
)

func TestOutcomes(t *testing.T) {
	for want, names := range map[string][]string{
		"in progress":         {"WMS_LOADED", "CAMERA_STARTED"},
		"results received":    {"MEASUREMENT_CANCELED", "MEASUREMENT_CREATED", "RESULTS_RECEIVED"},
		"constraint violated": {"CONSTRAINT_VIOLATION", "MEASUREMENT_CANCELED", "REDIRECTING_TO_CALLBACK"},
		"camera denied":       {"CAMERA_PERMISSION_DENIED", "REDIRECTING_TO_CALLBACK"},
		"websocket lost":      {"WEBSOCKET_DISCONNECTED", "WEBSOCKET_RECONNECTION_FAILED"},
		"API error":           {"API_ERROR", "REDIRECTING_TO_CALLBACK"},
		"low SNR":             {"INTERMEDIATE_RESULTS", "LOW_SNR"},
		"cancelled":           {"MEASUREMENT_CANCELED", "REDIRECTING_TO_CALLBACK"},
		"page closed":         {"CONFIGURATION_LOADED", "PAGE_UNLOADED"},
	} {
		if got := outcomeOf(names).Label; got != want {
			t.Errorf("outcomeOf(%v) = %q, want %q", names, got, want)
		}
	}
}

func TestChartFloorsAFailedMeasurement(t *testing.T) {
	c := lineChart{title: "t", xLabel: "result", yUnit: "dB", floor: snrFloor,
		series: []chartSeries{{name: "m", points: []chartPoint{{1, 2.5}, {2, -100}, {3, 6}}}}}
	svg := string(c.svg())
	if !strings.Contains(svg, "▼ -100") || !strings.Contains(svg, ">-20<") || strings.Contains(svg, ">-100<") {
		t.Errorf("a -100 dB point is not drawn on a -20 floor, labelled:\n%s", svg)
	}
	if strings.Count(svg, "<circle") != 3 {
		t.Errorf("want 3 points:\n%s", svg)
	}
	empty := string(lineChart{title: "t", empty: "nothing <yet>"}.svg())
	if !strings.Contains(empty, "nothing &lt;yet&gt;") || strings.Contains(empty, "<path") {
		t.Errorf("empty chart = %s", empty)
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
	} {
		var got []string
		for _, v := range ticks(c.lo, c.hi, c.n, c.whole) {
			got = append(got, label(v))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("ticks(%v, %v) = %s, want %s", c.lo, c.hi, g, c.want)
		}
	}
}
