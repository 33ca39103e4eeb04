package inspector

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/receiver"
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

// TestSNRChartFloorsAFailedMeasurement: a failed measurement's -100 dB is
// drawn on the -20 floor, labelled, so that it does not flatten the rest
// (svgchart's own tests cover the drawing; this one the inspector's use).
func TestSNRChartFloorsAFailedMeasurement(t *testing.T) {
	var events []receiver.Record
	for i, snr := range []string{"2.5", "-100", "6"} {
		rec := receiver.Record{}
		rec.Event = emitter.EventIntermediateResults
		rec.Payload = json.RawMessage(`{"snr":` + snr + `,"sequence":` + strconv.Itoa(i+1) + `}`)
		events = append(events, rec)
	}
	events = append(events, receiver.Record{Envelope: receiver.Envelope{Event: "SCAN_COMPLETED"}})
	svg := string(snrChart(events))
	if !strings.Contains(svg, "▼ -100") || !strings.Contains(svg, ">-20<") || strings.Contains(svg, ">-100<") {
		t.Errorf("a -100 dB point is not drawn on a -20 floor, labelled:\n%s", svg)
	}
	if strings.Count(svg, "<circle") != 3 || !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("want an SVG document of 3 points:\n%s", svg)
	}
	empty := string(snrChart(nil))
	if !strings.Contains(empty, "No intermediate results yet") || strings.Contains(empty, "<path") {
		t.Errorf("empty chart = %s", empty)
	}
}
