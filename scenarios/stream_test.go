package scenarios

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// sendMoments are the moments a test sends a session's events at: one
// moment per event, a few hundred milliseconds apart and off the whole
// second, so that a timestamp taken from the wrong moment shows.
func sendMoments(n int) []time.Time {
	at := time.Unix(1800000000, 250e6)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = at
		at = at.Add(time.Duration(300+97*i) * time.Millisecond)
	}
	return out
}

// checkStreamMatches sends s's session for o through a Stream and through
// Expand and a Clock at the same moments, and fails on any difference in
// the bytes (body and MAC) or in what each says of the event. It appends
// every event to one buffer, so that an event written over an earlier one
// shows too.
func checkStreamMatches(t *testing.T, s *Scenario, o ExpandOptions) {
	t.Helper()
	ds := expand(t, s, o)
	st, err := s.Stream(o)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	if st.Remaining() != len(ds) || st.Scenario() != s || ds[0].SessionID != st.SessionID() {
		t.Fatalf("%s: the Stream has %d events of session %q, Expand %d of %q", s.Name, st.Remaining(), st.SessionID(), len(ds), ds[0].SessionID)
	}
	var clock Clock
	var buf []byte
	var events []Event
	var want []emitter.Request
	for i, now := range sendMoments(len(ds)) {
		want = append(want, clock.Stamp(&ds[i], now))
		var ev Event
		if buf, ev, err = st.AppendNext(buf, now); err != nil {
			t.Fatalf("%s: event %d: %v", s.Name, i, err)
		}
		events = append(events, ev)
	}
	for i, ev := range events {
		d := &ds[i]
		if !bytes.Equal(ev.Body, want[i].Body) || string(ev.MAC) != want[i].Header[emitter.HeaderMAC][0] {
			t.Errorf("%s: event %d differs:\nstream %s: %s\nclock  %s: %s", s.Name, i, ev.MAC, ev.Body, want[i].Header[emitter.HeaderMAC][0], want[i].Body)
		}
		if ev.Step != d.Step || ev.Line != d.Line || ev.Repetition != d.Repetition || ev.Event != d.Event ||
			ev.Sequence != d.Sequence || ev.At != d.At || ev.Expect != d.Expect {
			t.Errorf("%s: event %d is %+v, the delivery %+v", s.Name, i, ev, d)
		}
		if r := ev.Request(); !bytes.Equal(r.Body, ev.Body) || r.Header[emitter.HeaderMAC][0] != string(ev.MAC) || len(r.Header) != 1 {
			t.Errorf("%s: event %d: Request is %+v", s.Name, i, r)
		}
	}
	if got, ev, err := st.AppendNext(buf, time.Now()); err != io.EOF || len(got) != len(buf) || ev.Body != nil || st.Remaining() != 0 {
		t.Errorf("%s: after the last event: %v, %d bytes added, %+v", s.Name, err, len(got)-len(buf), ev)
	}
}

// TestStreamMatchesExpandAndClock sends every built-in scenario that a
// Stream takes (every journey among them) with several seeds and session
// options: the bytes are those Expand and a Clock send at the same
// moments. Every other built-in scenario is refused with ErrFaulted.
func TestStreamMatchesExpandAndClock(t *testing.T) {
	signer := testkit.Signer(t)
	streamed := 0
	for _, s := range Builtin() {
		if s.faulted != nil {
			if s.HasTag(TagJourney) {
				t.Errorf("journey %s has faults", s.Name)
			}
			_, err := s.Stream(ExpandOptions{Signer: signer})
			if !errors.Is(err, ErrFaulted) || !strings.Contains(err.Error(), s.File+":") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: Stream: %v, want ErrFaulted with its file and line, on one line", s.Name, err)
			}
			continue
		}
		streamed++
		for _, o := range []ExpandOptions{
			{Seed: 0},
			{Seed: goldenSeed, Start: time.Unix(goldenStart, 0)},
			{Seed: 7, SessionSeed: 99},
			{Seed: 1 << 40, SessionID: "0a1b2c3d4e5f6g7h8i9j0k1l2"},
		} {
			o.Signer = signer
			checkStreamMatches(t, s, o)
		}
	}
	if streamed < len(Journeys()) {
		t.Errorf("%d scenarios streamed, fewer than the %d journeys", streamed, len(Journeys()))
	}
}

// TestStreamMatchesOverrides streams what a fault-free step may change
// on purpose: a skew, a sequence, a severity, extra and removed fields, a
// custom event, per-repetition values and a given measurement ID.
func TestStreamMatchesOverrides(t *testing.T) {
	s := mustParse(t, `steps:
  - {event: PAGE_VISIBILITY_CHANGE, skew: -90s}
  - {event: MEASUREMENT_CREATED, after: 2s, payload: {measurementId: 6f1c0e52-8d3a-4c43-9a57-0b1f3e2d4c5a}}
  - {event: INTERMEDIATE_RESULTS, after: 5s, each: {snr: [-100, -0.5, 20.25]}, extra: {note: "é"}}
  - {event: CONSTRAINT_VIOLATION, sequence: 40, severity: WARN}
  - {event: API_ERROR, after: 1s, payload: {measurementId: null}, skew: 10m}
  - {event: FUTURE_EVENT, custom: true, extra: {a: [1, {b: true}]}}
  - {event: PAGE_VISIBILITY_CHANGE, repeat: 3, after: 1s}
`)
	for seed := range uint64(5) {
		checkStreamMatches(t, s, ExpandOptions{Seed: seed, Signer: testkit.Signer(t)})
	}
}

// TestStreamRefusals: no signer is ErrNoSigner, as for Expand; any fault
// is ErrFaulted, named with the step's line and what it does.
func TestStreamRefusals(t *testing.T) {
	s := mustParse(t, "steps:\n  - WMS_LOADED\n  - {event: CAMERA_STARTED, duplicate: true}\n")
	if _, err := s.Stream(ExpandOptions{}); !errors.Is(err, ErrNoSigner) {
		t.Errorf("no signer: %v", err)
	}
	_, err := s.Stream(ExpandOptions{Signer: testkit.Signer(t)})
	if !errors.Is(err, ErrFaulted) || !strings.Contains(err.Error(), "test.yaml:3") || !strings.Contains(err.Error(), "Expand and a Clock") {
		t.Errorf("a duplicate: %v", err)
	}
	for _, fault := range []string{"reorder: true", "drop: true", "tamper: true, expect: 4xx", "mac: none, expect: 4xx", "delay: 1s"} {
		s := mustParse(t, "steps:\n  - {event: WMS_LOADED, "+fault+"}\n  - CAMERA_STARTED\n")
		if _, err := s.Stream(ExpandOptions{Signer: testkit.Signer(t)}); !errors.Is(err, ErrFaulted) {
			t.Errorf("%s: %v", fault, err)
		}
	}
	raw := mustParse(t, "steps:\n  - {raw: '{}', expect: 4xx}\n")
	if _, err := raw.Stream(ExpandOptions{Signer: testkit.Signer(t)}); !errors.Is(err, ErrFaulted) || !strings.Contains(err.Error(), "raw body") {
		t.Errorf("a raw body: %v", err)
	}
}

// TestStreamAllocatesNothingPerEvent sends happy-path sessions and counts
// the allocations of each event after the session's measurement exists:
// none, when the buffer has room. (MEASUREMENT_CREATED allocates the
// measurement ID; a Stream's start, its session.) The race detector's
// sync.Pool drops items at random, so the count is only taken without it.
func TestStreamAllocatesNothingPerEvent(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool allocate")
	}
	happy, err := Find("happy-path")
	if err != nil {
		t.Fatal(err)
	}
	signer := testkit.Signer(t)
	const runs = 200
	var streams []*Stream
	for i := 0; len(streams)*8 <= runs; i++ {
		st, err := happy.Stream(ExpandOptions{Seed: uint64(i), SessionID: "0a1b2c3d4e5f6g7h8i9j0k1l2", Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		for ev := (Event{}); ev.Event != emitter.EventMeasurementCreated; {
			if _, ev, err = st.AppendNext(nil, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		streams = append(streams, st)
	}
	buf := make([]byte, 0, 1024)
	now := time.Now()
	allocs := testing.AllocsPerRun(runs, func() {
		for streams[0].Remaining() == 0 {
			streams = streams[1:]
		}
		var err error
		if _, _, err = streams[0].AppendNext(buf[:0], now); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per event, want none", allocs)
	}
}

// BenchmarkStream measures what the load generator pays for the
// happy-path journey through a Stream: per session (starting the Stream
// and making its 14 events), and per event once the session has started.
// Compare BenchmarkExpandLoad, the session Expand makes for load.
func BenchmarkStream(b *testing.B) {
	happy := mustFind(b, "happy-path")
	signer := testkit.Signer(b)
	buf := make([]byte, 0, 1024)
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		events := 0
		for i := 0; b.Loop(); i++ {
			st, err := happy.Stream(ExpandOptions{Seed: uint64(i), SessionID: "0a1b2c3d4e5f6g7h8i9j0k1l2", Signer: signer})
			if err != nil {
				b.Fatal(err)
			}
			for now := time.Now(); st.Remaining() > 0; events++ {
				if buf, _, err = st.AppendNext(buf[:0], now); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
	})
	b.Run("event", func(b *testing.B) {
		b.ReportAllocs()
		var st *Stream
		now := time.Now()
		for i := 0; b.Loop(); i++ {
			if st == nil || st.Remaining() == 0 {
				b.StopTimer()
				var err error
				if st, err = happy.Stream(ExpandOptions{Seed: uint64(i), SessionID: "0a1b2c3d4e5f6g7h8i9j0k1l2", Signer: signer}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			var err error
			if buf, _, err = st.AppendNext(buf[:0], now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExpandLoad measures the session Expand makes for load (a
// session ID given, no Clock), and with a Clock stamping each delivery as
// it is sent: the two ways to send a session that a Stream replaces.
func BenchmarkExpandLoad(b *testing.B) {
	happy := mustFind(b, "happy-path")
	signer := testkit.Signer(b)
	for _, stamp := range []bool{false, true} {
		name := "expand"
		if stamp {
			name = "expand+clock"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			events := 0
			for i := 0; b.Loop(); i++ {
				ds, err := happy.Expand(ExpandOptions{Seed: uint64(i), Start: time.Now(), SessionID: "0a1b2c3d4e5f6g7h8i9j0k1l2", Signer: signer})
				if err != nil {
					b.Fatal(err)
				}
				if stamp {
					var clock Clock
					for k := range ds {
						clock.Stamp(&ds[k], time.Now())
					}
				}
				events += len(ds)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
		})
	}
}

func mustFind(t testing.TB, name string) *Scenario {
	t.Helper()
	s, err := Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
