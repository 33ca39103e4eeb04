package emitter

import (
	"errors"
	"strings"
	"testing"
)

func TestCatalogMatchesTheVendorTable(t *testing.T) {
	events := Events()
	if len(events) != 21 {
		t.Fatalf("catalog has %d events, the vendor documents 21", len(events))
	}
	want := map[string]Severity{
		"WMS_LOADED": SeverityInfo, "CAMERA_PERMISSION_DENIED": SeverityError,
		"MEASUREMENT_CANCELED": SeverityWarn, "CONSTRAINT_VIOLATION": SeverityError,
		"WEBSOCKET_DISCONNECTED": SeverityWarn, "WEBSOCKET_RECONNECTED": SeverityInfo,
		"WEBSOCKET_RECONNECTION_FAILED": SeverityError, "API_ERROR": SeverityError,
		"LOW_SNR": SeverityError, "GENERAL_ERROR": SeverityError, "PAGE_UNLOADED": SeverityInfo,
	}
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.Name] {
			t.Errorf("%s listed twice", e.Name)
		}
		seen[e.Name] = true
		if sev, ok := want[e.Name]; ok && sev != e.Severity {
			t.Errorf("%s: severity %s, the vendor says %s", e.Name, e.Severity, sev)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s missing from the catalog", name)
		}
	}
}

func TestCatalogPayloadFields(t *testing.T) {
	cases := map[string]struct {
		fields           []string
		needsMeasurement bool
	}{
		"WMS_LOADED":              {nil, false},
		"MEASUREMENT_CREATED":     {[]string{"measurementId"}, false},
		"INTERMEDIATE_RESULTS":    {[]string{"measurementId", "snr", "sequence"}, true},
		"REDIRECTING_TO_CALLBACK": {[]string{"measurementId"}, false},
		"PAGE_VISIBILITY_CHANGE":  {[]string{"measurementId", "state"}, false},
		"API_ERROR":               {[]string{"measurementId", "errorCode"}, false},
		"CONSTRAINT_VIOLATION":    {[]string{"measurementId", "constraint"}, false},
		"LOW_SNR":                 {[]string{"details"}, false},
		"WEBSOCKET_RECONNECTED":   {[]string{"measurementId"}, true},
	}
	for name, c := range cases {
		e, err := LookupEvent(name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s fields = %v, want %v", name, got, c.fields)
		}
		if e.NeedsMeasurement() != c.needsMeasurement {
			t.Errorf("%s NeedsMeasurement = %v", name, e.NeedsMeasurement())
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
	if s := SuggestEvents("websocket_reconected"); len(s) == 0 || s[0] != "WEBSOCKET_RECONNECTED" {
		t.Errorf("suggestions for a lower-case typo = %v", s)
	}
	_, err = LookupEvent("SOMETHING_ELSE_ENTIRELY")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a far-off name should get no suggestion: %v", err)
	}
}
