package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// runOptions are run's flags and arguments.
type runOptions struct {
	secret           secretFlags
	target           targetFlags
	paceFlag         string
	seed             uint64
	sessionSeed      uint64 // 0 until complete: fresh session IDs
	sessionSeedGiven bool   // --session-seed was given
	startTime        int64
	concurrency      int
	json             bool
	scenarios        []string // built-in names or YAML files; none: every journey

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
  wms-mock run happy-path --url URL --seed 7 --json
  wms-mock run happy-path --url URL --seed 7 --start-time 1700000000 --session-seed 7

Each session's events go out in order; --concurrency plays several sessions
at once. A line gives each session's ID as it starts (what to look up in
the receiver), then one line per delivery (scenario, sequence, event,
status, latency, verdict); an answer other than the expected one is
followed by the step's FILE:LINE and the answer's first bytes, and with
--retries every attempt of a retried delivery is shown. Then a summary.

Every run sends new sessions: --seed fixes the generated values
(measurement IDs, SNR), but the session IDs are fresh each time, so that
a receiver never takes a second run for redeliveries of the first that
changed. A scenario's session: key fixes its ID on purpose;
--session-seed fixes the generated ones, and with --seed and --start-time
the run sends the very same bytes again (as the last example does, every
time).

Exit 0 when every answer is the one its step expects (2xx unless the step
says otherwise), 1 when any differs or a scenario file is invalid, 2 on a
usage error or when the target cannot be reached at all: when a delivery
gets no connection (refused, no such host, no TCP connection within
--timeout, a TLS failure) before any has been answered, the run stops
there instead of trying the rest.`,
		ValidArgsFunction: completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenarios = args
			o.sessionSeedGiven = cmd.Flags().Changed("session-seed")
			if err := o.complete(cmd.Flags().Changed("seed")); err != nil {
				return err
			}
			return exited(runRun(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	o.target.register(fs, true)
	fs.StringVar(&o.paceFlag, "pace", "fast", "`MODE`: fast (no waiting; each event is stamped when it is sent, as WMS stamps it when it happens), realtime, or xN (N times faster than real time)")
	fs.Uint64Var(&o.seed, "seed", 0, "`N` for the generated values (measurement IDs, SNR): same seed, same values, in new sessions (default random, printed in the summary)")
	fs.Uint64Var(&o.sessionSeed, "session-seed", 0, "`N` (1 or more) for the generated session IDs, to send the same sessions again on purpose; with --seed and --start-time, the same bytes (default fresh IDs every run)")
	fs.Int64Var(&o.startTime, "start-time", 0, "`UNIX` seconds of the sessions' first event, the rest on the scenario's clock, for reproducible bytes (default: each event stamped when it is sent)")
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
	switch {
	case o.sessionSeedGiven && o.sessionSeed == 0:
		return errors.New("--session-seed must be 1 or more, got 0 (leave it out for fresh session IDs)")
	case !o.sessionSeedGiven:
		o.sessionSeed = freshSessionSeed()
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

	opts := scenarios.ExpandOptions{Seed: o.seed, SessionSeed: o.sessionSeed, Signer: signer}
	if o.startTime > 0 {
		opts.Start = time.Unix(o.startTime, 0)
	}
	rep := newRunReport(std.out, o.json, list)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Without --start-time, each delivery is stamped when it is sent, as a
	// real WMS stamps an event when it happens.
	runner := &scenarios.Runner{Sender: client, Pace: o.pace, Concurrency: o.concurrency, Stamp: o.startTime == 0}
	begin := time.Now()
	err = runner.Run(ctx, list, opts, func(r scenarios.Result) {
		rep.add(r)
		if rep.isUnreachable() {
			cancel() // nothing answered and nothing will: stop now
		}
	})
	sum := runSummary{seed: o.seed, startTime: o.startTime, pace: o.pace, elapsed: time.Since(begin), interrupted: err != nil && !rep.isUnreachable()}
	if o.sessionSeedGiven {
		sum.sessionSeed = o.sessionSeed
	}
	rep.summary(sum)
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

// freshSessionSeed draws the seed of a run's session IDs, never 0 (which
// would make them from --seed), so that no two runs send the same
// session.
func freshSessionSeed() uint64 { return rand.Uint64N(math.MaxUint64) + 1 }
