package emitter

import (
	"errors"
	"strings"
	"testing"
)

// vendorTable is the seed's event table, restated by hand so that a change
// to the catalog cannot pass unnoticed: name, severity, payload fields in
// order ("?" marks "if created").
var vendorTable = []struct{ name, severity, fields string }{
	{"WMS_LOADED", "INFO", ""},
	{"CONFIGURATION_LOADED", "INFO", ""},
	{"CAMERA_PERMISSION_GRANTED", "INFO", ""},
	{"CAMERA_PERMISSION_DENIED", "ERROR", ""},
	{"CAMERA_STARTED", "INFO", ""},
	{"MEASUREMENT_STARTED", "INFO", ""},
	{"MEASUREMENT_CREATED", "INFO", "measurementId"},
	{"INTERMEDIATE_RESULTS", "INFO", "measurementId snr sequence"},
	{"SCAN_COMPLETED", "INFO", "measurementId"},
	{"RESULTS_RECEIVED", "INFO", "measurementId"},
	{"REDIRECTING_TO_CALLBACK", "INFO", "measurementId?"},
	{"MEASUREMENT_CANCELED", "WARN", "measurementId"},
	{"CONSTRAINT_VIOLATION", "ERROR", "measurementId? constraint"},
	{"PAGE_UNLOADED", "INFO", "measurementId?"},
	{"WEBSOCKET_DISCONNECTED", "WARN", "measurementId"},
	{"WEBSOCKET_RECONNECTED", "INFO", "measurementId"},
	{"WEBSOCKET_RECONNECTION_FAILED", "ERROR", "measurementId"},
	{"API_ERROR", "ERROR", "measurementId? errorCode"},
	{"PAGE_VISIBILITY_CHANGE", "INFO", "measurementId? state"},
	{"LOW_SNR", "ERROR", "details"},
	{"GENERAL_ERROR", "ERROR", "details"},
}

func TestCatalogMatchesTheVendorTable(t *testing.T) {
	events := Events()
	if len(events) != len(vendorTable) {
		t.Fatalf("catalog has %d events, the vendor documents %d", len(events), len(vendorTable))
	}
	for i, want := range vendorTable {
		e := events[i]
		var fields []string
		for _, f := range e.Fields {
			name := f.Name
			if f.Presence == IfCreated {
				name += "?"
			}
			fields = append(fields, name)
		}
		if e.Name != want.name || string(e.Severity) != want.severity || strings.Join(fields, " ") != want.fields {
			t.Errorf("event %d: %s %s [%s], the vendor says %s %s [%s]", i, e.Name, e.Severity, strings.Join(fields, " "), want.name, want.severity, want.fields)
		}
	}
}

func TestCatalogCannotBeChangedByCallers(t *testing.T) {
	events := Events()
	events[12].Fields[1].Values[0] = "CHANGED"
	events[0].Name = "CHANGED"
	e, _ := LookupEvent("CONSTRAINT_VIOLATION")
	e.Fields[1].Values[1] = "CHANGED"
	again, _ := LookupEvent("CONSTRAINT_VIOLATION")
	if again.Fields[1].Values[0] != "FaceNone" || again.Fields[1].Values[1] != "FaceOffTarget" || Events()[0].Name != "WMS_LOADED" {
		t.Errorf("a caller changed the shared catalog: %v", again.Fields[1].Values[:2])
	}
}

func TestCatalogMarksTheNamesWMSMockChose(t *testing.T) {
	for _, e := range Events() {
		for _, f := range e.Fields {
			chosen := f.Name == FieldErrorCode || f.Name == FieldConstraint
			if f.Undocumented != chosen {
				t.Errorf("%s.%s: Undocumented = %v", e.Name, f.Name, f.Undocumented)
			}
		}
	}
}

func TestNeedsMeasurement(t *testing.T) {
	needs := map[string]bool{"INTERMEDIATE_RESULTS": true, "SCAN_COMPLETED": true, "RESULTS_RECEIVED": true,
		"MEASUREMENT_CANCELED": true, "WEBSOCKET_DISCONNECTED": true, "WEBSOCKET_RECONNECTED": true, "WEBSOCKET_RECONNECTION_FAILED": true}
	for _, e := range Events() {
		if e.NeedsMeasurement() != needs[e.Name] {
			t.Errorf("%s: NeedsMeasurement = %v", e.Name, e.NeedsMeasurement())
		}
	}
}

func TestLookupEventSuggestsClosestNames(t *testing.T) {
	_, err := LookupEvent("MEASURMENT_CREATED")
	if !errors.Is(err, ErrUnknownEvent) {
		t.Fatalf("err = %v, want ErrUnknownEvent", err)
	}
	if !strings.Contains(err.Error(), "did you mean MEASUREMENT_CREATED") {
		t.Errorf("error does not suggest the right name: %v", err)
	}
	if s := SuggestEvents("MEASURMENT_CREATED"); len(s) == 0 || len(s) > 2 || s[0] != "MEASUREMENT_CREATED" {
		t.Errorf("suggestions are not closest first, at most two: %v", s)
	}
	if s := SuggestEvents("websocket_reconected"); len(s) == 0 || s[0] != "WEBSOCKET_RECONNECTED" {
		t.Errorf("suggestions for a lower-case typo = %v", s)
	}
	_, err = LookupEvent("SOMETHING_ELSE_ENTIRELY")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a far-off name should get no suggestion: %v", err)
	}
}
