package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestBuiltinLibrary(t *testing.T) {
	all := Builtin()
	files, _ := fs.Glob(library, "library/*.yaml")
	if len(all) != len(files) {
		t.Fatalf("%d scenarios from %d files", len(all), len(files))
	}
	journeys := 0
	for i, s := range all {
		if i > 0 && all[i-1].Name >= s.Name {
			t.Errorf("Builtin is not sorted by name: %s before %s", all[i-1].Name, s.Name)
		}
		if want := strings.TrimSuffix(path.Base(s.File), ".yaml"); s.Name != want {
			t.Errorf("%s: name %q differs from its file name", s.File, s.Name)
		}
		if s.Description == "" || strings.Contains(s.Description, "\n") {
			t.Errorf("%s: want a one-line description", s.Name)
		}
		if s.HasTag(TagJourney) == s.HasTag(TagEdge) {
			t.Errorf("%s: tag it either %s or %s", s.Name, TagJourney, TagEdge)
		}
		if !s.HasTag(TagJourney) {
			continue
		}
		journeys++
		for _, st := range s.Steps {
			if st.Faults.Any() || st.Custom || st.Sequence != nil || st.Severity != "" || st.Skew != 0 || len(st.Extra) > 0 || st.Expect != Expect2xx {
				t.Errorf("%s:%d: a journey is realistic and fault-free, without overrides", s.File, st.Line)
			}
		}
	}
	if journeys < 12 {
		t.Errorf("%d journeys, want at least 12", journeys)
	}
	if got := Journeys(); len(got) != journeys {
		t.Errorf("Journeys returned %d, want %d", len(got), journeys)
	}
	if &Builtin()[0].Steps[0] == &all[0].Steps[0] {
		t.Error("Builtin should hand out fresh scenarios that callers own")
	}
}

func TestFind(t *testing.T) {
	s, err := Find("happy-path")
	if err != nil || s.Name != "happy-path" || s.File != "builtin/happy-path.yaml" {
		t.Fatalf("Find(happy-path) = %v, %v", s, err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "mine")
	if err := os.WriteFile(file, []byte("steps: [WMS_LOADED]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Find(file); err != nil || s.Name != "mine" {
		t.Errorf("an existing file is loaded even without .yaml: %v, %v", s, err)
	}
}

// TestFindErrors checks that an argument that is neither a built-in name
// nor a file gets one line saying what it may have meant.
func TestFindErrors(t *testing.T) {
	t.Chdir(t.TempDir()) // relative names below are no files
	_, err := os.Stat("none")
	noFile := errors.Unwrap(err).Error() // "no such file or directory" on Unix
	cases := []struct {
		arg, want string
		is        error
	}{
		{"hapy-path", `unknown scenario "hapy-path": did you mean happy-path? ('wms-mock list' shows the built-in scenarios)`, ErrUnknownScenario},
		{"websocket", `unknown scenario "websocket": did you mean websocket-reconnect or websocket-reconnect-failed or websocket-reconnect-twice? ('wms-mock list' shows the built-in scenarios)`, ErrUnknownScenario},
		{"zzzz", `unknown scenario "zzzz": not a built-in name ('wms-mock list' shows them) nor a file`, ErrUnknownScenario},
		{"happy-path.yaml", "cannot read scenario happy-path.yaml: " + noFile + "; 'happy-path' is a built-in scenario: drop the .yaml", fs.ErrNotExist},
		{"low-snr.yml", "cannot read scenario low-snr.yml: " + noFile + "; 'low-snr' is a built-in scenario: drop the .yml", fs.ErrNotExist},
		{"library/user-cancels.yaml", "cannot read scenario library/user-cancels.yaml: " + noFile + "; 'user-cancels' is a built-in scenario: name it alone, as user-cancels", fs.ErrNotExist},
		{"hapy-path.yaml", "cannot read scenario hapy-path.yaml: " + noFile + "; did you mean the built-in happy-path? ('wms-mock list' shows them)", fs.ErrNotExist},
		{"missing/file.yaml", "cannot read scenario missing/file.yaml: " + noFile + "; nor is 'file' a built-in scenario ('wms-mock list' shows them)", fs.ErrNotExist},
	}
	for _, c := range cases {
		_, err := Find(c.arg)
		if err == nil || err.Error() != c.want || !errors.Is(err, c.is) {
			t.Errorf("Find(%q) = %v\nwant        %s (wrapping %v)", c.arg, err, c.want, c.is)
		}
	}
	if err := os.Mkdir("dir.yaml", 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Find("dir.yaml"); err == nil || err.Error() != "cannot read scenario dir.yaml: is a directory" {
		t.Errorf("a directory: %v", err)
	}
}

// TestJourneysMeetTheWireContract plays every journey against an
// independent receiver and checks what arrived against the webhook
// contract: key order and types, sequence 0..n-1 per session, the
// catalog's severities and payload fields, one v4 measurement ID per
// session, intermediate results numbered from 1, non-decreasing
// timestamps, valid MACs, realistic timing; and that the journeys together
// send all 21 events.
func TestJourneysMeetTheWireContract(t *testing.T) {
	signer := testkit.Signer(t)
	rec := testkit.NewReceiver(t, signer)
	client, err := emitter.NewClient(rec.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	journeys := Journeys()
	runner := &Runner{Sender: client, Concurrency: 4}
	var results []Result
	err = runner.Run(context.Background(), journeys, ExpandOptions{Seed: 99, Signer: signer}, func(r Result) {
		results = append(results, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range journeys {
		total += s.Len()
	}
	if len(results) != total {
		t.Fatalf("%d results, want %d", len(results), total)
	}
	for _, r := range results {
		if !r.Passed || r.Outcome.Status != http.StatusNoContent {
			t.Errorf("%s seq %d: status %d class %q", r.Delivery.Scenario, r.Delivery.Sequence, r.Outcome.Status, r.Outcome.Class)
		}
	}
	if n := rec.BadMACs(); n > 0 {
		t.Errorf("%d deliveries with a bad MAC", n)
	}
	sessions := map[string][][]byte{} // each session's bodies, in arrival order
	for _, d := range rec.Deliveries() {
		sessions[d.Envelope.SessionID] = append(sessions[d.Envelope.SessionID], d.Body)
	}
	if len(sessions) != len(journeys) {
		t.Fatalf("%d sessions arrived, want %d", len(sessions), len(journeys))
	}
	seen := map[string]bool{}
	for id, bodies := range sessions {
		checkSession(t, id, bodies, seen)
	}
	for _, ev := range emitter.Events() {
		if !seen[ev.Name] {
			t.Errorf("no journey sends %s", ev.Name)
		}
	}
}

// session is what checkSession knows of a session so far.
type session struct {
	measurement  string
	lastTS       int64
	intermediate int64
	started      int64
}

// checkSession checks one session's bodies against the wire contract
// without the emitter's encoder: key order from the JSON tokens, values
// from encoding/json.
func checkSession(t *testing.T, id string, bodies [][]byte, seen map[string]bool) {
	t.Helper()
	if !sessionIDPattern.MatchString(id) {
		t.Errorf("session ID %q is not 25 lowercase letters and digits", id)
	}
	ss := session{started: -1}
	for i, body := range bodies {
		where := id + " #" + strconv.Itoa(i)
		for _, c := range body {
			if c >= 0x80 {
				t.Fatalf("%s: body is not pure ASCII: %s", where, body)
			}
		}
		if keys := topKeys(t, body); !slices.Equal(keys, []string{"timestamp", "sessionId", "sequence", "event", "severity", "payload"}) &&
			!slices.Equal(keys, []string{"timestamp", "sessionId", "sequence", "event", "severity"}) {
			t.Errorf("%s: keys %v are not in the documented order", where, keys)
		}
		env := testkit.Decode(t, body) // fails on a timestamp or sequence that is not an integer
		if env.Sequence != int64(i) {
			t.Errorf("%s: sequence %d, want %d (0..n-1 in order)", where, env.Sequence, i)
		}
		if env.SessionID != id {
			t.Errorf("%s: sessionId %q", where, env.SessionID)
		}
		if i > 0 && env.Timestamp < ss.lastTS {
			t.Errorf("%s: timestamp %d goes back from %d", where, env.Timestamp, ss.lastTS)
		}
		ss.lastTS = env.Timestamp
		ev, err := emitter.LookupEvent(env.Event)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		seen[ev.Name] = true
		if env.Severity != string(ev.Severity) {
			t.Errorf("%s: %s with severity %s, catalog says %s", where, ev.Name, env.Severity, ev.Severity)
		}
		ss.checkPayload(t, where, ev, env)
	}
}

// checkPayload checks one event's payload against the catalog and the
// session so far.
func (ss *session) checkPayload(t *testing.T, where string, ev emitter.Event, env testkit.Envelope) {
	t.Helper()
	if ev.Name == emitter.EventMeasurementCreated {
		if ss.measurement != "" {
			t.Errorf("%s: a second MEASUREMENT_CREATED in one session", where)
		}
		ss.measurement, _ = env.Payload[emitter.FieldMeasurementID].(string)
		if !uuidV4.MatchString(ss.measurement) {
			t.Errorf("%s: measurement ID %q is not a v4 UUID", where, ss.measurement)
		}
	}
	for k := range env.Payload {
		if _, ok := ev.Field(k); !ok {
			t.Errorf("%s: %s has payload field %q outside the catalog", where, ev.Name, k)
		}
	}
	for _, f := range ev.Fields {
		v, present := env.Payload[f.Name]
		switch {
		case f.Name == emitter.FieldMeasurementID:
			if want := f.Presence == emitter.Required || ss.measurement != ""; present != want {
				t.Errorf("%s: %s measurementId present=%v, want %v", where, ev.Name, present, want)
			}
			if present && v != ss.measurement {
				t.Errorf("%s: measurementId %v, the session's is %s", where, v, ss.measurement)
			}
		case !present:
			t.Errorf("%s: %s lacks %s", where, ev.Name, f.Name)
		case len(f.Values) > 0 && !slices.Contains(f.Values, v.(string)):
			t.Errorf("%s: %s %s=%v not in %v", where, ev.Name, f.Name, v, f.Values)
		}
	}
	switch ev.Name {
	case emitter.EventIntermediateResults:
		n, _ := env.Payload[emitter.FieldSequence].(float64)
		if n != float64(ss.intermediate+1) {
			t.Errorf("%s: intermediate sequence %v after %d", where, n, ss.intermediate)
		}
		ss.intermediate = int64(n)
		snr, _ := env.Payload[emitter.FieldSNR].(float64)
		// Real SNR is about -10 to 20 dB; it reads -100 once the
		// measurement has failed for low signal.
		if (snr < -10 || snr > 20) && snr != -100 {
			t.Errorf("%s: SNR %v dB outside -10..20 and not the failed reading -100", where, snr)
		}
	case "MEASUREMENT_STARTED":
		ss.started = env.Timestamp
	case "SCAN_COMPLETED":
		if d := env.Timestamp - ss.started; ss.started < 0 || d < 25 || d > 40 {
			t.Errorf("%s: the scan took %d s, a measurement lasts about 30 s", where, d)
		}
		if ss.intermediate != 5 {
			t.Errorf("%s: %d intermediate results before SCAN_COMPLETED, want 5", where, ss.intermediate)
		}
	}
}

func topKeys(t *testing.T, body []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// correctStatus answers as a correct receiver does: 401 for a missing or
// wrong MAC, 400 for a body that is not a JSON object, 200 for anything
// else, unknown events and duplicates included.
func correctStatus(d testkit.Delivery) int {
	if !d.Verified {
		return http.StatusUnauthorized
	}
	var obj map[string]any
	if json.Unmarshal(d.Body, &obj) != nil {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// TestEdgeExpectations checks that each edge case's expected answer is the
// one a correct receiver gives, and that the expectations have teeth: a
// receiver that accepts everything fails exactly the deliveries that
// expect a 4xx.
func TestEdgeExpectations(t *testing.T) {
	signer := testkit.Signer(t)
	var edges []*Scenario
	want4xx := 0
	for _, s := range Builtin() {
		if s.HasTag(TagEdge) {
			edges = append(edges, s)
			ds := expand(t, s, ExpandOptions{Signer: signer})
			for _, d := range ds {
				if d.Expect == Expect4xx {
					want4xx++
				}
			}
		}
	}
	if want4xx < 7 {
		t.Fatalf("only %d deliveries expect a 4xx", want4xx)
	}
	play := func(status func(testkit.Delivery) int) (failed []string) {
		rec := testkit.NewReceiver(t, signer, testkit.WithStatus(status))
		client, err := emitter.NewClient(rec.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		runner := &Runner{Sender: client, Concurrency: 8}
		err = runner.Run(context.Background(), edges, ExpandOptions{Signer: signer}, func(r Result) {
			if !r.Passed {
				failed = append(failed, r.Delivery.Scenario+"/"+r.Delivery.Expect.String())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return failed
	}
	if failed := play(correctStatus); len(failed) > 0 {
		t.Errorf("a correct receiver fails %v", failed)
	}
	failed := play(func(testkit.Delivery) int { return http.StatusOK })
	if len(failed) != want4xx {
		t.Errorf("a receiver that accepts everything fails %d deliveries, want the %d that expect 4xx: %v", len(failed), want4xx, failed)
	}
	for _, f := range failed {
		if !strings.HasSuffix(f, "/4xx") {
			t.Errorf("unexpected failure %s", f)
		}
	}
}

func TestBuiltinExpandTiming(t *testing.T) {
	// Realistic timing is part of the journeys' contract with the load
	// generator: a session spans seconds to a minute, not milliseconds.
	for _, s := range Journeys() {
		if d := s.Duration(); d < 5*time.Second || d > 2*time.Minute {
			t.Errorf("%s lasts %v", s.Name, d)
		}
	}
}
