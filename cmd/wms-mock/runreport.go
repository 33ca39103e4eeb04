package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/scenarios"
)

// answerShown is how much of an answer's body run shows: enough to read a
// receiver's error message, short enough for one line.
const answerShown = 120

// runReport prints deliveries as they come and counts them. In text, each
// session's first delivery is preceded by a line with its ID (what to
// look up in the receiver), and a delivery that got an unexpected answer,
// or was retried, is followed by what QA needs next.
type runReport struct {
	w              io.Writer
	json           *json.Encoder
	nameWidth      int
	scenarios      int
	passed, failed int
	answered       int
	unreachable    string
	sessions       map[string]bool // the sessions shown so far
}

func newRunReport(w io.Writer, asJSON bool, list []*scenarios.Scenario) *runReport {
	r := &runReport{w: w, scenarios: len(list), nameWidth: 8, sessions: map[string]bool{}}
	for _, s := range list {
		r.nameWidth = max(r.nameWidth, len(s.Name))
	}
	if asJSON {
		r.json = json.NewEncoder(w)
	}
	return r
}

// isUnreachable reports whether no delivery got an answer because no
// receiver is there at all.
func (r *runReport) isUnreachable() bool { return r.unreachable != "" && r.answered == 0 }

type deliveryJSON struct {
	Type      string        `json:"type"`
	Scenario  string        `json:"scenario"`
	Session   string        `json:"session"`
	File      string        `json:"file"`
	Step      int           `json:"step"`
	Line      int           `json:"line"`
	Event     string        `json:"event,omitempty"`
	Sequence  *int64        `json:"sequence"`
	AtMS      int64         `json:"at_ms"`
	Fault     string        `json:"fault,omitempty"`
	Expect    string        `json:"expect"`
	Status    int           `json:"status"`
	LatencyMS float64       `json:"latency_ms"`
	Class     string        `json:"class,omitempty"`
	Message   string        `json:"message,omitempty"`
	Answer    string        `json:"answer,omitempty"`
	Attempts  []attemptJSON `json:"attempts,omitempty"`
	Passed    bool          `json:"passed"`
}

// attemptJSON is one try of a delivery with --retries.
type attemptJSON struct {
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Class     string  `json:"class,omitempty"`
	Message   string  `json:"message,omitempty"`
}

func (r *runReport) add(res scenarios.Result) {
	a := res.Outcome.Attempt
	if res.Passed {
		r.passed++
	} else {
		r.failed++
	}
	if a.Class == "" {
		r.answered++
	} else if r.answered == 0 && noConnection(a.Class) {
		r.unreachable = a.Message
	}
	if r.json != nil {
		r.addJSON(res)
		return
	}
	r.addText(res)
}

func (r *runReport) addJSON(res scenarios.Result) {
	d, a := res.Delivery, res.Outcome.Attempt
	out := deliveryJSON{
		Type: "delivery", Scenario: d.Scenario, Session: d.SessionID, File: d.File, Step: d.Step, Line: d.Line, Event: d.Event,
		AtMS: d.At.Milliseconds(), Fault: d.Fault, Expect: d.Expect.String(), Status: a.Status,
		LatencyMS: milliseconds(a.Latency), Class: string(a.Class), Message: a.Message,
		Answer: humanize.Clip(string(a.Body), answerShown), Passed: res.Passed,
	}
	if d.Sequence >= 0 {
		out.Sequence = &d.Sequence
	}
	for _, t := range res.Outcome.Attempts {
		out.Attempts = append(out.Attempts, attemptJSON{t.Status, milliseconds(t.Latency), string(t.Class), t.Message})
	}
	_ = r.json.Encode(out)
}

func (r *runReport) addText(res scenarios.Result) {
	d, a := res.Delivery, res.Outcome.Attempt
	where := d.File
	if where == "" { // a delivery made elsewhere than from a scenario file
		where = d.Scenario
	}
	if !r.sessions[d.SessionID] {
		r.sessions[d.SessionID] = true
		fmt.Fprintf(r.w, "%-*s session %s (%s)\n", r.nameWidth, d.Scenario, d.SessionID, where)
	}
	seq, event := "-", d.Event
	if d.Sequence >= 0 {
		seq = fmt.Sprint(d.Sequence)
	}
	if event == "" {
		event = "(raw body)"
	}
	verdict := "ok"
	note := d.Fault
	if note != "" && d.Expect != scenarios.Expect2xx {
		note += "; want " + d.Expect.String()
	}
	if !res.Passed {
		verdict = "FAIL"
		note = "want " + d.Expect.String()
		if d.Fault != "" {
			note = d.Fault + "; " + note
		}
		if a.Message != "" {
			note += ": " + a.Message
		} else {
			note += fmt.Sprintf(", got %d", a.Status)
		}
	}
	if note != "" {
		note = "  (" + note + ")"
	}
	fmt.Fprintf(r.w, "%-*s %4s  %-29s %7s %9s  %s%s\n", r.nameWidth, d.Scenario, seq, event, attemptStatus(a), latency(a.Latency), verdict, note)
	if !res.Passed {
		fmt.Fprintf(r.w, "    at %s:%d, session %s%s\n", where, d.Line, d.SessionID, answerText(a))
	}
	if tries := res.Outcome.Attempts; len(tries) > 1 {
		parts := make([]string, len(tries))
		for i, t := range tries {
			parts[i] = attemptStatus(t)
			if t.Latency > 0 {
				parts[i] += " in " + humanize.Duration(t.Latency)
			}
		}
		fmt.Fprintf(r.w, "    %d attempts: %s\n", len(tries), strings.Join(parts, ", "))
	}
}

// attemptStatus is an attempt's HTTP status, or its failure class when
// no answer arrived.
func attemptStatus(a emitter.Attempt) string {
	if a.Class != "" {
		return string(a.Class)
	}
	return fmt.Sprint(a.Status)
}

// answerText is the first bytes of an answer, quoted so that control
// characters cannot garble the report; nothing when no answer arrived.
func answerText(a emitter.Attempt) string {
	switch {
	case a.Class != "" && a.Status == 0:
		return ""
	case a.BodySize == 0:
		return "; answer: empty body"
	case a.BodySize > int64(answerShown):
		return fmt.Sprintf("; answer: %q (%d bytes in all)", humanize.Clip(string(a.Body), answerShown), a.BodySize)
	}
	return fmt.Sprintf("; answer: %q", a.Body)
}

// latency is a delivery's latency in the report, "-" when it got none.
func latency(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return humanize.Duration(d)
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type runSummary struct {
	seed        uint64
	sessionSeed uint64 // when given
	startTime   int64
	pace        scenarios.Pace
	elapsed     time.Duration
	interrupted bool
}

func (r *runReport) summary(s runSummary) {
	total := r.passed + r.failed
	if r.json != nil {
		out := struct {
			Type        string `json:"type"`
			Scenarios   int    `json:"scenarios"`
			Deliveries  int    `json:"deliveries"`
			Passed      int    `json:"passed"`
			Failed      int    `json:"failed"`
			Seed        uint64 `json:"seed"`
			SessionSeed uint64 `json:"session_seed,omitempty"`
			StartTime   int64  `json:"start_time,omitempty"`
			Pace        string `json:"pace"`
			ElapsedMS   int64  `json:"elapsed_ms"`
			Interrupted bool   `json:"interrupted,omitempty"`
			Unreachable string `json:"unreachable,omitempty"`
		}{"summary", r.scenarios, total, r.passed, r.failed, s.seed, s.sessionSeed, s.startTime, s.pace.String(), s.elapsed.Milliseconds(), s.interrupted, r.unreachable}
		_ = r.json.Encode(out)
		return
	}
	replay := fmt.Sprintf("--seed %d", s.seed)
	if s.startTime > 0 {
		replay += fmt.Sprintf(" --start-time %d", s.startTime)
	}
	if s.sessionSeed != 0 {
		replay += fmt.Sprintf(" --session-seed %d", s.sessionSeed)
	}
	fmt.Fprintf(r.w, "\n%s, %s: %d passed, %d failed in %v (pace %s, %s)\n",
		plural(r.scenarios, "scenario", "scenarios"), plural(total, "delivery", "deliveries"),
		r.passed, r.failed, s.elapsed.Round(time.Millisecond), s.pace, replay)
	switch {
	case r.isUnreachable():
		// The caller explains on stderr.
	case s.interrupted:
		fmt.Fprintln(r.w, "INTERRUPTED: not every delivery was sent")
	case r.failed > 0:
		fmt.Fprintf(r.w, "FAIL: %s got an answer other than the one its step expects\n", plural(r.failed, "delivery", "deliveries"))
	}
}
