package emitter

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestEnvelopeFieldOrderAndPayloadOmission(t *testing.T) {
	e := Envelope{Timestamp: 1689684577, SessionID: "ryueiwoqfh910fu3rpqruvfiu", Sequence: 0, Event: "MEASUREMENT_CREATED", Severity: SeverityInfo,
		Payload: Payload{{"measurementId", "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}}}
	got, err := e.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":1689684577,"sessionId":"ryueiwoqfh910fu3rpqruvfiu","sequence":0,"event":"MEASUREMENT_CREATED","severity":"INFO","payload":{"measurementId":"f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	e = Envelope{Timestamp: 1, SessionID: "s", Sequence: 4, Event: "WMS_LOADED", Severity: SeverityInfo}
	got, _ = e.AppendJSON(nil)
	if want := `{"timestamp":1,"sessionId":"s","sequence":4,"event":"WMS_LOADED","severity":"INFO"}`; string(got) != want {
		t.Errorf("an event without payload: got %s, want %s", got, want)
	}
}

func TestEnvelopeIsPureASCIIAndRoundTrips(t *testing.T) {
	tricky := "café 日本 😀 <a&b> \"q\" \\ \n\t\x01 \u2028"
	e := Envelope{Timestamp: 7, SessionID: tricky, Event: "API_ERROR", Severity: SeverityError,
		Payload: Payload{{"errorCode", tricky}, {"n", 3.25}, {"big", int64(math.MaxInt64)}, {"ok", true}, {"none", nil},
			{"list", []any{1, "x"}}, {"obj", map[string]any{"b": 1, "a": "é"}}, {"num", json.Number("1e3")}}}
	body, err := e.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range body {
		if c >= 0x80 {
			t.Fatalf("byte %d of the body is not ASCII: %q", i, body)
		}
	}
	for _, html := range []string{"<a&b>"} {
		if !bytes.Contains(body, []byte(html)) {
			t.Errorf("HTML characters were escaped: %s", body)
		}
	}
	if !bytes.Contains(body, []byte(`caf\u00e9 \u65e5\u672c \ud83d\ude00`)) {
		t.Errorf("non-ASCII not escaped as \\uXXXX (with surrogate pairs): %s", body)
	}
	var decoded struct {
		SessionID string         `json:"sessionId"`
		Payload   map[string]any `json:"payload"`
	}
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("body is not valid JSON: %v\n%s", err, body)
	}
	if decoded.SessionID != tricky || decoded.Payload["errorCode"] != tricky {
		t.Errorf("strings did not survive a round trip: %q", decoded.SessionID)
	}
	if !bytes.Contains(body, []byte(`"obj":{"a":"\u00e9","b":1}`)) {
		t.Errorf("map keys not sorted: %s", body)
	}
}

func TestEnvelopeRejectsWhatJSONCannotHold(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("1x"), struct{}{}} {
		e := Envelope{Event: "X", Payload: Payload{{"v", v}}}
		if _, err := e.AppendJSON(nil); err == nil {
			t.Errorf("%#v encoded without error", v)
		}
	}
}

func TestAppendStringMatchesEncodingJSONOnInvalidUTF8(t *testing.T) {
	in := "a\xffb"
	got := appendString(nil, in)
	var back string
	if err := json.Unmarshal(got, &back); err != nil || back != "a\ufffdb" {
		t.Errorf("invalid UTF-8 became %s (%q, %v)", got, back, err)
	}
}

func TestPayloadSetAndDelete(t *testing.T) {
	p := Payload{{"a", 1}}
	p = p.Set("b", 2).Set("a", 3)
	if v, _ := p.Get("a"); v != 3 || len(p) != 2 {
		t.Errorf("Set: %v", p)
	}
	p = p.Delete("a")
	if _, ok := p.Get("a"); ok || len(p) != 1 {
		t.Errorf("Delete: %v", p)
	}
}

func BenchmarkEncodeAndSign(b *testing.B) {
	s := testSigner(b)
	e := Envelope{Timestamp: 1689684577, SessionID: "ryueiwoqfh910fu3rpqruvfiu", Sequence: 3, Event: "INTERMEDIATE_RESULTS", Severity: SeverityInfo,
		Payload: Payload{{"measurementId", "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}, {"snr", 7.25}, {"sequence", int64(2)}}}
	body := make([]byte, 0, 512)
	mac := make([]byte, 0, 80)
	b.ReportAllocs()
	for b.Loop() {
		body, _ = e.AppendJSON(body[:0])
		mac = s.AppendMAC(mac[:0], body)
	}
}
