package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// sessionLen is the number of events of test session i: sessions differ in
// length so that a mix-up between them shows.
func sessionLen(i uint64) int { return 4 + int(i%5) }

// testSource builds real sessions with the emitter: a measurement with
// sessionLen(i)-3 intermediate results, each event encoded and signed.
func testSource(signer *emitter.Signer) Source {
	return SourceFunc(func(i uint64) (Script, error) {
		id := "s-" + string(rune('a'+i%26)) + "-" + strconv.FormatUint(i, 10)
		sess := emitter.NewSession(id, i)
		events := []string{"WMS_LOADED", emitter.EventMeasurementCreated}
		for len(events) < sessionLen(i)-1 {
			events = append(events, emitter.EventIntermediateResults)
		}
		events = append(events, "RESULTS_RECEIVED")
		now := time.Unix(1_700_000_000, 0)
		reqs := make([]emitter.Request, 0, len(events))
		for k, name := range events {
			env, err := sess.Next(emitter.Emit{Event: name, Time: now.Add(time.Duration(k) * 5 * time.Second)})
			if err != nil {
				return Script{}, err
			}
			body, err := env.AppendJSON(nil)
			if err != nil {
				return Script{}, err
			}
			reqs = append(reqs, emitter.SignedRequest(signer, body))
		}
		return Script{Name: "test-journey", Requests: reqs}, nil
	})
}

// startRecorder starts a testkit.Receiver that answers with status (200
// when nil) and a client for it.
func startRecorder(t *testing.T, status func(testkit.Delivery) int) (*testkit.Receiver, *emitter.Client) {
	t.Helper()
	if status == nil {
		status = func(testkit.Delivery) int { return http.StatusOK }
	}
	rec := testkit.NewReceiver(t, testkit.Signer(t), testkit.WithStatus(status))
	client, err := emitter.NewClient(rec.URL, emitter.WithTimeout(10*time.Second), emitter.WithMaxConns(16))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return rec, client
}

func TestEverySessionArrivesInOrderAndVerifies(t *testing.T) {
	const sessions = 120
	for _, model := range []struct {
		name string
		rate float64
	}{{"closed", 0}, {"open", 20_000}} {
		t.Run(model.name, func(t *testing.T) {
			rec, client := startRecorder(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := Run(ctx, Config{
				Source: testSource(testkit.Signer(t)), Sender: client,
				Sessions: sessions, Concurrency: 16, Rate: model.rate,
			})
			if err != nil {
				t.Fatal(err)
			}
			var events uint64
			for i := range uint64(sessions) {
				events += uint64(sessionLen(i))
			}
			if res.Sent != events || res.OK != events || res.Failed != 0 || res.Status[200] != events {
				t.Errorf("sent %d, ok %d, failed %d, status %v; want %d sent, all 200", res.Sent, res.OK, res.Failed, res.Status, events)
			}
			if res.Sessions != (Sessions{Started: sessions, Completed: sessions}) || res.Journeys["test-journey"] != sessions {
				t.Errorf("sessions %+v, journeys %v; want %d started and completed", res.Sessions, res.Journeys, sessions)
			}
			if res.Model != model.name {
				t.Errorf("model %q, want %q", res.Model, model.name)
			}
			if bad := rec.BadMACs(); bad != 0 {
				t.Errorf("%d events did not verify", bad)
			}
			got := rec.Sequences()
			if len(got) != sessions {
				t.Errorf("the receiver saw %d sessions, want %d", len(got), sessions)
			}
			for id, seqs := range got {
				for k, seq := range seqs {
					if seq != int64(k) {
						t.Fatalf("session %s arrived with sequences %v, want 0..%d in order", id, seqs, len(seqs)-1)
					}
				}
			}
			if res.Latency.P50 <= 0 || res.Latency.P50 > res.Latency.P99 || res.Latency.P99 > res.Latency.Max {
				t.Errorf("latency %+v: want 0 < p50 <= p99 <= max", res.Latency)
			}
		})
	}
}

func TestFailuresAreCountedByStatusAndClass(t *testing.T) {
	// Sessions whose index ends in 0 get 503 on their second event.
	_, client := startRecorder(t, func(d testkit.Delivery) int {
		if id := d.Envelope.SessionID; id[len(id)-1] == '0' && d.Envelope.Sequence == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	res, err := Run(context.Background(), Config{Source: testSource(testkit.Signer(t)), Sender: client, Sessions: 20, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 2 || res.Status[503] != 2 || res.Status[204] != res.Sent-2 {
		t.Errorf("failed %d, status %v: want two 503 and the rest 204", res.Failed, res.Status)
	}
	if res.Sessions.Completed != 20 {
		t.Errorf("%d sessions completed, want 20: a failed delivery does not stop its session", res.Sessions.Completed)
	}

	// A closed port: every delivery fails as refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	refused, err := emitter.NewClient("http://" + addr + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), Config{Source: testSource(testkit.Signer(t)), Sender: refused, Sessions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Failed != res.Sent || res.Failures[emitter.FailRefused] != res.Sent || len(res.Status) != 0 {
		t.Errorf("against a closed port: ok %d, failed %d of %d, failures %v, status %v; want every one refused", res.OK, res.Failed, res.Sent, res.Failures, res.Status)
	}
}

// fakeSender answers every request after latency, on the synctest clock,
// and records when each request was sent.
type fakeSender struct {
	latency time.Duration

	mu       sync.Mutex
	sentAt   []time.Time
	inFlight int
	maxIn    int
}

func (f *fakeSender) Send(ctx context.Context, _ emitter.Request) emitter.Outcome {
	f.mu.Lock()
	f.sentAt = append(f.sentAt, time.Now())
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	select {
	case <-time.After(f.latency):
	case <-ctx.Done():
		return emitter.Outcome{Attempt: emitter.Attempt{Class: emitter.FailCanceled}}
	}
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	return emitter.Outcome{Attempt: emitter.Attempt{Status: 200, Latency: f.latency}}
}

// fixedSource makes sessions of n unsigned requests: the schedule tests
// need no bytes.
func fixedSource(n int) Source {
	return SourceFunc(func(uint64) (Script, error) { return Script{Requests: make([]emitter.Request, n)}, nil })
}

func TestOpenModelSendsEachEventWhenDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: 25 * time.Millisecond}
		start := time.Now()
		res, err := Run(t.Context(), Config{Source: fixedSource(3), Sender: f, Rate: 100, Concurrency: 10, Duration: 95 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		// 100 events/s is one every 10 ms: ticks at 0, 10, ..., 90 ms.
		var want []time.Duration
		for k := range 10 {
			want = append(want, time.Duration(k)*10*time.Millisecond)
		}
		var got []time.Duration
		for _, at := range f.sentAt {
			got = append(got, at.Sub(start))
		}
		if !slices.Equal(got, want) {
			t.Errorf("events sent at %v, want %v", got, want)
		}
		if res.Sent != 10 || res.Latency.Max != 25*time.Millisecond || res.Latency.P50 < 24900*time.Microsecond {
			t.Errorf("sent %d, latency %+v: want 10 events of 25ms", res.Sent, res.Latency)
		}
		// Ten events of three-event sessions: four sessions, three complete.
		if res.Sessions != (Sessions{Started: 4, Completed: 3}) {
			t.Errorf("sessions %+v, want 4 started and 3 completed", res.Sessions)
		}
		if res.Duration != 115*time.Millisecond {
			t.Errorf("duration %v, want 115ms: the last event, sent at 90ms, is awaited", res.Duration)
		}
	})
}

func TestOpenModelCountsLatencyFromWhenEventWasDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One request at a time, each taking 25 ms, while one is due every
		// 10 ms: the k-th event waits for a free slot until 25k ms and is
		// answered at 25(k+1) ms, 25+15k ms after it was due.
		f := &fakeSender{latency: 25 * time.Millisecond}
		res, err := Run(t.Context(), Config{Source: fixedSource(3), Sender: f, Rate: 100, Concurrency: 1, Duration: 95 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 4 {
			t.Fatalf("sent %d events, want 4 (handed out at 0, 25, 50 and 75 ms)", res.Sent)
		}
		if res.Latency.Max != 70*time.Millisecond {
			t.Errorf("max latency %v, want 70ms: latency counts from when the event was due, not from when it was sent", res.Latency.Max)
		}
		if p50 := res.Latency.P50; p50 < 39*time.Millisecond || p50 > 41*time.Millisecond {
			t.Errorf("p50 %v, want 40ms (of 25, 40, 55 and 70 ms)", p50)
		}
		if f.maxIn != 1 {
			t.Errorf("%d requests in flight at once, want at most the concurrency, 1", f.maxIn)
		}
		// Ticks at 40, 50, ..., 90 ms fell due, but the one slot was busy
		// until 100 ms, after the run's end.
		if res.Missed != 6 {
			t.Errorf("missed %d, want 6 (the events due at 40 to 90 ms)", res.Missed)
		}
		// Waiting for the slot is in the latency, not in the lag.
		if res.Lag == nil || res.Lag.Max != 0 {
			t.Errorf("lag %+v, want reported and zero: the fake clock never oversleeps", res.Lag)
		}
	})
}

func TestOpenModelReportsTheGeneratorsLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Building a session takes 3 ms: the first event of each session
		// is sent 3 ms after it fell due, which latency leaves out and lag
		// reports.
		src := SourceFunc(func(uint64) (Script, error) {
			time.Sleep(3 * time.Millisecond)
			return Script{Requests: make([]emitter.Request, 3)}, nil
		})
		f := &fakeSender{latency: time.Millisecond}
		res, err := Run(t.Context(), Config{Source: src, Sender: f, Rate: 100, Concurrency: 10, Sessions: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 12 || res.Latency.Max != time.Millisecond {
			t.Fatalf("sent %d, latency %+v: want 12 events of 1ms", res.Sent, res.Latency)
		}
		if res.Lag == nil || res.Lag.Max != 3*time.Millisecond || res.Lag.P99 != 3*time.Millisecond || res.Lag.P50 != 0 {
			t.Errorf("lag %+v, want p50 0, p99 and max 3ms: a third of the events waited for their session to be built", res.Lag)
		}
		var b strings.Builder
		res.WriteText(&b)
		if !strings.Contains(b.String(), "lag      p50 0s, p99 3ms, max 3ms") || !strings.Contains(b.String(), "warning: lag p99 3ms exceeds latency p50 1ms") {
			t.Errorf("summary %q: want the lag and a warning that it exceeds the latency p50", b.String())
		}
		out, _ := json.Marshal(res)
		if !strings.Contains(string(out), `"lag_ms":{"p50":0,"p99":3,"max":3}`) {
			t.Errorf("JSON %s: want lag_ms", out)
		}
	})
}

func TestOpenModelStartsWorkersAsNeeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: time.Millisecond}
		most := 0
		res, err := Run(t.Context(), Config{
			Source: fixedSource(3), Sender: f, Rate: 100, Concurrency: MaxConcurrency, Sessions: 3,
			Progress: func(Snapshot) { most = max(most, runtime.NumGoroutine()) }, ProgressEvery: 5 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 9 || most == 0 || most > 100 {
			t.Errorf("sent %d with at most %d goroutines: want 9 events sent by a few workers, not %d", res.Sent, most, MaxConcurrency)
		}
	})
}

func TestOpenModelDrainsStartedSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: 25 * time.Millisecond}
		res, err := Run(t.Context(), Config{Source: fixedSource(3), Sender: f, Rate: 100, Concurrency: 8, Sessions: 5})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 15 || res.Sessions != (Sessions{Started: 5, Completed: 5}) {
			t.Errorf("sent %d, sessions %+v: want every event of the 5 sessions", res.Sent, res.Sessions)
		}
	})
}

func TestClosedModelKeepsConcurrencySessionsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: 10 * time.Millisecond}
		res, err := Run(t.Context(), Config{Source: fixedSource(4), Sender: f, Concurrency: 5, Sessions: 20})
		if err != nil {
			t.Fatal(err)
		}
		if f.maxIn != 5 || res.Sent != 80 || res.Sessions.Completed != 20 {
			t.Errorf("max in flight %d, sent %d, completed %d: want 5, 80, 20", f.maxIn, res.Sent, res.Sessions.Completed)
		}
		// Four rounds of five sessions, four events of 10 ms each.
		if res.Duration != 160*time.Millisecond {
			t.Errorf("duration %v, want 160ms", res.Duration)
		}
	})
}

func TestDurationStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: 10 * time.Millisecond}
		var snaps []Snapshot
		res, err := Run(t.Context(), Config{
			Source: fixedSource(4), Sender: f, Concurrency: 2, Duration: 105 * time.Millisecond,
			Progress: func(s Snapshot) { snaps = append(snaps, s) }, ProgressEvery: 44 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		// Two workers, 11 events each by 105 ms (the 11th sent at 100 ms).
		if res.Sent != 22 || res.Sessions != (Sessions{Started: 6, Completed: 4}) {
			t.Errorf("sent %d, sessions %+v: want 22 events, 6 sessions started, 4 completed", res.Sent, res.Sessions)
		}
		if len(snaps) != 2 || snaps[0].Sent != 8 || snaps[1].Sent != 16 {
			t.Errorf("progress snapshots %+v: want two, at 44 and 88 ms, of 8 and 16 events", snaps)
		}
	})
}

func TestInterruptedRunStopsPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSender{latency: time.Hour}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		res, err := Run(ctx, Config{Source: fixedSource(3), Sender: f, Concurrency: 3, Sessions: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Interrupted || res.Sent != 0 || res.Duration != time.Second {
			t.Errorf("interrupted %v, sent %d, duration %v: want an interrupted run of 1s with nothing counted", res.Interrupted, res.Sent, res.Duration)
		}
	})
}

func TestSourceErrorEndsTheRun(t *testing.T) {
	boom := errors.New("boom")
	for _, rate := range []float64{0, 1000} {
		synctest.Test(t, func(t *testing.T) {
			var calls atomic.Int64
			src := SourceFunc(func(i uint64) (Script, error) {
				calls.Add(1)
				if i == 3 {
					return Script{}, boom
				}
				return Script{Requests: make([]emitter.Request, 2)}, nil
			})
			res, err := Run(t.Context(), Config{Source: src, Sender: &fakeSender{latency: time.Millisecond}, Rate: rate, Concurrency: 2, Sessions: 1000})
			if !errors.Is(err, boom) || res == nil {
				t.Fatalf("rate %v: err %v, result %v; want the source's error and a partial result", rate, err, res)
			}
			if calls.Load() > 10 {
				t.Errorf("rate %v: %d sessions built after the source failed at the 4th", rate, calls.Load())
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	src, snd := fixedSource(1), &fakeSender{}
	for _, c := range []Config{
		{Sender: snd, Sessions: 1},
		{Source: src, Sessions: 1},
		{Source: src, Sender: snd},
		{Source: src, Sender: snd, Sessions: -1},
		{Source: src, Sender: snd, Sessions: 1, Concurrency: -2},
		{Source: src, Sender: snd, Sessions: 1, Rate: -1},
		{Source: src, Sender: snd, Sessions: 1, Rate: math.NaN()},
		{Source: src, Sender: snd, Sessions: 1, Rate: 1e-12},
		{Source: src, Sender: snd, Sessions: 1, Rate: math.Inf(1)},
		{Source: src, Sender: snd, Sessions: 1, Rate: MaxRate * 1.001},
		{Source: src, Sender: snd, Sessions: 1, Concurrency: MaxConcurrency + 1},
		{Source: src, Sender: snd, Duration: -time.Second},
	} {
		if _, err := Run(context.Background(), c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("Run(%+v) = %v, want ErrBadConfig", c, err)
		}
	}
}

// TestLimitsAreOneRule checks the bounds the CLI checks its flags with:
// the same as Run's, at the edges, with errors that match ErrBadConfig
// and leave the flag's name to the CLI.
func TestLimitsAreOneRule(t *testing.T) {
	for _, rate := range []float64{0, MinRate, 1, MaxRate} {
		if err := CheckRate(rate); err != nil {
			t.Errorf("CheckRate(%g) = %v, want nil", rate, err)
		}
	}
	for _, rate := range []float64{-1, MinRate / 2, MaxRate * 1.001, math.NaN(), math.Inf(1)} {
		err := CheckRate(rate)
		if !errors.Is(err, ErrBadConfig) || strings.Contains(fmt.Sprint(err), ErrBadConfig.Error()) {
			t.Errorf("CheckRate(%g) = %v, want an error matching ErrBadConfig that leaves its words out", rate, err)
		}
	}
	for _, n := range []int{1, DefaultConcurrency, MaxConcurrency} {
		if err := CheckConcurrency(n); err != nil {
			t.Errorf("CheckConcurrency(%d) = %v, want nil", n, err)
		}
	}
	for _, n := range []int{-1, 0, MaxConcurrency + 1} {
		err := CheckConcurrency(n)
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(fmt.Sprint(err), "from 1 to 100000") {
			t.Errorf("CheckConcurrency(%d) = %v, want an error matching ErrBadConfig that gives the bounds", n, err)
		}
	}
	_, err := Run(context.Background(), Config{Source: fixedSource(1), Sender: &fakeSender{}, Sessions: 1, Rate: 2e6})
	if want := "bad load configuration: the rate must be 0 (closed model) or from 0.001 to 1e+06 events per second, got 2e+06"; fmt.Sprint(err) != want {
		t.Errorf("Run with rate 2e6: %v, want %q", err, want)
	}
}

func TestResultText(t *testing.T) {
	res := &Result{
		Model: "open", Concurrency: 8, Rate: 500, Sent: 10, OK: 8, Failed: 2, Duration: 1500 * time.Millisecond, RPS: 6.7,
		Latency:  Latency{P50: 1234 * time.Microsecond, P90: 2 * time.Millisecond, P99: 3 * time.Millisecond, P999: 4 * time.Millisecond, Max: 5 * time.Millisecond},
		Status:   map[int]uint64{200: 8, 503: 1},
		Failures: map[emitter.FailureClass]uint64{emitter.FailTimeout: 1},
		Sessions: Sessions{Started: 3, Completed: 2},
		Journeys: map[string]uint64{"happy-path": 3},
	}
	var b strings.Builder
	if err := res.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 sessions (2 completed) in 1.5s, open model, 500 events/s", "sent 10, ok 8, failed 2", "p50 1.23ms", "p99.9 4ms", "200: 8, 503: 1", "timeout: 1", "happy-path: 3"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary %q does not say %q", b.String(), want)
		}
	}
	res.Missed = 4
	b.Reset()
	res.WriteText(&b)
	if !strings.Contains(b.String(), "missed 4") || !strings.Contains(b.String(), "4 events fell due but were not sent") {
		t.Errorf("summary %q does not report the 4 missed events", b.String())
	}
	snap := Snapshot{Elapsed: 2 * time.Second, Sent: 100, OK: 99, Failed: 1, Rate: 50, P99: 7 * time.Millisecond}
	if got := snap.String(); !strings.Contains(got, "sent 100  ok 99  failed 1  50/s  p99 7ms") || strings.Contains(got, "\n") {
		t.Errorf("progress line %q", got)
	}
}

// statusSender answers each request with the next of outcomes, in turn.
type statusSender struct {
	mu       sync.Mutex
	outcomes []emitter.Attempt
	next     int
}

func (f *statusSender) Send(context.Context, emitter.Request) emitter.Outcome {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.outcomes[f.next%len(f.outcomes)]
	f.next++
	return emitter.Outcome{Attempt: a}
}

func TestStatusAndFailureCountsAddUpToSent(t *testing.T) {
	outcomes := []emitter.Attempt{{Status: 200}, {Status: 503}, {Status: 600}, {Status: 799}, {Status: 999}, {Status: 0}, {Class: "something-new"}}
	for _, c := range emitter.FailureClasses() {
		outcomes = append(outcomes, emitter.Attempt{Class: c})
	}
	f := &statusSender{outcomes: outcomes}
	n := len(outcomes)
	res, err := Run(context.Background(), Config{Source: fixedSource(n), Sender: f, Concurrency: 1, Sessions: 3})
	if err != nil {
		t.Fatal(err)
	}
	var counted uint64
	for _, v := range res.Status {
		counted += v
	}
	for _, v := range res.Failures {
		counted += v
	}
	if res.Sent != uint64(3*n) || counted != res.Sent {
		t.Errorf("sent %d, status %v and failures %v add up to %d: want every delivery counted once", res.Sent, res.Status, res.Failures, counted)
	}
	for _, code := range []int{200, 503, 600, 799, 999} {
		if res.Status[code] != 3 {
			t.Errorf("status %d counted %d times, want 3: %v", code, res.Status[code], res.Status)
		}
	}
	if res.OK != 3 {
		t.Errorf("ok %d, want 3 (the 200s only)", res.OK)
	}
	for _, c := range emitter.FailureClasses() {
		want := uint64(3)
		if c == emitter.FailOther {
			want = 9 // and status 0 with no class, and the unknown class
		}
		if res.Failures[c] != want {
			t.Errorf("class %q counted %d times, want %d: %v", c, res.Failures[c], want, res.Failures)
		}
	}
}
