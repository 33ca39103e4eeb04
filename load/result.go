package load

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// Result is what a run came to. Its JSON form is the one `wms-mock load
// --json` prints.
type Result struct {
	// Model is "closed" or "open".
	Model       string  `json:"model"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	// Sent counts deliveries that were attempted and came to an outcome;
	// OK those answered 2xx, Failed the rest.
	Sent   uint64 `json:"sent"`
	OK     uint64 `json:"ok"`
	Failed uint64 `json:"failed"`
	// Duration runs from the first event to the last answer.
	Duration time.Duration `json:"-"`
	// DurationS is Duration in seconds, for JSON readers.
	DurationS float64 `json:"duration_s"`
	// RPS is Sent per second of Duration.
	RPS     float64 `json:"rps"`
	Latency Latency `json:"latency_ms"`
	// Status counts answers by HTTP status.
	Status map[int]uint64 `json:"status"`
	// Failures counts deliveries that got no usable answer, by class.
	Failures map[emitter.FailureClass]uint64 `json:"failures"`
	Sessions Sessions                        `json:"sessions"`
	// Journeys counts started sessions by journey name.
	Journeys map[string]uint64 `json:"journeys,omitempty"`
	// Interrupted is set when the run was canceled before its end.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Sessions counts the sessions of a run. Started minus Completed were cut
// short by the run's Duration or an interruption.
type Sessions struct {
	Started   uint64 `json:"started"`
	Completed uint64 `json:"completed"`
}

// Latency holds the latency percentiles of a run. In JSON each is a number
// of milliseconds, and P999 (the 99.9th percentile) is named "p99.9".
type Latency struct {
	P50, P90, P99, P999, Max time.Duration
}

// MarshalJSON writes each percentile in milliseconds, to the microsecond.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(struct {
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99.9"`
		Max  float64 `json:"max"`
	}{ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max)})
}

// WriteText writes the result for a person to read.
func (res *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	model := fmt.Sprintf("closed model, concurrency %d", res.Concurrency)
	if res.Model == "open" {
		model = fmt.Sprintf("open model, %g events/s, at most %d in flight", res.Rate, res.Concurrency)
	}
	fmt.Fprintf(&b, "%d sessions (%d completed) in %s, %s", res.Sessions.Started, res.Sessions.Completed, res.Duration.Round(time.Millisecond), model)
	if res.Interrupted {
		b.WriteString(", interrupted")
	}
	fmt.Fprintf(&b, "\n  events   sent %d, ok %d, failed %d, %.1f/s\n", res.Sent, res.OK, res.Failed, res.RPS)
	l := res.Latency
	fmt.Fprintf(&b, "  latency  p50 %s, p90 %s, p99 %s, p99.9 %s, max %s\n", roundDur(l.P50), roundDur(l.P90), roundDur(l.P99), roundDur(l.P999), roundDur(l.Max))
	if len(res.Status) > 0 {
		codes := make([]int, 0, len(res.Status))
		for c := range res.Status {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		b.WriteString("  status  ")
		for i, c := range codes {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %d: %d", c, res.Status[c])
		}
		b.WriteByte('\n')
	}
	if len(res.Failures) > 0 {
		b.WriteString("  failures")
		for i, c := range sortedKeys(res.Failures) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %s: %d", c, res.Failures[c])
		}
		b.WriteByte('\n')
	}
	if len(res.Journeys) > 0 {
		b.WriteString("  journeys")
		for i, name := range sortedKeys(res.Journeys) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %s: %d", name, res.Journeys[name])
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// roundDur rounds d to three significant digits or so, for reading.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// Snapshot is the state of a run in progress, for a progress line.
type Snapshot struct {
	Elapsed      time.Duration
	Sent, OK     uint64
	Failed       uint64
	Rate         float64 // events answered per second so far
	P99          time.Duration
	SessionsDone uint64
}

// String formats the snapshot as one progress line.
func (s Snapshot) String() string {
	return fmt.Sprintf("%5.1fs  sent %d  ok %d  failed %d  %.0f/s  p99 %s",
		s.Elapsed.Seconds(), s.Sent, s.OK, s.Failed, s.Rate, roundDur(s.P99))
}

// failureClasses are the classes recorded in fixed counters; any other
// counts as emitter.FailOther.
var failureClasses = [...]emitter.FailureClass{
	emitter.FailTimeout, emitter.FailRefused, emitter.FailReset, emitter.FailTLS,
	emitter.FailDNS, emitter.FailTooLarge, emitter.FailProtocol, emitter.FailCanceled,
	emitter.FailOther,
}

// recorder gathers a run's figures with atomic counters only, since every
// worker records on its hot path.
type recorder struct {
	hist      Histogram
	sent, ok  atomic.Uint64
	status    [600]atomic.Uint64
	classes   [len(failureClasses)]atomic.Uint64
	completed atomic.Uint64

	// journeys is touched once per session, not per event.
	mu       sync.Mutex
	journeys map[string]uint64
	begun    uint64
}

func newRecorder() *recorder { return &recorder{journeys: map[string]uint64{}} }

func (r *recorder) started(name string) {
	r.mu.Lock()
	r.begun++
	if name != "" {
		r.journeys[name]++
	}
	r.mu.Unlock()
}

func (r *recorder) record(a emitter.Attempt, latency time.Duration) {
	r.hist.Record(latency)
	r.sent.Add(1)
	if a.OK() {
		r.ok.Add(1)
	}
	if a.Class != "" {
		i := slices.Index(failureClasses[:], a.Class)
		if i < 0 {
			i = len(failureClasses) - 1
		}
		r.classes[i].Add(1)
		return
	}
	if a.Status > 0 && a.Status < len(r.status) {
		r.status[a.Status].Add(1)
	}
}

func (r *recorder) snapshot(elapsed time.Duration) Snapshot {
	s := Snapshot{Elapsed: elapsed, Sent: r.sent.Load(), OK: r.ok.Load(), SessionsDone: r.completed.Load()}
	s.Failed = s.Sent - min(s.OK, s.Sent)
	if elapsed > 0 {
		s.Rate = float64(s.Sent) / elapsed.Seconds()
	}
	s.P99 = r.hist.Quantiles(0.99)[0]
	return s
}

func (r *recorder) result(elapsed time.Duration) *Result {
	res := &Result{
		Sent:     r.sent.Load(),
		OK:       r.ok.Load(),
		Duration: elapsed,
		Status:   map[int]uint64{},
		Failures: map[emitter.FailureClass]uint64{},
	}
	res.Failed = res.Sent - res.OK
	res.DurationS = math.Round(elapsed.Seconds()*1e3) / 1e3
	if elapsed > 0 {
		res.RPS = math.Round(float64(res.Sent)/elapsed.Seconds()*10) / 10
	}
	q := r.hist.Quantiles(0.5, 0.9, 0.99, 0.999)
	res.Latency = Latency{P50: q[0], P90: q[1], P99: q[2], P999: q[3], Max: r.hist.Max()}
	for code := range r.status {
		if n := r.status[code].Load(); n > 0 {
			res.Status[code] = n
		}
	}
	for i, c := range failureClasses {
		if n := r.classes[i].Load(); n > 0 {
			res.Failures[c] = n
		}
	}
	r.mu.Lock()
	res.Sessions = Sessions{Started: r.begun, Completed: r.completed.Load()}
	if len(r.journeys) > 0 {
		res.Journeys = maps.Clone(r.journeys)
	}
	r.mu.Unlock()
	return res
}
