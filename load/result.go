package load

import (
	"cmp"
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
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Result is what a run came to. Its JSON form is the one `wms-mock load
// --json` prints.
type Result struct {
	// Model is "closed" or "open".
	Model string `json:"model"`
	// Concurrency is the run's Config.Concurrency: sessions in flight in
	// the closed model, the most requests in flight in the open one.
	Concurrency int `json:"concurrency"`
	// Rate is the open model's events per second, 0 in the closed model.
	Rate float64 `json:"rate,omitempty"`
	// Sent counts deliveries that were attempted and came to an outcome;
	// OK those answered 2xx, Failed the rest.
	Sent   uint64 `json:"sent"`
	OK     uint64 `json:"ok"`
	Failed uint64 `json:"failed"`
	// Missed counts, in the open model, events that fell due but were not
	// sent by the end of the run: the receiver answered too slowly for the
	// rate at the concurrency given, or the generator fell behind its
	// schedule. Always 0 in the closed model.
	Missed uint64 `json:"missed"`
	// Duration runs from the start of the run to the last answer awaited.
	Duration time.Duration `json:"-"`
	// DurationS is Duration in seconds, for JSON readers.
	DurationS float64 `json:"duration_s"`
	// RPS is Sent per second of Duration.
	RPS float64 `json:"rps"`
	// Latency is the percentiles of each delivery's latency: from sending
	// the request to its answer in the closed model; in the open model
	// from when the event was due, less the generator's own lag (see Lag).
	// Deliveries that never reached the receiver (refused, unresolved,
	// never connected, out of open files, canceled) are counted in Failed
	// but left out of it: they took no time of the receiver's.
	Latency Latency `json:"latency_ms"`
	// Lag, in the open model only, is what the open model's latency leaves
	// out of each event: how late the generator itself started sending it
	// (its timer's oversleep, waking a worker, building a session), not
	// counting time spent waiting for a free worker, which is the
	// receiver's doing and in Latency. A lag p99 above the latency p50
	// means the generator, not the receiver, shaped the figures.
	Lag *Lag `json:"lag_ms,omitempty"`
	// Status counts answers by HTTP status.
	Status map[int]uint64 `json:"status"`
	// Failures counts deliveries that got no usable answer, by class.
	Failures map[emitter.FailureClass]uint64 `json:"failures"`
	// Sessions counts the sessions started and completed.
	Sessions Sessions `json:"sessions"`
	// Journeys counts started sessions by journey name.
	Journeys map[string]uint64 `json:"journeys,omitempty"`
	// Interrupted is set when the run was canceled before its end.
	Interrupted bool `json:"interrupted,omitempty"`
	// Thresholds are Config.Thresholds when any is set, and Breached the
	// ones the run went past (Breaches), so that a JSON reader sees both
	// what was asked and what failed.
	Thresholds *Thresholds `json:"thresholds,omitempty"`
	Breached   []Breach    `json:"breached,omitempty"`
	// Timeline is the run second by second, by when each delivery was
	// answered, for a chart of throughput and latency over time; at most
	// MaxTimelineSeconds of it, TimelineCut set when the run went on past.
	Timeline []Second `json:"timeline,omitempty"`
	// Distribution is Latency's histogram, in DistributionBounds.
	Distribution []Bucket `json:"distribution,omitempty"`
	TimelineCut  bool     `json:"timeline_cut,omitempty"`
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

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// MarshalJSON writes each percentile in milliseconds, to the microsecond.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99.9"`
		Max  float64 `json:"max"`
	}{ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max)})
}

// Lag holds percentiles of the open model's per-event lag (see
// Result.Lag). In JSON each is a number of milliseconds.
type Lag struct {
	P50, P99, Max time.Duration
}

// MarshalJSON writes each percentile in milliseconds, to the microsecond.
func (l Lag) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
		Max float64 `json:"max"`
	}{ms(l.P50), ms(l.P99), ms(l.Max)})
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
	fmt.Fprintf(&b, "\n  events   sent %d, ok %d, failed %d, %.1f/s", res.Sent, res.OK, res.Failed, res.RPS)
	if res.Model == "open" {
		fmt.Fprintf(&b, ", missed %d", res.Missed)
	}
	b.WriteByte('\n')
	l := res.Latency
	fmt.Fprintf(&b, "  latency  p50 %s, p90 %s, p99 %s, p99.9 %s, max %s\n", humanize.Duration(l.P50), humanize.Duration(l.P90), humanize.Duration(l.P99), humanize.Duration(l.P999), humanize.Duration(l.Max))
	if g := res.Lag; g != nil {
		fmt.Fprintf(&b, "  lag      p50 %s, p99 %s, max %s (the generator's own delay, left out of latency)\n", humanize.Duration(g.P50), humanize.Duration(g.P99), humanize.Duration(g.Max))
		if g.P99 > l.P50 {
			fmt.Fprintf(&b, "  warning: lag p99 %s exceeds latency p50 %s: the generator's own delay is not small next to the receiver's latency; trust the latency figures less\n", humanize.Duration(g.P99), humanize.Duration(l.P50))
		}
	}
	if res.Missed > 0 {
		fmt.Fprintf(&b, "  missed   %d events fell due but were not sent by the end: the receiver was too slow for --rate at this --concurrency, or the generator fell behind\n", res.Missed)
	}
	writeCounts(&b, "  status  ", res.Status)
	writeCounts(&b, "  failures", res.Failures)
	if n := res.Failures[FailTooManyOpenFiles]; n > 0 {
		// The generator's own limit, not the receiver's: say which and
		// what to do, since the count alone reads as the receiver's fault.
		fmt.Fprintf(&b, "  warning: %d of the failures are %s: %s\n", n, FailTooManyOpenFiles, tooManyOpenFiles())
	}
	writeCounts(&b, "  journeys", res.Journeys)
	for _, br := range res.Breached {
		fmt.Fprintf(&b, "  breach   %s\n", br.Message)
	}
	if res.Thresholds != nil && len(res.Breached) == 0 {
		b.WriteString("  thresholds met\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCounts writes one summary line, label then humanize.Counts of m;
// nothing when m is empty.
func writeCounts[K cmp.Ordered](b *strings.Builder, label string, m map[K]uint64) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(b, "%s %s\n", label, humanize.Counts(m))
}

// Snapshot is the state of a run in progress, for a progress line.
type Snapshot struct {
	// Elapsed is the time since the run started.
	Elapsed time.Duration
	// Sent, OK and Failed count deliveries so far, as in Result.
	Sent, OK, Failed uint64
	// Rate is deliveries answered per second so far.
	Rate float64
	// P99 is the 99th percentile latency so far.
	P99 time.Duration
}

// String formats the snapshot as one progress line.
func (s Snapshot) String() string {
	return fmt.Sprintf("%5.1fs  sent %d  ok %d  failed %d  %.0f/s  p99 %s",
		s.Elapsed.Seconds(), s.Sent, s.OK, s.Failed, s.Rate, humanize.Duration(s.P99))
}

// recorder gathers a run's figures with atomic counters only, since every
// worker records on its hot path: one count per delivery, by status or by
// failure class, from which Sent and OK are summed when read, and one
// histogram bucket. Two cores adding to shared counters pay for each.
type recorder struct {
	hist Histogram
	// seconds is the per-second timeline (Result.Timeline).
	seconds timeline
	// lag is the open model's per-event lag (Result.Lag).
	lag Histogram
	// status counts answers by status: net/http accepts 100 to 999.
	status [1000]atomic.Uint64
	// classes counts failures by class, in the order of classNames; a
	// class not in it counts as emitter.FailOther.
	classNames []emitter.FailureClass
	classes    []atomic.Uint64
	completed  atomic.Uint64
	missed     atomic.Uint64

	// journeys is touched once per session, not per event.
	mu       sync.Mutex
	journeys map[string]uint64
	begun    uint64
}

func newRecorder() *recorder {
	names := append(emitter.FailureClasses(), FailTooManyOpenFiles)
	return &recorder{journeys: map[string]uint64{}, classNames: names, classes: make([]atomic.Uint64, len(names))}
}

func (r *recorder) started(name string) {
	r.mu.Lock()
	r.begun++
	if name != "" {
		r.journeys[name]++
	}
	r.mu.Unlock()
}

func (r *recorder) record(a emitter.Attempt, latency time.Duration) {
	measured := reached(a.Class)
	if measured {
		r.hist.Record(latency)
	}
	r.seconds.record(a.Class == "" && a.Status >= 200 && a.Status < 300, measured, latency)
	if a.Class == "" && a.Status > 0 && a.Status < len(r.status) {
		r.status[a.Status].Add(1)
		return
	}
	// No answer, or a status no HTTP client passes on: a failure, so that
	// status and failure counts always add up to Sent.
	class := a.Class
	if class == "" {
		class = emitter.FailOther
	}
	i := slices.Index(r.classNames, class)
	if i < 0 {
		i = slices.Index(r.classNames, emitter.FailOther)
	}
	r.classes[i].Add(1)
}

// reached reports whether a delivery that ended in class got as far as
// the receiver, so that its latency says something of the receiver: a
// connection refused or never opened takes no time worth measuring, and
// thousands of them (past the open-file limit, say) would drag every
// percentile down to nothing.
func reached(class emitter.FailureClass) bool {
	switch class {
	case emitter.FailRefused, emitter.FailDNS, emitter.FailConnect, emitter.FailCanceled, FailTooManyOpenFiles:
		return false
	}
	return true
}

// counts returns the deliveries recorded so far and those answered 2xx.
func (r *recorder) counts() (sent, ok uint64) {
	for code := range r.status {
		n := r.status[code].Load()
		sent += n
		if code >= 200 && code < 300 {
			ok += n
		}
	}
	for i := range r.classes {
		sent += r.classes[i].Load()
	}
	return sent, ok
}

func (r *recorder) snapshot(elapsed time.Duration) Snapshot {
	s := Snapshot{Elapsed: elapsed}
	s.Sent, s.OK = r.counts()
	s.Failed = s.Sent - min(s.OK, s.Sent)
	if elapsed > 0 {
		s.Rate = float64(s.Sent) / elapsed.Seconds()
	}
	s.P99 = r.hist.Quantiles(0.99)[0]
	return s
}

func (r *recorder) result(elapsed time.Duration) *Result {
	res := &Result{
		Duration: elapsed,
		Status:   map[int]uint64{},
		Failures: map[emitter.FailureClass]uint64{},
	}
	res.Sent, res.OK = r.counts()
	res.Failed = res.Sent - res.OK
	res.DurationS = math.Round(elapsed.Seconds()*1e3) / 1e3
	if elapsed > 0 {
		res.RPS = math.Round(float64(res.Sent)/elapsed.Seconds()*10) / 10
	}
	q := r.hist.Quantiles(0.5, 0.9, 0.99, 0.999)
	res.Latency = Latency{P50: q[0], P90: q[1], P99: q[2], P999: q[3], Max: r.hist.Max()}
	res.Missed = r.missed.Load()
	for code := range r.status {
		if n := r.status[code].Load(); n > 0 {
			res.Status[code] = n
		}
	}
	for i, c := range r.classNames {
		if n := r.classes[i].Load(); n > 0 {
			res.Failures[c] = n
		}
	}
	res.Timeline, res.TimelineCut = r.seconds.result(), r.seconds.cut.Load()
	res.Distribution = r.hist.Distribution(DistributionBounds)
	r.mu.Lock()
	res.Sessions = Sessions{Started: r.begun, Completed: r.completed.Load()}
	if len(r.journeys) > 0 {
		res.Journeys = maps.Clone(r.journeys)
	}
	r.mu.Unlock()
	return res
}
