package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Golden inputs. cmd/wms-mock's run test sends with the same secret, seed
// and start time and compares what its server receives with these files.
const (
	goldenSecret = "wms-mock golden secret"
	goldenSeed   = 42
	goldenStart  = 1700000000
)

var sessionIDPattern = regexp.MustCompile(`^[a-z0-9]{25}$`)

// WireText is the golden format: for each request, its MAC header line
// (when it has one) and its body, then a blank line.
func wireText(ds []Delivery) []byte {
	var b bytes.Buffer
	for _, d := range ds {
		if v := d.Request.Header[emitter.HeaderMAC]; len(v) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", emitter.HeaderMAC, v[0])
		}
		b.Write(d.Request.Body)
		b.WriteString("\n\n")
	}
	return b.Bytes()
}

// TestGolden pins every built-in scenario's exact bytes for a seed and a
// start time: any change to encoding, signing, generation or the library
// shows up here. Run with -update after a deliberate change.
func TestGolden(t *testing.T) {
	signer := testkit.Signer(t, goldenSecret)
	for _, s := range Builtin() {
		t.Run(s.Name, func(t *testing.T) {
			ds, err := s.Expand(ExpandOptions{Seed: goldenSeed, Start: time.Unix(goldenStart, 0), Signer: signer})
			if err != nil {
				t.Fatal(err)
			}
			got := wireText(ds)
			again, _ := s.Expand(ExpandOptions{Seed: goldenSeed, Start: time.Unix(goldenStart, 0), Signer: signer})
			if !bytes.Equal(got, wireText(again)) {
				t.Fatal("two expansions with the same seed and start differ")
			}
			path := filepath.Join("testdata", "golden", s.Name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("bytes differ from %s (go test -run TestGolden -update rewrites it after a deliberate change)\ngot:\n%s", path, got)
			}
		})
	}
}

func mustParse(t testing.TB, src string) *Scenario {
	t.Helper()
	s, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func expand(t testing.TB, s *Scenario, o ExpandOptions) []Delivery {
	t.Helper()
	ds, err := s.Expand(o)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestExpandSeeds(t *testing.T) {
	signer := testkit.Signer(t)
	happy := mustParse(t, "name: a\nsteps: [WMS_LOADED, MEASUREMENT_CREATED, INTERMEDIATE_RESULTS]\n")
	other := mustParse(t, "name: b\nsteps: [WMS_LOADED, MEASUREMENT_CREATED, INTERMEDIATE_RESULTS]\n")
	start := time.Unix(goldenStart, 0)
	a1 := expand(t, happy, ExpandOptions{Seed: 1, Start: start, Signer: signer})
	a2 := expand(t, happy, ExpandOptions{Seed: 2, Start: start, Signer: signer})
	b1 := expand(t, other, ExpandOptions{Seed: 1, Start: start, Signer: signer})
	ids := map[string]bool{a1[0].SessionID: true, a2[0].SessionID: true, b1[0].SessionID: true}
	if len(ids) != 3 {
		t.Errorf("seeds 1 and 2 and another scenario with seed 1 should give three session IDs, got %v", ids)
	}
	for id := range ids {
		if !sessionIDPattern.MatchString(id) {
			t.Errorf("session ID %q is not 25 lowercase letters and digits", id)
		}
	}
	m1 := testkit.Decode(t, a1[1].Request.Body).Payload["measurementId"]
	m2 := testkit.Decode(t, a2[1].Request.Body).Payload["measurementId"]
	if m1 == m2 {
		t.Errorf("different seeds gave the same measurement ID %v", m1)
	}
	if got := NewSessionID(7); got != NewSessionID(7) || got == NewSessionID(8) || !sessionIDPattern.MatchString(got) {
		t.Errorf("NewSessionID is not a deterministic function of the seed: %q", got)
	}

	fixed := mustParse(t, "session: given\nsteps: [WMS_LOADED]\n")
	if ds := expand(t, fixed, ExpandOptions{Signer: signer}); ds[0].SessionID != "given" || !bytes.Contains(ds[0].Request.Body, []byte(`"sessionId":"given"`)) {
		t.Errorf("the scenario's session is sent: %s", ds[0].Request.Body)
	}
	if ds := expand(t, fixed, ExpandOptions{Signer: signer, SessionID: "override"}); ds[0].SessionID != "override" {
		t.Errorf("ExpandOptions.SessionID wins over the scenario's: %q", ds[0].SessionID)
	}
	if _, err := fixed.Expand(ExpandOptions{}); !errors.Is(err, ErrNoSigner) {
		t.Errorf("want ErrNoSigner, got %v", err)
	}
}

func TestExpandClock(t *testing.T) {
	s := mustParse(t, `steps:
  - WMS_LOADED
  - {event: CONFIGURATION_LOADED, after: 1500ms}
  - {event: CAMERA_STARTED, after: 2s, skew: -1h}
  - {event: MEASUREMENT_STARTED, after: 1s}
`)
	ds := expand(t, s, ExpandOptions{Signer: testkit.Signer(t), Start: time.Unix(1000, 0)})
	wantAt := []time.Duration{0, 1500 * time.Millisecond, 3500 * time.Millisecond, 4500 * time.Millisecond}
	wantTS := []int64{1000, 1001, -2597, 1004}
	for i, d := range ds {
		if d.At != wantAt[i] {
			t.Errorf("delivery %d at %v, want %v", i, d.At, wantAt[i])
		}
		if ts := testkit.Decode(t, d.Request.Body).Timestamp; ts != wantTS[i] {
			t.Errorf("delivery %d timestamp %d, want %d (skew moves one timestamp, not the clock)", i, ts, wantTS[i])
		}
	}

	before := time.Now().Unix()
	now := expand(t, s, ExpandOptions{Signer: testkit.Signer(t)})
	after := time.Now().Unix()
	ts := testkit.Decode(t, now[0].Request.Body).Timestamp
	if ts < before || ts > after {
		t.Errorf("a zero Start means now: timestamp %d not in [%d, %d]", ts, before, after)
	}
}

// TestExpandFaults checks each fault on the wire, with the emitter's own
// verifier as the judge.
func TestExpandFaults(t *testing.T) {
	signer := testkit.Signer(t)
	s := mustParse(t, `steps:
  - WMS_LOADED
  - {event: CONFIGURATION_LOADED, duplicate: true}
  - {event: CAMERA_PERMISSION_GRANTED, reorder: true}
  - CAMERA_STARTED
  - {event: MEASUREMENT_STARTED, drop: true}
  - {event: MEASUREMENT_CREATED, tamper: true, expect: 4xx}
  - {event: SCAN_COMPLETED, mac: wrong-secret, expect: 4xx}
  - {event: RESULTS_RECEIVED, mac: none, expect: non-2xx}
  - {event: REDIRECTING_TO_CALLBACK, mac: malformed, expect: 4xx, delay: 20ms}
  - {raw: "{oops", expect: any}
  - {event: PAGE_UNLOADED, sequence: 20}
  - PAGE_UNLOADED
`)
	ds := expand(t, s, ExpandOptions{Signer: signer, Start: time.Unix(goldenStart, 0)})
	type row struct {
		event  string
		seq    int64
		copy   int
		expect Expect
	}
	want := []row{
		{"WMS_LOADED", 0, 0, Expect2xx},
		{"CONFIGURATION_LOADED", 1, 0, Expect2xx},
		{"CONFIGURATION_LOADED", 1, 1, Expect2xx},
		{"CAMERA_STARTED", 3, 0, Expect2xx}, // swapped with the reordered event
		{"CAMERA_PERMISSION_GRANTED", 2, 0, Expect2xx},
		// sequence 4 (MEASUREMENT_STARTED) is dropped
		{"MEASUREMENT_CREATED", 5, 0, Expect4xx},
		{"SCAN_COMPLETED", 6, 0, Expect4xx},
		{"RESULTS_RECEIVED", 7, 0, ExpectNon2xx},
		{"REDIRECTING_TO_CALLBACK", 8, 0, Expect4xx},
		{"", -1, 0, ExpectAny},
		{"PAGE_UNLOADED", 20, 0, Expect2xx},
		{"PAGE_UNLOADED", 21, 0, Expect2xx},
	}
	if len(ds) != len(want) || s.Len() != len(want) {
		t.Fatalf("%d deliveries (Len %d), want %d", len(ds), s.Len(), len(want))
	}
	for i, w := range want {
		d := ds[i]
		if d.Event != w.event || d.Sequence != w.seq || d.Copy != w.copy || d.Expect != w.expect {
			t.Errorf("delivery %d: %s seq %d copy %d expect %v; want %+v", i, d.Event, d.Sequence, d.Copy, d.Expect, w)
		}
	}
	checkFaultBytes(t, signer, ds)
}

// headerMAC is a delivery's MAC header, "" without one.
func headerMAC(d Delivery) string {
	if v, ok := d.Request.Header[emitter.HeaderMAC]; ok {
		return v[0]
	}
	return ""
}

// checkFaultBytes checks the requests of TestExpandFaults byte by byte.
func checkFaultBytes(t *testing.T, signer *emitter.Signer, ds []Delivery) {
	t.Helper()
	mac := headerMAC
	for _, i := range []int{0, 1, 2, 3, 4, 9, 10, 11} {
		if err := signer.Verify(mac(ds[i]), ds[i].Request.Body); err != nil {
			t.Errorf("delivery %d (%s) should be signed correctly: %v", i, ds[i].Event, err)
		}
	}
	if !bytes.Equal(ds[1].Request.Body, ds[2].Request.Body) || mac(ds[1]) != mac(ds[2]) || ds[2].Fault != "duplicate" {
		t.Error("a duplicate is the same request byte for byte, labelled duplicate")
	}
	if ds[4].Fault != "reordered" {
		t.Errorf("the reordered delivery is labelled: %q", ds[4].Fault)
	}

	tampered := ds[5]
	if err := signer.Verify(mac(tampered), tampered.Request.Body); !errors.Is(err, emitter.ErrMACMismatch) {
		t.Errorf("a tampered body must not match its MAC: %v", err)
	}
	original := bytes.Replace(tampered.Request.Body, []byte(`"timestamp":1700000001`), []byte(`"timestamp":1700000000`), 1)
	if err := signer.Verify(mac(tampered), original); err != nil {
		t.Errorf("the MAC is the one of the body before tampering (timestamp one second earlier): %v", err)
	}
	if !json.Valid(tampered.Request.Body) {
		t.Error("a tampered body stays valid JSON, so only the MAC can catch it")
	}
	if err := signer.Verify(mac(ds[6]), ds[6].Request.Body); !errors.Is(err, emitter.ErrMACMismatch) || !strings.HasPrefix(mac(ds[6]), emitter.MACScheme) {
		t.Errorf("wrong secret: a well-formed MAC that does not match, got %q: %v", mac(ds[6]), err)
	}
	if _, ok := ds[7].Request.Header[emitter.HeaderMAC]; ok {
		t.Error("mac: none sends no header")
	}
	if _, err := emitter.ParseMAC(mac(ds[8])); !errors.Is(err, emitter.ErrMACMalformed) {
		t.Errorf("mac: malformed must fail ParseMAC, got %q: %v", mac(ds[8]), err)
	}
	if ds[8].Delay != 20*time.Millisecond {
		t.Errorf("delay carried to the delivery: %v", ds[8].Delay)
	}
	if string(ds[9].Request.Body) != "{oops" || ds[9].Fault != "raw body" {
		t.Errorf("raw body sent verbatim: %q %q", ds[9].Request.Body, ds[9].Fault)
	}
	for i, d := range ds {
		for k := range d.Request.Header {
			if k != emitter.HeaderMAC {
				t.Errorf("delivery %d has header %q; want exactly %q", i, k, emitter.HeaderMAC)
			}
		}
	}
}

func TestExpandPayload(t *testing.T) {
	s := mustParse(t, `steps:
  - MEASUREMENT_CREATED
  - event: INTERMEDIATE_RESULTS
    after: 5s
    each: {snr: [-3.5, 12]}
  - {event: API_ERROR, payload: {errorCode: null}, extra: {code: E42}}
  - {event: PAGE_VISIBILITY_CHANGE, payload: {state: HIDDEN}, extra: {"naïve": "Zoë 🙂"}}
`)
	ds := expand(t, s, ExpandOptions{Signer: testkit.Signer(t), Start: time.Unix(goldenStart, 0)})
	if got := string(ds[1].Request.Body); !strings.Contains(got, `"snr":-3.5,"sequence":1}`) {
		t.Errorf("first repetition: %s", got)
	}
	if got := string(ds[2].Request.Body); !strings.Contains(got, `"snr":12,"sequence":2}`) {
		t.Errorf("second repetition: %s", got)
	}
	if got := string(ds[3].Request.Body); !strings.HasSuffix(got, `"payload":{"measurementId":"`+testkit.Decode(t, ds[0].Request.Body).Payload["measurementId"].(string)+`","code":"E42"}}`) {
		t.Errorf("null removes errorCode and extra adds code: %s", got)
	}
	if got := string(ds[4].Request.Body); !strings.Contains(got, `"na\u00efve":"Zo\u00eb \ud83d\ude42"`) {
		t.Errorf("non-ASCII is escaped: %s", got)
	}
}

// TestExpandForgeries checks that every forgery a step may name is sent
// as forgery makes it, for the body as signed, that it fails the
// emitter's own verifier, and that the delivery is labelled with the
// forgery's label. truncated and first-digit are the ones a verifier that
// compares only a prefix, or only the format, lets through.
func TestExpandForgeries(t *testing.T) {
	signer := testkit.Signer(t)
	forger := forgery.New(signer)
	var src strings.Builder
	src.WriteString("steps:\n  - {event: WMS_LOADED, mac: truncated, expect: 4xx}\n  - {event: CONFIGURATION_LOADED, mac: first-digit, expect: 4xx}\n")
	for _, name := range forgery.Names() {
		fmt.Fprintf(&src, "  - {event: CONFIGURATION_LOADED, mac: %s, expect: 4xx}\n", name)
	}
	src.WriteString("  - {event: CAMERA_STARTED, mac: last-digit, tamper: true, expect: 4xx}\n  - {raw: '{}', mac: empty, expect: 4xx}\n")
	s := mustParse(t, src.String())
	ds := expand(t, s, ExpandOptions{Signer: signer, Start: time.Unix(goldenStart, 0)})
	if len(ds) != len(forgery.Names())+4 {
		t.Fatalf("%d deliveries, want %d", len(ds), len(forgery.Names())+4)
	}
	for i, d := range ds {
		k := s.Steps[d.Step].Faults.MAC
		v, sent := d.Request.Header[emitter.HeaderMAC]
		mac := strings.Join(v, "")
		if err := signer.Verify(mac, d.Request.Body); err == nil {
			t.Errorf("delivery %d (mac: %s): header %q verifies", i, k, mac)
		}
		body := d.Request.Body
		if s.Steps[d.Step].Faults.Tamper {
			body = bytes.Replace(body, []byte(`"timestamp":1700000001`), []byte(`"timestamp":1700000000`), 1)
		}
		if want, wantSent := forger.Header(k, body); sent != wantSent || mac != want {
			t.Errorf("delivery %d (mac: %s): header %q (sent %v), forgery makes %q (sent %v)", i, k, mac, sent, want, wantSent)
		}
		if label := k.Info().Label; !strings.Contains(d.Fault, label) || label == "" {
			t.Errorf("delivery %d (mac: %s): fault %q, want it to name %q", i, k, d.Fault, label)
		}
	}
	if ds[0].Fault != "truncated MAC" || ds[1].Fault != "MAC digit 1 changed" {
		t.Errorf("labels %q and %q", ds[0].Fault, ds[1].Fault)
	}
}

func TestExpandConcurrently(t *testing.T) {
	s := mustParse(t, "steps:\n  - MEASUREMENT_CREATED\n  - {event: API_ERROR, extra: {nested: {a: [1]}}, duplicate: true, mac: wrong-secret}\n")
	signer := testkit.Signer(t)
	want := wireText(expand(t, s, ExpandOptions{Seed: 1, Start: time.Unix(goldenStart, 0), Signer: signer}))
	done := make(chan []byte)
	for range 4 {
		go func() {
			ds, _ := s.Expand(ExpandOptions{Seed: 1, Start: time.Unix(goldenStart, 0), Signer: signer})
			done <- wireText(ds)
		}()
	}
	for range 4 {
		if got := <-done; !bytes.Equal(got, want) {
			t.Errorf("a concurrent expansion differs:\n%s", got)
		}
	}
}

// TestBodySizeBound checks that the size Parse counts against
// maxBodyBytes is never below what Expand makes, for the library and for
// values the emitter must escape: quotes, control bytes, non-ASCII,
// astral characters, invalid UTF-8, a long session ID, a tampered copy.
func TestBodySizeBound(t *testing.T) {
	odd := `"q\"\\ \t\u0001 é € 😀 \xff"`
	list := Builtin()
	list = append(list, mustParse(t, `
session: "s\u0001é`+strings.Repeat("x", 300)+`"
steps:
  - {event: API_ERROR, payload: {errorCode: `+odd+`}, extra: {n: [1.5e300, -9223372036854775808, true, null, {k: `+odd+`}]}}
  - {event: FUTURE, custom: true, repeat: 3, each: {v: [`+odd+`, 1, x]}, tamper: true, expect: 4xx}
  - {raw: `+odd+`, duplicate: true, expect: 4xx}
`))
	for _, s := range list {
		total := 0
		for _, d := range expand(t, s, ExpandOptions{Seed: 3, Start: time.Unix(1<<40, 0), Signer: testkit.Signer(t)}) {
			if d.Copy == 0 {
				total += len(d.Request.Body)
				if d.Fault != "" && strings.Contains(d.Fault, "tampered") {
					total += len(d.Request.Body) // the signed body too
				}
			}
		}
		if total == 0 || total > s.bodies {
			t.Errorf("%s: %d bytes of bodies, counted as at most %d", s.Name, total, s.bodies)
		}
	}
}

// BenchmarkExpand measures what the load generator pays per session.
func BenchmarkExpand(b *testing.B) {
	var happy *Scenario
	for _, s := range Builtin() {
		if s.Name == "happy-path" {
			happy = s
		}
	}
	signer := testkit.Signer(b)
	start := time.Unix(goldenStart, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := happy.Expand(ExpandOptions{Seed: uint64(i), Start: start, Signer: signer}); err != nil {
			b.Fatal(err)
		}
	}
}
