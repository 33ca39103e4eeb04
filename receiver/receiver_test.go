package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// journey is a realistic fault-free session: 16 events, one measurement.
var journey = []string{
	"WMS_LOADED", "CONFIGURATION_LOADED", "CAMERA_PERMISSION_GRANTED", "CAMERA_STARTED",
	"MEASUREMENT_STARTED", "MEASUREMENT_CREATED", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS",
	"INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "INTERMEDIATE_RESULTS", "SCAN_COMPLETED",
	"RESULTS_RECEIVED", "PAGE_VISIBILITY_CHANGE", "REDIRECTING_TO_CALLBACK", "PAGE_UNLOADED",
}

// journeyBodies returns the bodies the emitter sends for one journey.
func journeyBodies(t testing.TB, sessionID string, seed uint64) [][]byte {
	t.Helper()
	s := emitter.NewSession(sessionID, seed)
	start := time.Unix(1_700_000_000, 0)
	var out [][]byte
	for i, name := range journey {
		env, err := s.Next(emitter.Emit{Event: name, Time: start.Add(time.Duration(i) * 2 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mustJSON(t, &env))
	}
	return out
}

func mustJSON(t testing.TB, env *emitter.Envelope) []byte {
	t.Helper()
	b, err := env.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventBody is one event with the catalog's severity and no payload
// unless given.
func eventBody(t testing.TB, session string, seq int64, event string, payload emitter.Payload) []byte {
	t.Helper()
	sev := emitter.SeverityInfo
	if ev, err := emitter.LookupEvent(event); err == nil {
		sev = ev.Severity
	}
	return mustJSON(t, &emitter.Envelope{Timestamp: 1_700_000_000 + seq, SessionID: session, Sequence: seq, Event: event, Severity: sev, Payload: payload})
}

// startReceiver serves a new Receiver on a loopback port with the hardened
// server, and closes both when the test ends.
func startReceiver(t testing.TB, opts ...Option) (*Receiver, string) {
	t.Helper()
	rc, err := New(testkit.Signer(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rc, serveReceiver(t, rc)
}

// serveReceiver serves rc as startReceiver does, for a test that changes
// rc before it serves.
func serveReceiver(t testing.TB, rc *Receiver) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(rc)
	srv.Config = NewServer("", rc)
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		if err := rc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv.URL
}

var testClient = &http.Client{Timeout: 10 * time.Second}

// listed is the answer to GET /events as a client reads it, decoded apart
// from the package's own types so that the test is not judged by the code
// under test.
type listed struct {
	Events []struct {
		ReceivedAt time.Time        `json:"receivedAt"`
		Envelope   testkit.Envelope `json:"envelope"`
	} `json:"events"`
	Findings     []Finding `json:"findings"`
	MoreEvents   int       `json:"moreEvents"`
	MoreFindings int       `json:"moreFindings"`
}

type answer struct {
	status int
	header http.Header
	body   string
}

// send posts body with exactly the headers given (keys not canonicalised).
func send(t testing.TB, method, url string, body []byte, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// deliver posts body signed as WMS signs it.
func deliver(t testing.TB, url string, signer *emitter.Signer, body []byte) answer {
	t.Helper()
	return send(t, http.MethodPost, url, body, http.Header{emitter.HeaderMAC: {signer.MAC(body)}, "Content-Type": {"application/json"}})
}

func TestStatuses(t *testing.T) {
	signer := testkit.Signer(t)
	other, _ := emitter.NewSigner([]byte("another-secret"))
	rc, url := startReceiver(t)
	valid := eventBody(t, "s1", 0, "WMS_LOADED", nil)
	mac := signer.MAC(valid)
	big := []byte(`{"pad":"` + strings.Repeat("x", DefaultMaxBody) + `"}`)

	cases := []struct {
		name   string
		method string
		body   []byte
		header http.Header
		status int
		want   string // in the answer's body
	}{
		{"valid", "POST", valid, http.Header{emitter.HeaderMAC: {mac}}, 200, `"accepted"`},
		{"duplicate", "POST", valid, http.Header{emitter.HeaderMAC: {mac}}, 200, `"duplicate"`},
		{"canonical header name", "POST", valid, http.Header{"X-Wms-Content-Mac": {mac}}, 200, `"duplicate"`},
		{"upper-case hex and spaces", "POST", valid, http.Header{emitter.HeaderMAC: {" hmac-sha256=" + strings.ToUpper(mac[len(emitter.MACScheme):]) + " "}}, 200, `"duplicate"`},
		{"out of order", "POST", eventBody(t, "s1", 5, "CAMERA_STARTED", nil), nil, 200, `"accepted"`},
		{"unknown event", "POST", eventBody(t, "s1", 6, "FACE_DETECTED", nil), nil, 200, `"accepted"`},
		{"unknown fields", "POST", []byte(`{"timestamp":1,"sessionId":"s1","sequence":7,"event":"CAMERA_STARTED","severity":"INFO","region":"eu","payload":{"extra":[1,{"a":null}]}}`), nil, 200, `"accepted"`},
		{"GET", "GET", nil, nil, 405, "POST"},
		{"PUT", "PUT", valid, http.Header{emitter.HeaderMAC: {mac}}, 405, "POST"},
		{"over the cap", "POST", big, nil, 413, "over"},
		{"missing MAC", "POST", valid, http.Header{}, 401, "no X-WMS-Content-MAC"},
		{"empty MAC", "POST", valid, http.Header{emitter.HeaderMAC: {""}}, 401, "no X-WMS-Content-MAC"},
		{"other scheme", "POST", valid, http.Header{emitter.HeaderMAC: {"sha256=" + mac[len(emitter.MACScheme):]}}, 401, "malformed"},
		{"truncated MAC", "POST", valid, http.Header{emitter.HeaderMAC: {mac[:len(mac)-1]}}, 401, "malformed"},
		{"not hex", "POST", valid, http.Header{emitter.HeaderMAC: {mac[:len(mac)-1] + "z"}}, 401, "malformed"},
		{"wrong secret", "POST", valid, http.Header{emitter.HeaderMAC: {other.MAC(valid)}}, 401, "does not match"},
		{"two MAC headers", "POST", valid, http.Header{emitter.HeaderMAC: {mac, mac}}, 401, "appears 2 times"},
		{"not JSON", "POST", []byte(`{"timestamp":1,`), nil, 400, "not valid JSON"},
		{"seed example with its commas", "POST", []byte("{\n\"timestamp\": 1689684577,\n\"sessionId\": \"r\",\n\"sequence\": 0,\n\"event\": \"MEASUREMENT_CREATED\",\n\"severity\": \"INFO\"\n\"payload\": {\"measurementId\": \"f0c8ca8d-111d-4dcf-a69d-46ed39a2db06\"},\n}"), nil, 400, "not valid JSON"},
		{"array", "POST", []byte(`[1]`), nil, 400, "not a JSON object"},
		{"empty body", "POST", []byte{}, nil, 400, "not valid JSON"},
		{"missing fields", "POST", []byte(`{"timestamp":1,"sessionId":"s1"}`), nil, 400, `sequence`},
		{"sequence as string", "POST", []byte(`{"timestamp":1,"sessionId":"s1","sequence":"3","event":"WMS_LOADED","severity":"INFO"}`), nil, 400, "sequence must be an integer"},
		{"fractional timestamp", "POST", []byte(`{"timestamp":1.5,"sessionId":"s1","sequence":3,"event":"WMS_LOADED","severity":"INFO"}`), nil, 400, "timestamp must be an integer"},
		{"null session", "POST", []byte(`{"timestamp":1,"sessionId":null,"sequence":3,"event":"WMS_LOADED","severity":"INFO"}`), nil, 400, "sessionId must be a string, got null"},
		{"trailing data", "POST", []byte(`{"timestamp":1,"sessionId":"s","sequence":3,"event":"WMS_LOADED","severity":"INFO"} {}`), nil, 400, "after top-level value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.header
			if h == nil {
				h = http.Header{emitter.HeaderMAC: {signer.MAC(c.body)}}
			}
			got := send(t, c.method, url+"/webhooks/wms", c.body, h)
			if got.status != c.status || !strings.Contains(got.body, c.want) {
				t.Fatalf("got %d %q, want %d with %q", got.status, got.body, c.status, c.want)
			}
			if c.status == 405 && got.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", got.header.Get("Allow"))
			}
			if got.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", got.header.Get("Content-Type"))
			}
		})
	}

	st := rc.Stats()
	if st.Accepted != 4 || st.Duplicates != 3 {
		t.Errorf("accepted %d, duplicates %d; want 4 and 3", st.Accepted, st.Duplicates)
	}
	if st.Rejected[401] != 7 || st.Rejected[400] != 9 || st.Rejected[405] != 2 || st.Rejected[413] != 1 {
		t.Errorf("rejected %v", st.Rejected)
	}
	if n := len(rc.Events("s1")); n != 4 {
		t.Errorf("%d events stored for s1, want 4", n)
	}
}

// The 413 comes from the body itself when no Content-Length announces it.
func TestChunkedBodyOverCap(t *testing.T) {
	signer := testkit.Signer(t)
	_, url := startReceiver(t, WithMaxBody(100))
	body := eventBody(t, "chunked", 0, "WMS_LOADED", emitter.Payload{{Key: "pad", Value: strings.Repeat("x", 200)}})
	req, _ := http.NewRequest(http.MethodPost, url, io.MultiReader(bytes.NewReader(body)))
	req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.ContentLength != 0 || resp.StatusCode != 413 {
		t.Fatalf("content length %d, status %d; want a chunked request answered 413", req.ContentLength, resp.StatusCode)
	}
}

// The handler reads the header under its documented spelling too, for
// callers that build requests by hand.
func TestExactHeaderKeyInProcess(t *testing.T) {
	signer := testkit.Signer(t)
	rc, err := New(signer)
	if err != nil {
		t.Fatal(err)
	}
	body := eventBody(t, "direct", 0, "WMS_LOADED", nil)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
	w := httptest.NewRecorder()
	rc.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("status %d %s", w.Code, w.Body)
	}
}

func TestForgedRedeliveryIsNotADuplicate(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	orig := eventBody(t, "f", 0, "WMS_LOADED", nil)
	if a := deliver(t, url, signer, orig); a.status != 200 {
		t.Fatal(a)
	}
	forged := eventBody(t, "f", 0, "CAMERA_PERMISSION_DENIED", nil)
	if a := send(t, "POST", url, forged, http.Header{emitter.HeaderMAC: {signer.MAC(orig)}}); a.status != 401 {
		t.Fatalf("forged copy of a known event: %d %s, want 401", a.status, a.body)
	}
	evs := rc.Events("f")
	if len(evs) != 1 || !bytes.Equal(evs[0].Body, orig) {
		t.Fatalf("stored %v, want the original only", evs)
	}
	if st := rc.Stats(); st.Duplicates != 0 {
		t.Errorf("the forgery counted as a duplicate: %+v", st)
	}
}

func TestChangedRedeliveryIsKeptOnceAndFlagged(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	first := eventBody(t, "c", 0, "WMS_LOADED", nil)
	restamped := mustJSON(t, &emitter.Envelope{Timestamp: 1, SessionID: "c", Sequence: 0, Event: "WMS_LOADED", Severity: "INFO"})
	other := eventBody(t, "c", 0, "CAMERA_STARTED", nil)
	for i, b := range [][]byte{first, restamped, other} {
		a := deliver(t, url, signer, b)
		want := []string{"accepted", "changed-redelivery", "changed-redelivery"}[i]
		if a.status != 200 || !strings.Contains(a.body, want) {
			t.Fatalf("delivery %d: %d %s, want 200 %s", i, a.status, a.body, want)
		}
	}
	evs := rc.Events("c")
	if len(evs) != 1 || !bytes.Equal(evs[0].Body, first) {
		t.Fatalf("stored %d events, want the first body once", len(evs))
	}
	kinds := findingKinds(rc.Findings())
	if kinds[FindingChangedRedelivery] != 1 || kinds[FindingSequenceRepeat] != 1 {
		t.Fatalf("findings %v, want one changed-redelivery and one sequence-repeat", rc.Findings())
	}
	if st := rc.Stats(); st.Changed != 2 || st.Duplicates != 2 {
		t.Errorf("stats %+v", st)
	}
}

func findingKinds(fs []Finding) map[FindingKind]int {
	out := map[FindingKind]int{}
	for _, f := range fs {
		out[f.Kind]++
	}
	return out
}

// A realistic journey, sent by the real emitter client, is stored byte for
// byte with no finding; the same journey with contract faults is flagged.
func TestJourneyThroughTheEmitter(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	client, err := emitter.NewClient(url + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	bodies := journeyBodies(t, "journey-1", 42)
	// Send it backwards: order must not matter.
	for i := len(bodies) - 1; i >= 0; i-- {
		out := client.Send(context.Background(), emitter.SignedRequest(signer, bodies[i]))
		if !out.OK() {
			t.Fatalf("event %d: %+v", i, out)
		}
	}
	stored := rc.Events("journey-1")
	if len(stored) != len(bodies) {
		t.Fatalf("stored %d events, want %d", len(stored), len(bodies))
	}
	bySeq := map[int64][]byte{}
	for _, r := range stored {
		bySeq[r.Sequence] = r.Body
	}
	for i, b := range bodies {
		if !bytes.Equal(bySeq[int64(i)], b) {
			t.Errorf("sequence %d stored as %s, sent %s", i, bySeq[int64(i)], b)
		}
	}
	if f := rc.Findings(); len(f) != 0 {
		t.Errorf("a clean journey has findings: %v", f)
	}
	if st := rc.Stats(); st.Events["INTERMEDIATE_RESULTS"] != 5 || st.Sessions != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestContractFindings(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	const m1, m2 = "a1e6c2e6-410b-4e19-bae5-a72a0343d322", "fbfbec8f-cb05-4288-99e5-5e219648399a"
	bodies := [][]byte{
		eventBody(t, "k", 0, "WMS_LOADED", nil),
		mustJSON(t, &emitter.Envelope{SessionID: "k", Sequence: 1, Event: "CAMERA_PERMISSION_DENIED", Severity: "WARN"}),
		eventBody(t, "k", 2, "MEASUREMENT_CREATED", emitter.Payload{{Key: "measurementId", Value: m1}}),
		// 3 and 4 never arrive.
		eventBody(t, "k", 5, "INTERMEDIATE_RESULTS", emitter.Payload{{Key: "measurementId", Value: m1}, {Key: "snr", Value: 3.5}}),
		eventBody(t, "k", 6, "SCAN_COMPLETED", emitter.Payload{{Key: "measurementId", Value: m2}}),
		eventBody(t, "k", 7, "PAGE_VISIBILITY_CHANGE", emitter.Payload{{Key: "state", Value: "MINIMISED"}}),
		eventBody(t, "k", 8, "MEASUREMENT_CANCELED", emitter.Payload{{Key: "measurementId", Value: "not-a-uuid"}}),
		eventBody(t, "k", 9, "WMS_UNLOADED", nil),
		eventBody(t, "k", 10, "API_ERROR", emitter.Payload{{Key: "code", Value: "E1"}}), // errorCode is wms-mock's name: not judged
	}
	for _, b := range bodies {
		if a := deliver(t, url, signer, b); a.status != 200 {
			t.Fatalf("%s: %d %s", b, a.status, a.body)
		}
	}
	got := findingKinds(rc.Findings())
	want := map[FindingKind]int{
		FindingWrongSeverity:      1, // CAMERA_PERMISSION_DENIED as WARN
		FindingSequenceGap:        1, // 3-4
		FindingMissingField:       1, // INTERMEDIATE_RESULTS without sequence
		FindingMeasurementChanged: 2, // m1 -> m2 at 6, m2 -> not-a-uuid at 8
		FindingBadField:           2, // state MINIMISED, not-a-uuid
		FindingUnknownEvent:       1, // WMS_UNLOADED
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %s findings, want %d: %v", got[k], k, n, rc.Findings())
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected kinds: %v", got)
	}
	for _, f := range rc.Findings() {
		if f.Kind == FindingSequenceGap && (f.Sequence != 3 || !strings.Contains(f.Message, "3-4")) {
			t.Errorf("gap finding %v, want 3-4", f)
		}
		if f.Kind == FindingUnknownEvent && !strings.Contains(f.Message, "WMS_LOADED") {
			t.Errorf("unknown event finding does not suggest the close name: %v", f)
		}
	}

	// The late events close the gap.
	for seq := int64(3); seq <= 4; seq++ {
		deliver(t, url, signer, eventBody(t, "k", seq, "WEBSOCKET_DISCONNECTED", emitter.Payload{{Key: "measurementId", Value: m1}}))
	}
	if n := findingKinds(rc.Findings())[FindingSequenceGap]; n != 0 {
		t.Errorf("the gap is still reported after 3 and 4 arrived")
	}
}

func TestHealthAndEventsListing(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	if a := send(t, "GET", url+"/healthz", nil, nil); a.status != 200 {
		t.Fatalf("healthz: %d", a.status)
	}
	for _, s := range []string{"a", "b"} {
		for _, b := range journeyBodies(t, s, 1)[:3] {
			deliver(t, url, signer, b)
		}
	}
	deliver(t, url, signer, eventBody(t, "b", 9, "NEW_EVENT", nil))
	a := send(t, "GET", url+"/events?session=b", nil, nil)
	var listing listed
	if err := json.Unmarshal([]byte(a.body), &listing); err != nil {
		t.Fatalf("%v: %s", err, a.body)
	}
	if len(listing.Events) != 4 || listing.Events[0].ReceivedAt.IsZero() {
		t.Fatalf("listing for b: %s", a.body)
	}
	for _, e := range listing.Events {
		if e.Envelope.SessionID != "b" {
			t.Errorf("listing for b holds %+v", e.Envelope)
		}
	}
	if len(listing.Findings) == 0 || listing.Findings[0].SessionID != "b" {
		t.Errorf("findings for b: %v", listing.Findings)
	}
	if none := send(t, "GET", url+"/events?session=nobody", nil, nil); none.status != 200 || !strings.Contains(none.body, `"events":[]`) {
		t.Errorf("listing for an unknown session: %d %s", none.status, none.body)
	}

	// Without a session nothing is listed: the receiver may be public
	// behind a tunnel, and the session ID is what entitles a caller.
	for _, q := range []string{"/events", "/events?session=", "/events?sessionId=b"} {
		a := send(t, "GET", url+q, nil, nil)
		if a.status != 400 || strings.Contains(a.body, "receivedAt") || !strings.Contains(a.body, `"error":"pass ?session=ID`) ||
			!strings.Contains(a.body, "events file") || strings.Count(a.body, "\n") != 1 || a.header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %q, want 400 with a one-line JSON error asking for ?session=ID", q, a.status, a.body)
		}
	}
	if st := rc.Stats(); len(st.Rejected) != 0 {
		t.Errorf("tool requests counted as refused deliveries: %v", st.Rejected)
	}

	rc.Close()
	if a := send(t, "GET", url+"/healthz", nil, nil); a.status != 503 {
		t.Errorf("healthz after Close: %d", a.status)
	}
	if a := deliver(t, url, signer, eventBody(t, "late", 0, "WMS_LOADED", nil)); a.status != 503 {
		t.Errorf("delivery after Close: %d", a.status)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	signer := testkit.Signer(t)
	dir := t.TempDir()
	for name, opts := range map[string][]Option{
		"zero body cap":        {WithMaxBody(0)},
		"zero body budget":     {WithBodyBudget(0)},
		"budget under the cap": {WithMaxBody(1000), WithBodyBudget(999)},
		"zero memory":          {WithMemoryLimit(0)},
		"events file a dir":    {WithEventsFile(dir)},
	} {
		if _, err := New(signer, opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("nil signer: no error")
	}
	// Two receivers on one events file would interleave lines.
	path := filepath.Join(dir, "events.jsonl")
	rc, err := New(signer, WithEventsFile(path))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := New(signer, WithEventsFile(path)); err == nil || !strings.Contains(err.Error(), "another receiver") {
		t.Errorf("second receiver on one file: %v", err)
	}
}

// The log has one line per request with its verdict, and never the secret.
func TestLogLines(t *testing.T) {
	signer := testkit.Signer(t)
	var buf syncBuffer
	_, url := startReceiver(t, WithLogger(newTextLogger(&buf)))
	deliver(t, url, signer, eventBody(t, "log", 0, "WMS_LOADED", nil))
	deliver(t, url, signer, mustJSON(t, &emitter.Envelope{SessionID: "log", Sequence: 1, Event: "LOW_SNR", Severity: "INFO"}))
	send(t, "POST", url, []byte("{}"), http.Header{emitter.HeaderMAC: {"hmac-sha256=" + strings.Repeat("0", 64)}})
	out := buf.String()
	for _, want := range []string{"verdict=accepted", "session=log", "sequence=0", "event=WMS_LOADED", "latency=", "verdict=forged", "status=401", "level=WARN msg=contract kind=wrong-severity"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testkit.Secret) {
		t.Error("the log holds the secret")
	}
	if n := strings.Count(out, "msg=delivery"); n != 3 {
		t.Errorf("%d delivery lines, want 3", n)
	}
}

// syncBuffer is a bytes.Buffer that handlers on many goroutines can log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// One listing costs at most MaxListed events, however big the session.
func TestEventsListingIsBounded(t *testing.T) {
	rc, err := New(testkit.Signer(t))
	if err != nil {
		t.Fatal(err)
	}
	const n = MaxListed + 7
	for seq := range int64(n) {
		rec, err := decode(eventBody(t, "big", seq, "CAMERA_STARTED", nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rc.store.admit(rec, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	rc.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/events?session=big", nil))
	var l listed
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || w.Code != 200 {
		t.Fatalf("%d %v", w.Code, err)
	}
	if len(l.Events) != MaxListed || l.MoreEvents != n-MaxListed {
		t.Fatalf("listed %d events and %d more, want %d and %d", len(l.Events), l.MoreEvents, MaxListed, n-MaxListed)
	}
	for i, e := range l.Events {
		if e.Envelope.Sequence != int64(i) {
			t.Fatalf("event %d of the listing is sequence %d: not in arrival order", i, e.Envelope.Sequence)
		}
	}
	if got := len(rc.Events("big")); got != n {
		t.Errorf("Events holds %d, want all %d: only the HTTP listing is bounded", got, n)
	}
}
