package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/replay"
	"github.com/wmsmock/wms-mock/scenarios"
)

// replayOptions are the flags of 'wms-mock replay'.
type replayOptions struct {
	secret   secretFlags
	target   targetFlags
	paceFlag string
	sessions []string
	fresh    bool
	seed     uint64
	json     bool
	files    []string

	pace scenarios.Pace // paceFlag, parsed
}

func newReplayCmd(std *stdio) *cobra.Command {
	o := &replayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE...",
		Short: "resend captured events, re-signed, in their order and rhythm",
		Long: `
Resend captured events to --url: the receiver's --events file, or a file
of raw event bodies, one JSON object a line. Each event is sent as it was
captured, byte for byte, re-signed with the secret given here, so that a
capture made with the production secret replays against staging with the
staging secret. Each session's events keep their order, sessions are
interleaved as they arrived, and the gaps between arrivals are kept, scaled
by --pace (fast sends without waiting).

--fresh gives every session a new ID, new measurement IDs and current
timestamps, edited in place: the target does not take the replay for
redeliveries of what it already has.

A line that cannot be replayed (a torn last line, a line that is not an
event, an event without a session ID) is reported at FILE:LINE and
skipped; the rest is replayed, and the exit status is 1.

  wms-mock receive --events capture.jsonl          # capture real traffic
  wms-mock replay capture.jsonl --url $STAGING --secret-file staging.secret
  wms-mock replay capture.jsonl --session ryueiwoqfh910fu3rpqruvfiu --fresh --pace realtime

Exit 0 when every delivery got a 2xx and no line was skipped, 1 otherwise,
2 on a usage error, an unreadable file or an unreachable target.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if err := o.validate(); err != nil {
				return err
			}
			return exited(runReplay(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	o.target.register(fs, true)
	fs.StringVar(&o.paceFlag, "pace", "fast", "`MODE`: fast (no waiting), realtime (the captured gaps), or xN (N times faster)")
	fs.StringArrayVar(&o.sessions, "session", nil, "replay only the session `ID` (repeatable; default every session)")
	fs.BoolVar(&o.fresh, "fresh", false, "new session IDs, measurement IDs and current timestamps, so the replay is no duplicate")
	fs.Uint64Var(&o.seed, "seed", 0, "`N` for --fresh's new IDs (default random)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per delivery, then a summary object")
	cmd.RegisterFlagCompletionFunc("pace", cobra.FixedCompletions([]cobra.Completion{"fast", "realtime", "x10"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *replayOptions) validate() error {
	pace, err := scenarios.ParsePace(o.paceFlag)
	if err != nil {
		return fmt.Errorf("--pace: %v", err)
	}
	o.pace = pace
	return o.target.validate()
}

// runReplay reads the captures, reports what it skipped, and sends the
// rest as run would.
func runReplay(ctx context.Context, o *replayOptions, std *stdio) int {
	capture, err := replay.ReadFiles(o.files...)
	if err != nil {
		return setupError(std, "replay", err)
	}
	reportSkipped(std, "replay", capture)
	signer, err := o.secret.signer(std)
	if err != nil {
		return setupError(std, "replay", err)
	}
	plan, err := replay.Prepare(capture.Events, replay.Options{Signer: signer, Sessions: o.sessions, Pace: o.pace, Fresh: o.fresh, Seed: o.seed})
	if err != nil {
		return setupError(std, "replay", err)
	}
	client, err := o.target.client(std, 1)
	if err != nil {
		return setupError(std, "replay", err)
	}
	defer client.Close()

	rep := newRunReport(std.out, o.json, nil)
	rep.scenarios = len(plan.Sessions)
	for _, f := range o.files {
		rep.nameWidth = max(rep.nameWidth, len(f))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	begin := time.Now()
	err = plan.Play(ctx, client, func(r scenarios.Result) {
		rep.add(r)
		if rep.isUnreachable() {
			cancel()
		}
	})
	rep.replaySummary(len(plan.Sessions), capture.Skipped, o.pace, time.Since(begin), err != nil && !rep.isUnreachable())
	switch {
	case rep.isUnreachable():
		fmt.Fprintf(std.errOut, "wms-mock replay: cannot reach %s: %s\n", emitter.RedactURL(client.URL()), rep.unreachable)
		return exitUsage
	case err != nil && !errors.Is(err, context.Canceled):
		return setupError(std, "replay", err)
	case err != nil || rep.failed > 0 || capture.Skipped > 0:
		return exitFail
	}
	return exitOK
}

// reportSkipped prints each line a capture skipped, on standard error.
func reportSkipped(std *stdio, cmd string, c *replay.Capture) {
	for _, p := range c.Problems {
		fmt.Fprintf(std.errOut, "wms-mock %s: %s (line skipped)\n", cmd, p.Error())
	}
	if more := c.Skipped - len(c.Problems); more > 0 {
		fmt.Fprintf(std.errOut, "wms-mock %s: %d more lines skipped\n", cmd, more)
	}
}

// replaySummary closes a replay's report.
func (r *runReport) replaySummary(sessions, skipped int, pace scenarios.Pace, elapsed time.Duration, interrupted bool) {
	total := r.passed + r.failed
	if r.json != nil {
		_ = r.json.Encode(struct {
			Type        string `json:"type"`
			Sessions    int    `json:"sessions"`
			Deliveries  int    `json:"deliveries"`
			Passed      int    `json:"passed"`
			Failed      int    `json:"failed"`
			Skipped     int    `json:"skipped_lines"`
			Pace        string `json:"pace"`
			ElapsedMS   int64  `json:"elapsed_ms"`
			Interrupted bool   `json:"interrupted,omitempty"`
			Unreachable string `json:"unreachable,omitempty"`
		}{"summary", sessions, total, r.passed, r.failed, skipped, pace.String(), elapsed.Milliseconds(), interrupted, r.unreachable})
		return
	}
	fmt.Fprintf(r.w, "\n%s, %s: %d passed, %d failed in %v (pace %s); %s skipped\n",
		plural(sessions, "session", "sessions"), plural(total, "delivery", "deliveries"),
		r.passed, r.failed, elapsed.Round(time.Millisecond), pace, plural(skipped, "capture line", "capture lines"))
	switch {
	case r.isUnreachable():
	case interrupted:
		fmt.Fprintln(r.w, "INTERRUPTED: not every event was replayed")
	case r.failed > 0:
		fmt.Fprintf(r.w, "FAIL: %s got no 2xx\n", plural(r.failed, "delivery", "deliveries"))
	}
}

// scenarioFromEventsOptions are the flags of 'wms-mock scenario from-events'.
type scenarioFromEventsOptions struct {
	session string
	out     string
	files   []string
}

func newScenarioCmd(std *stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "turn captured traffic into scenarios",
		Long: `
Work with scenarios beyond the built-ins. 'wms-mock scenario from-events'
writes the scenario that reproduces a captured session.`,
		Args: noArgs("name a subcommand: from-events"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return errors.New("name a subcommand: from-events")
		},
	}
	cmd.AddCommand(newScenarioFromEventsCmd(std))
	return cmd
}

func newScenarioFromEventsCmd(std *stdio) *cobra.Command {
	o := &scenarioFromEventsOptions{}
	cmd := &cobra.Command{
		Use:   "from-events FILE... --session ID",
		Short: "write the YAML scenario that reproduces one captured session",
		Long: `
Write the YAML scenario that reproduces one captured session: its events
in order, the payload values that differ from what wms-mock would
generate, and the gaps between events as after:. The scenario is valid
under 'wms-mock validate', and running it sends the same event sequence
in a new session each time: this is how a real session becomes a
regression case.

  wms-mock scenario from-events capture.jsonl --session ryueiwoqfh910fu3rpqruvfiu -o odd-session.yaml
  wms-mock run odd-session.yaml --url $URL

Skipped capture lines are reported on standard error and make the exit
status 1; the scenario is still written from the rest.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if o.session == "" {
				return errors.New("--session ID is required: the captured session to write a scenario for")
			}
			return exited(runScenarioFromEvents(o, std))
		},
	}
	cmd.Flags().StringVar(&o.session, "session", "", "the captured session `ID`")
	cmd.Flags().StringVarP(&o.out, "output", "o", "", "write the scenario to `FILE` (default standard output)")
	return cmd
}

func runScenarioFromEvents(o *scenarioFromEventsOptions, std *stdio) int {
	capture, err := replay.ReadFiles(o.files...)
	if err != nil {
		return setupError(std, "scenario from-events", err)
	}
	reportSkipped(std, "scenario from-events", capture)
	yaml, err := replay.ToScenario(capture.Events, o.session)
	if err != nil {
		return setupError(std, "scenario from-events", err)
	}
	if o.out == "" {
		std.out.Write(yaml)
	} else if err := os.WriteFile(o.out, yaml, 0o644); err != nil {
		return setupError(std, "scenario from-events", fmt.Errorf("cannot write the scenario: %w", err))
	}
	if capture.Skipped > 0 {
		return exitFail
	}
	return exitOK
}
