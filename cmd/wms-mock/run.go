package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/scenarios"
)

// runOptions are run's flags and arguments.
type runOptions struct {
	secret      secretFlags
	target      targetFlags
	paceFlag    string
	seed        uint64
	startTime   int64
	concurrency int
	json        bool
	scenarios   []string // built-in names or YAML files; none: every journey

	pace scenarios.Pace // paceFlag, parsed
}

// maxStartTime is the largest --start-time: a Unix time in seconds has 10
// digits until the year 2286 and 11 until 5138; 13 digits are
// milliseconds.
const maxStartTime = 99_999_999_999

func newRunCmd(std *stdio) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [SCENARIO...]",
		Short: "emit scenarios (built-in names or YAML files) to a webhook and report each delivery",
		Long: `
Emit scenarios to a webhook and report the answer to every delivery.
SCENARIO is a built-in name ('wms-mock list' shows them) or a YAML file
(docs/scenarios.md describes the schema); with none, every built-in
journey is played: realistic, fault-free sessions.

  WMS_MAC_SECRET=... wms-mock run --url https://example.com/hook
  wms-mock run happy-path edge-duplicate my-case.yaml --url URL --pace realtime
  wms-mock run happy-path --url URL --seed 7 --start-time 1700000000 --json

Each session's events go out in order; --concurrency plays several sessions
at once. One line per delivery (scenario, sequence, event, status, latency,
verdict), then a summary. Exit 0 when every answer is the one its step
expects (2xx unless the step says otherwise), 1 when any differs or a
scenario file is invalid, 2 on a usage error or when the target cannot be
reached at all: when a delivery gets no connection (refused, no such host,
no TCP connection within --timeout, a TLS failure) before any has been
answered, the run stops there instead of trying the rest.`,
		ValidArgsFunction: completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenarios = args
			if err := o.complete(cmd.Flags().Changed("seed")); err != nil {
				return err
			}
			return exited(runRun(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	o.target.register(fs, true)
	fs.StringVar(&o.paceFlag, "pace", "fast", "`MODE`: fast (no waiting; timestamps still follow the scenario's clock), realtime, or xN (N times faster than real time)")
	fs.Uint64Var(&o.seed, "seed", 0, "`N` for the generated values (session and measurement IDs, SNR): same seed, same bytes (default random, printed in the summary)")
	fs.Int64Var(&o.startTime, "start-time", 0, "`UNIX` seconds of the sessions' first event, for reproducible timestamps (default now, per session)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "play `N` sessions at once")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per delivery, then a summary object")
	cmd.RegisterFlagCompletionFunc("pace", cobra.FixedCompletions([]cobra.Completion{"fast", "realtime", "x10"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// complete checks the flags and fills in what they leave to chance: a
// random seed unless one was given.
func (o *runOptions) complete(seedGiven bool) error {
	pace, err := scenarios.ParsePace(o.paceFlag)
	if err != nil {
		return fmt.Errorf("--pace: %v", err)
	}
	o.pace = pace
	if err := atLeast("concurrency", o.concurrency, 1); err != nil {
		return err
	}
	switch {
	case o.startTime < 0:
		return fmt.Errorf("--start-time is Unix seconds, 0 or more, got %d", o.startTime)
	case o.startTime > maxStartTime:
		return fmt.Errorf("--start-time %d looks like milliseconds: give Unix seconds, such as %d", o.startTime, o.startTime/1000)
	}
	if err := o.target.validate(); err != nil {
		return err
	}
	if !seedGiven {
		o.seed = rand.Uint64N(1e9)
	}
	return nil
}

// runRun plays the scenarios and reports every delivery.
func runRun(ctx context.Context, o *runOptions, std *stdio) int {
	list := scenarios.Journeys()
	if len(o.scenarios) > 0 {
		var code int
		if list, code = findScenarios(std, "run", o.scenarios); code != exitOK {
			return code
		}
	}
	signer, err := o.secret.signer(std)
	if err != nil {
		return setupError(std, "run", err)
	}
	client, err := o.target.client(std, o.concurrency)
	if err != nil {
		return setupError(std, "run", err)
	}
	defer client.Close()

	opts := scenarios.ExpandOptions{Seed: o.seed, Signer: signer}
	if o.startTime > 0 {
		opts.Start = time.Unix(o.startTime, 0)
	}
	rep := newRunReport(std.out, o.json, list)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runner := &scenarios.Runner{Sender: client, Pace: o.pace, Concurrency: o.concurrency}
	begin := time.Now()
	err = runner.Run(ctx, list, opts, func(r scenarios.Result) {
		rep.add(r)
		if rep.isUnreachable() {
			cancel() // nothing answered and nothing will: stop now
		}
	})
	rep.summary(runSummary{seed: o.seed, startTime: o.startTime, pace: o.pace, elapsed: time.Since(begin), interrupted: err != nil && !rep.isUnreachable()})
	switch {
	case rep.isUnreachable():
		fmt.Fprintf(std.errOut, "wms-mock run: cannot reach %s: %s\n", emitter.RedactURL(client.URL()), rep.unreachable)
		return exitUsage
	case err != nil && !errors.Is(err, context.Canceled):
		return setupError(std, "run", err)
	case err != nil || rep.failed > 0:
		return exitFail
	}
	return exitOK
}

// runReport prints deliveries as they come and counts them.
type runReport struct {
	w              io.Writer
	json           *json.Encoder
	nameWidth      int
	scenarios      int
	passed, failed int
	answered       int
	unreachable    string
}

func newRunReport(w io.Writer, asJSON bool, list []*scenarios.Scenario) *runReport {
	r := &runReport{w: w, scenarios: len(list), nameWidth: 8}
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
	Type      string  `json:"type"`
	Scenario  string  `json:"scenario"`
	Session   string  `json:"session"`
	Step      int     `json:"step"`
	Line      int     `json:"line"`
	Event     string  `json:"event,omitempty"`
	Sequence  *int64  `json:"sequence"`
	AtMS      int64   `json:"at_ms"`
	Fault     string  `json:"fault,omitempty"`
	Expect    string  `json:"expect"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Class     string  `json:"class,omitempty"`
	Message   string  `json:"message,omitempty"`
	Passed    bool    `json:"passed"`
}

func (r *runReport) add(res scenarios.Result) {
	d, a := res.Delivery, res.Outcome.Attempt
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
		out := deliveryJSON{
			Type: "delivery", Scenario: d.Scenario, Session: d.SessionID, Step: d.Step, Line: d.Line, Event: d.Event,
			AtMS: d.At.Milliseconds(), Fault: d.Fault, Expect: d.Expect.String(), Status: a.Status,
			LatencyMS: float64(a.Latency.Microseconds()) / 1000, Class: string(a.Class), Message: a.Message, Passed: res.Passed,
		}
		if d.Sequence >= 0 {
			out.Sequence = &d.Sequence
		}
		_ = r.json.Encode(out)
		return
	}
	seq, event := "-", d.Event
	if d.Sequence >= 0 {
		seq = fmt.Sprint(d.Sequence)
	}
	if event == "" {
		event = "(raw body)"
	}
	status := string(a.Class)
	if a.Class == "" {
		status = fmt.Sprint(a.Status)
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
	fmt.Fprintf(r.w, "%-*s %4s  %-29s %7s %9s  %s%s\n", r.nameWidth, d.Scenario, seq, event, status, latency(a.Latency), verdict, note)
}

// latency is a delivery's latency in the report, "-" when it got none.
func latency(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return humanize.Duration(d)
}

type runSummary struct {
	seed        uint64
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
			StartTime   int64  `json:"start_time,omitempty"`
			Pace        string `json:"pace"`
			ElapsedMS   int64  `json:"elapsed_ms"`
			Interrupted bool   `json:"interrupted,omitempty"`
			Unreachable string `json:"unreachable,omitempty"`
		}{"summary", r.scenarios, total, r.passed, r.failed, s.seed, s.startTime, s.pace.String(), s.elapsed.Milliseconds(), s.interrupted, r.unreachable}
		_ = r.json.Encode(out)
		return
	}
	replay := fmt.Sprintf("--seed %d", s.seed)
	if s.startTime > 0 {
		replay += fmt.Sprintf(" --start-time %d", s.startTime)
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
