package replay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/replay"
	"github.com/wmsmock/wms-mock/scenarios"
)

// sessionIDs lists the capture's sessions in the order they start.
func sessionIDs(events []replay.Event) []string {
	var ids []string
	seen := map[string]bool{}
	for _, ev := range events {
		if !seen[ev.SessionID] {
			seen[ev.SessionID] = true
			ids = append(ids, ev.SessionID)
		}
	}
	return ids
}

// reproduce writes the scenario of session id, parses it as validate does
// and expands it as run does.
func reproduce(t *testing.T, events []replay.Event, id string) ([]scenarios.Delivery, string) {
	t.Helper()
	yaml, err := replay.ToScenario(events, id)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Parse("from-events.yaml", yaml)
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	ds, err := s.Expand(scenarios.ExpandOptions{Seed: 11, Signer: testkit.Signer(t)})
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	return ds, string(yaml)
}

func decodeMap(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return m
}

// compareSession checks that the expanded scenario sends the captured
// session's events: the same names, sequences, severities and payload
// values, in order; measurement IDs present where they were, and the same
// generated ID wherever the capture had the same one. Timestamps keep
// their distances, exactly when the capture had no arrival times.
func compareSession(t *testing.T, captured []replay.Event, ds []scenarios.Delivery, exact bool, yaml string) {
	t.Helper()
	if len(ds) != len(captured) {
		t.Fatalf("%d deliveries for %d captured events\n%s", len(ds), len(captured), yaml)
	}
	ids := map[any]any{}
	var ref0, sent0 int64
	refSet := false
	for i := range captured {
		want, got := decodeMap(t, captured[i].Body), decodeMap(t, ds[i].Request.Body)
		if ds[i].Event == "" { // a raw step: sent as captured
			if !bytes.Equal(ds[i].Request.Body, captured[i].Body) {
				t.Errorf("event %d: raw body %s, want %s", i, ds[i].Request.Body, captured[i].Body)
			}
			continue
		}
		wp, _ := want["payload"].(map[string]any)
		gp, _ := got["payload"].(map[string]any)
		if wid, ok := wp["measurementId"]; ok {
			gid, has := gp["measurementId"]
			if prev, seen := ids[wid]; !has || seen && prev != gid && gid != wid {
				t.Errorf("event %d: measurement %v sent as %v (before: %v)\n%s", i, wid, gid, prev, yaml)
			}
			ids[wid] = gid
			delete(wp, "measurementId")
			delete(gp, "measurementId")
		} else if _, has := gp["measurementId"]; has {
			t.Errorf("event %d: a measurement ID the capture did not have\n%s", i, yaml)
		}
		wt, gt := int64(want["timestamp"].(float64)), int64(got["timestamp"].(float64))
		if !refSet {
			ref0, sent0, refSet = wt, gt, true
		}
		if d := (gt - sent0) - (wt - ref0); d != 0 && (exact || d < -2 || d > 2) {
			t.Errorf("event %d: timestamp %d s from the first, want %d\n%s", i, gt-sent0, wt-ref0, yaml)
		}
		for _, k := range []string{"sessionId", "timestamp"} {
			delete(want, k)
			delete(got, k)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d (%s:%d): sent %v, want %v\n%s", i, captured[i].File, captured[i].Line, got, want, yaml)
		}
	}
}

func sessionEvents(events []replay.Event, id string) []replay.Event {
	var out []replay.Event
	for _, ev := range events {
		if ev.SessionID == id {
			out = append(out, ev)
		}
	}
	return out
}

// Every built-in scenario, captured by the reference receiver, comes back
// as a scenario that sends what was captured.
func TestToScenarioFromTheReceiversCapture(t *testing.T) {
	c := read(t, capture(t, scenarios.Builtin(), 4))
	ids := sessionIDs(c.Events)
	if len(ids) < len(scenarios.Builtin())-2 { // a scenario whose every event is refused leaves no session
		t.Fatalf("%d sessions captured", len(ids))
	}
	for _, id := range ids {
		ds, yaml := reproduce(t, c.Events, id)
		compareSession(t, sessionEvents(c.Events, id), ds, false, yaml)
	}
}

// A capture of raw bodies (every request the built-ins send, refused ones
// too) gives its rhythm by timestamps, which come back exactly.
func TestToScenarioFromRawBodies(t *testing.T) {
	var lines []byte
	for i, s := range scenarios.Builtin() {
		ds, err := s.Expand(scenarios.ExpandOptions{Seed: uint64(i), Start: time.Unix(1700000000, 0), Signer: testkit.Signer(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if !bytes.ContainsAny(d.Request.Body, "\n") {
				lines = append(append(lines, d.Request.Body...), '\n')
			}
		}
	}
	path := filepath.Join(t.TempDir(), "bodies.jsonl")
	if err := os.WriteFile(path, lines, 0o644); err != nil {
		t.Fatal(err)
	}
	c := read(t, path)
	for _, id := range sessionIDs(c.Events) {
		ds, yaml := reproduce(t, c.Events, id)
		compareSession(t, sessionEvents(c.Events, id), ds, true, yaml)
	}
}

// oddSession is a session as a real WMS, a proxy or a bug might send it:
// every way a captured event can differ from what the catalog generates.
const oddSession = `{"timestamp":1000,"sessionId":"odd/session 1","sequence":0,"event":"WMS_LOADED","severity":"INFO"}
{"timestamp":1000,"sessionId":"odd/session 1","sequence":0,"event":"WMS_LOADED","severity":"INFO"}
{"timestamp":1001,"sessionId":"odd/session 1","sequence":1,"event":"CONFIGURATION_LOADED","severity":"WARN"}
{"timestamp":1001,"sessionId":"odd/session 1","sequence":2,"event":"API_ERROR","severity":"ERROR","payload":{"errorCode":"TEAPOT"}}
{"timestamp":1002,"sessionId":"odd/session 1","sequence":3,"event":"PAGE_VISIBILITY_CHANGE","severity":"INFO","payload":{"state":"VISIBLE"}}
{"timestamp":1003,"sessionId":"odd/session 1","sequence":4,"event":"MEASUREMENT_CREATED","severity":"INFO","payload":{"measurementId":"m-1"}}
{"timestamp":1008,"sessionId":"odd/session 1","sequence":5,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"m-1","snr":1.5,"sequence":1}}
{"timestamp":1013,"sessionId":"odd/session 1","sequence":6,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"m-1","snr":4.25,"sequence":2}}
{"timestamp":1018,"sessionId":"odd/session 1","sequence":7,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"m-1","snr":-3,"sequence":3}}
{"timestamp":1023,"sessionId":"odd/session 1","sequence":8,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"m-1","snr":"n/a","sequence":1}}
{"timestamp":1024,"sessionId":"odd/session 1","sequence":10,"event":"WEBSOCKET_DISCONNECTED","severity":"WARN","payload":{"measurementId":"m-2"}}
{"timestamp":1025,"sessionId":"odd/session 1","sequence":9,"event":"CONSTRAINT_VIOLATION","severity":"ERROR","payload":{"measurementId":"m-1","constraint":"TOO_BLURRY","hint":{"distance":[1,2.5],"unit":"cm"}}}
{"timestamp":900,"sessionId":"odd/session 1","sequence":11,"event":"LOW_SNR","severity":"ERROR","payload":{"details":"LOW_SNR"}}
{"timestamp":1026,"sessionId":"odd/session 1","sequence":12,"event":"GENERAL_ERROR","severity":"ERROR","payload":{"details":"Zo\u00eb \ud83d\ude42 \"quoted\""}}
{"timestamp":1027,"sessionId":"odd/session 1","sequence":13,"event":"FACE_DETECTED","severity":"WARN","payload":{"confidence":0.93,"yes":true}}
{"timestamp":1028,"sessionId":"odd/session 1","sequence":14,"event":"SCAN_COMPLETED","severity":"INFO","payload":{"measurementId":"m-1"},"version":2}
{"timestamp":1029,"sessionId":"odd/session 1","sequence":15,"event":"RESULTS_RECEIVED","severity":"DEBUG","payload":{"measurementId":"m-1"}}
{"timestamp":1030,"sessionId":"odd/session 1","sequence":16,"event":"PAGE_UNLOADED","severity":"INFO","payload":{"measurementId":null}}
{"timestamp":1031,"sessionId":"odd/session 1","sequence":17,"event":"REDIRECTING_TO_CALLBACK","severity":"INFO"}
{"timestamp":1032,"sessionId":"odd/session 1","sequence":18,"event":"PAGE_UNLOADED","severity":"INFO","note":"café, it's"}
{"timestamp":1033,"sessionId":"odd/session 1","sequence":19,"event":"PAGE_UNLOADED","severity":"INFO","note":"it's"}
`

func TestToScenarioOddSession(t *testing.T) {
	c, err := replay.ReadFrom(strings.NewReader(oddSession), "odd.jsonl")
	if err != nil || c.Skipped != 0 {
		t.Fatal(err, c.Problems)
	}
	ds, yaml := reproduce(t, c.Events, "odd/session 1")
	compareSession(t, c.Events, ds, true, yaml)
	for _, want := range []string{
		"name: session-odd-session-1\n",
		"  - {event: WMS_LOADED, duplicate: true}\n",
		"  - {event: CONFIGURATION_LOADED, after: 1s, severity: WARN}\n",
		"payload: {errorCode: TEAPOT}",
		"payload: {state: VISIBLE}",
		"  - {event: INTERMEDIATE_RESULTS, after: 5s, each: {snr: [1.5, 4.25, -3]}}\n",
		`extra: {snr: "n/a"}`,
		"payload: {sequence: 1}",
		"payload: {measurementId: m-2}, sequence: 10",
		`extra: {constraint: TOO_BLURRY, hint: {distance: [1, 2.5], unit: cm}}, sequence: 9`,
		"{event: LOW_SNR, sequence: 11, skew: -2m5s}",
		`payload: {details: "Zo\u00eb \U0001f642 \"quoted\""}`,
		`{event: FACE_DETECTED, custom: true, after: 1s, payload: {confidence: 0.93, "yes": true}, severity: WARN}`,
		`# sent as captured: the field "version" outside the envelope`,
		`# sent as captured: the severity "DEBUG"`,
		`# sent as captured: the payload field "measurementId" set to null`,
		"  - {event: REDIRECTING_TO_CALLBACK, after: 1s, payload: {measurementId: null}, sequence: 17}\n",
		`{raw: "{\"timestamp\":1032,\"sessionId\":\"odd/session 1\",\"sequence\":18,\"event\":\"PAGE_UNLOADED\",\"severity\":\"INFO\",\"note\":\"caf\u00e9, it's\"}", after: 1s}`,
		`{raw: '{"timestamp":1033,"sessionId":"odd/session 1","sequence":19,"event":"PAGE_UNLOADED","severity":"INFO","note":"it''s"}', after: 1s}`,
	} {
		if !strings.Contains(yaml, want) {
			t.Errorf("the scenario lacks %s\n%s", want, yaml)
		}
	}
	if strings.Contains(yaml, "session: ") {
		t.Errorf("the scenario should leave the session ID to each run:\n%s", yaml)
	}
}

// What no scenario can hold is refused with a message that says where.
func TestToScenarioLimits(t *testing.T) {
	body := func(ts int64) string {
		return fmt.Sprintf(`{"timestamp":%d,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`+"\n", ts)
	}
	c, _ := replay.ReadFrom(strings.NewReader(body(1000)+body(1000+2*86400)), "gap.jsonl")
	if _, err := replay.ToScenario(c.Events, "s"); err == nil || !strings.Contains(err.Error(), "gap.jsonl:2: 48h0m0s after the session's previous event") {
		t.Errorf("a two-day gap: %v", err)
	}
}

func TestToScenarioUnknownSession(t *testing.T) {
	c, _ := replay.ReadFrom(strings.NewReader(oddSession), "odd.jsonl")
	_, err := replay.ToScenario(c.Events, "odd/session 2")
	if err == nil || !strings.Contains(err.Error(), `session "odd/session 2" is not in the capture: did you mean odd/session 1?`) {
		t.Errorf("err = %v", err)
	}
}
