package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
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

// recorder is an independent receiver: it checks every MAC itself and
// keeps each session's bodies in arrival order.
type recorder struct {
	signer   *emitter.Signer
	mu       sync.Mutex
	sessions map[string][][]byte
	badMAC   int
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var env struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(body, &env)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.signer.Verify(r.Header.Get(emitter.HeaderMAC), body) != nil {
		rec.badMAC++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rec.sessions == nil {
		rec.sessions = map[string][][]byte{}
	}
	rec.sessions[env.SessionID] = append(rec.sessions[env.SessionID], body)
	w.WriteHeader(http.StatusNoContent)
}

// TestJourneysMeetTheWireContract plays every journey against an
// independent receiver and checks DESIGN.md's contract on what arrived:
// key order and types, sequence 0..n-1 per session, the catalog's
// severities and payload fields, one v4 measurement ID per session,
// intermediate results numbered from 1, non-decreasing timestamps, valid
// MACs, realistic timing; and that the journeys together send all 21
// events.
func TestJourneysMeetTheWireContract(t *testing.T) {
	const secret = "journey secret"
	rec := &recorder{signer: testSigner(t, secret)}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	client, err := emitter.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	journeys := Journeys()
	runner := &Runner{Sender: client, Concurrency: 4}
	var results []Result
	err = runner.Run(context.Background(), journeys, ExpandOptions{Seed: 99, Signer: testSigner(t, secret)}, func(r Result) {
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
	if rec.badMAC > 0 {
		t.Errorf("%d deliveries with a bad MAC", rec.badMAC)
	}
	if len(rec.sessions) != len(journeys) {
		t.Fatalf("%d sessions arrived, want %d", len(rec.sessions), len(journeys))
	}
	seen := map[string]bool{}
	for id, bodies := range rec.sessions {
		checkSession(t, id, bodies, seen)
	}
	for _, ev := range emitter.Events() {
		if !seen[ev.Name] {
			t.Errorf("no journey sends %s", ev.Name)
		}
	}
}

// checkSession checks one session's bodies against the wire contract
// without the emitter's encoder: key order from the JSON tokens, values
// from encoding/json.
func checkSession(t *testing.T, id string, bodies [][]byte, seen map[string]bool) {
	t.Helper()
	if !sessionIDPattern.MatchString(id) {
		t.Errorf("session ID %q is not 25 lowercase letters and digits", id)
	}
	var (
		measurement  string
		lastTS       int64
		intermediate int64
		started      = int64(-1)
	)
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
		var env struct {
			Timestamp json.Number    `json:"timestamp"`
			SessionID string         `json:"sessionId"`
			Sequence  json.Number    `json:"sequence"`
			Event     string         `json:"event"`
			Severity  string         `json:"severity"`
			Payload   map[string]any `json:"payload"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&env); err != nil {
			t.Fatalf("%s: %v: %s", where, err, body)
		}
		ts, err1 := env.Timestamp.Int64()
		seq, err2 := env.Sequence.Int64()
		if err1 != nil || err2 != nil {
			t.Errorf("%s: timestamp and sequence must be integers: %s", where, body)
		}
		if seq != int64(i) {
			t.Errorf("%s: sequence %d, want %d (0..n-1 in order)", where, seq, i)
		}
		if env.SessionID != id {
			t.Errorf("%s: sessionId %q", where, env.SessionID)
		}
		if i > 0 && ts < lastTS {
			t.Errorf("%s: timestamp %d goes back from %d", where, ts, lastTS)
		}
		lastTS = ts
		ev, err := emitter.LookupEvent(env.Event)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		seen[ev.Name] = true
		if env.Severity != string(ev.Severity) {
			t.Errorf("%s: %s with severity %s, catalog says %s", where, ev.Name, env.Severity, ev.Severity)
		}
		if ev.Name == emitter.EventMeasurementCreated {
			if measurement != "" {
				t.Errorf("%s: a second MEASUREMENT_CREATED in one session", where)
			}
			measurement, _ = env.Payload[emitter.FieldMeasurementID].(string)
			if !uuidV4.MatchString(measurement) {
				t.Errorf("%s: measurement ID %q is not a v4 UUID", where, measurement)
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
				if want := f.Presence == emitter.Required || measurement != ""; present != want {
					t.Errorf("%s: %s measurementId present=%v, want %v", where, ev.Name, present, want)
				}
				if present && v != measurement {
					t.Errorf("%s: measurementId %v, the session's is %s", where, v, measurement)
				}
			case !present:
				t.Errorf("%s: %s lacks %s", where, ev.Name, f.Name)
			case len(f.Values) > 0 && !slices.Contains(f.Values, v.(string)):
				t.Errorf("%s: %s %s=%v not in %v", where, ev.Name, f.Name, v, f.Values)
			}
		}
		switch ev.Name {
		case emitter.EventIntermediateResults:
			n, _ := env.Payload[emitter.FieldSequence].(json.Number).Int64()
			if n != intermediate+1 {
				t.Errorf("%s: intermediate sequence %d after %d", where, n, intermediate)
			}
			intermediate = n
			snr, _ := env.Payload[emitter.FieldSNR].(json.Number).Float64()
			if snr < -10 || snr > 20 {
				t.Errorf("%s: SNR %v dB outside -10..20", where, snr)
			}
		case "MEASUREMENT_STARTED":
			started = ts
		case "SCAN_COMPLETED":
			if d := ts - started; started < 0 || d < 25 || d > 40 {
				t.Errorf("%s: the scan took %d s, a measurement lasts about 30 s", where, d)
			}
			if intermediate != 5 {
				t.Errorf("%s: %d intermediate results before SCAN_COMPLETED, want 5", where, intermediate)
			}
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

// correctReceiver answers as DESIGN.md says a receiver should: 401 for a
// missing or wrong MAC, 400 for a body that is not a JSON object, 200 for
// anything else, unknown events and duplicates included.
func correctReceiver(signer *emitter.Signer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if signer.Verify(r.Header.Get(emitter.HeaderMAC), body) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var obj map[string]any
		if json.Unmarshal(body, &obj) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// TestEdgeExpectations checks that each edge case's expected answer is the
// one a correct receiver gives, and that the expectations have teeth: a
// receiver that accepts everything fails exactly the deliveries that
// expect a 4xx.
func TestEdgeExpectations(t *testing.T) {
	const secret = "edge secret"
	var edges []*Scenario
	want4xx := 0
	for _, s := range Builtin() {
		if s.HasTag(TagEdge) {
			edges = append(edges, s)
			ds := expand(t, s, ExpandOptions{Signer: testSigner(t, secret)})
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
	play := func(h http.Handler) (failed []string) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		client, err := emitter.NewClient(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		runner := &Runner{Sender: client, Concurrency: 8}
		err = runner.Run(context.Background(), edges, ExpandOptions{Signer: testSigner(t, secret)}, func(r Result) {
			if !r.Passed {
				failed = append(failed, r.Delivery.Scenario+"/"+r.Delivery.Expect.String())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return failed
	}
	if failed := play(correctReceiver(testSigner(t, secret))); len(failed) > 0 {
		t.Errorf("a correct receiver fails %v", failed)
	}
	failed := play(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
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
