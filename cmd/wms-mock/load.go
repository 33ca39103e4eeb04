package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/load"
)

// loadOptions are load's flags.
type loadOptions struct {
	target      targetFlags
	secret      secretFlags
	sessions    int
	duration    time.Duration
	concurrency int
	rate        float64
	mixFlag     string
	seed        uint64
	json        bool

	mix []load.Weighted // mixFlag, parsed
}

// defaultLoadDuration is how long a run lasts with neither --sessions nor
// --duration.
const defaultLoadDuration = 10 * time.Second

func newLoadCmd(std *stdio) *cobra.Command {
	o := &loadOptions{}
	cmd := &cobra.Command{
		Use:   "load",
		Short: "send many concurrent realistic sessions and report latency",
		Long: `
Send many concurrent realistic WMS sessions to a webhook and report how fast
it answers: latency percentiles (p50, p90, p99, p99.9, max), status counts
and failure classes. Each session is a built-in journey drawn at random
(seeded), or a scenario drawn from --mix; every event is encoded and signed
afresh, and a session's events go out one at a time, in order.

By default --concurrency sessions are in flight at once, each sending its
next event as soon as the previous one is answered (closed model): this
finds the receiver's capacity, and latency runs from sending an event to
its answer. --rate R sends R events per second whatever the receiver does
(open model, as vegeta does); --concurrency then bounds the requests in
flight. There an event's latency also counts the time it waited for a free
slot, so a slow receiver cannot hide its latency (no coordinated
omission), but not the generator's own delay between the event falling
due and its sending (timer oversleep, waking a worker, building a
session): that is reported apart as the lag (p50, p99, max), with a
warning when its p99 exceeds the latency p50, and events that fell due but
were never sent are reported as missed. With a receiver that answers
faster than 1/R, sessions in the open model run mostly one after another
(few open at once).

The run stops after --sessions sessions or --duration, whichever is given
(default --duration 10s). A live progress line is shown on a terminal.
Before the run, one GET checks that the URL answers at all (any status
will do; a receiver answers it 405 and stores nothing). Exit 0 when every
delivery got a 2xx, 1 when any did not or the run was interrupted, 2 on
bad usage or an unreachable URL.

  wms-mock load --url http://127.0.0.1:8080/webhook --sessions 1000 --concurrency 50
  wms-mock load --url $URL --rate 500 --duration 1m --json
  wms-mock load --url $URL --mix happy-path=8,camera-permission-denied=1,low-snr=1

--json prints one object: model, concurrency, rate, sent, ok, failed,
missed, duration_s, rps (deliveries per second), latency_ms {p50, p90,
p99, "p99.9", max}, lag_ms {p50, p99, max} (open model only), status
{code: count}, failures {class: count}, sessions {started, completed},
journeys, seed.`,
		Args:              noArgs("scenarios go in --mix NAME=WEIGHT"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(cmd.Flags().Changed); err != nil {
				return err
			}
			return exited(runLoad(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.target.register(fs, false)
	o.secret.register(fs)
	fs.IntVar(&o.sessions, "sessions", 0, "run `N` sessions, then stop")
	fs.Var((*durationValue)(&o.duration), "duration", "run for `D`, then stop (default "+defaultLoadDuration.String()+" unless --sessions is given)")
	fs.IntVar(&o.concurrency, "concurrency", load.DefaultConcurrency,
		fmt.Sprintf("sessions in flight (closed model), or the most requests in flight with --rate (at most %d)", load.MaxConcurrency))
	fs.Float64Var(&o.rate, "rate", 0,
		fmt.Sprintf("open model: send `R` events per second whatever the receiver does (%s to %s; 0 is the closed model)", number(load.MinRate), number(load.MaxRate)))
	fs.StringVar(&o.mixFlag, "mix", "", "draw sessions from the scenarios of `NAME=WEIGHT,...` (built-in names or YAML files; default every built-in journey alike)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the journeys drawn and their generated values, not of the session IDs, which are new each run (default random; the summary shows it)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of the text summary")
	return cmd
}

// complete checks the flags and fills in the defaults that depend on
// which flags were given. The bounds of --concurrency and --rate are the
// load generator's own.
func (o *loadOptions) complete(given func(flag string) bool) error {
	if err := o.target.validate(); err != nil {
		return err
	}
	switch {
	case given("sessions") && given("duration"):
		return errors.New("give --sessions or --duration, not both")
	case given("sessions"):
		if err := atLeast("sessions", o.sessions, 1); err != nil {
			return err
		}
	case given("duration"):
		if err := positive("duration", o.duration); err != nil {
			return err
		}
	default:
		o.duration = defaultLoadDuration
	}
	if err := load.CheckConcurrency(o.concurrency); err != nil {
		return fmt.Errorf("--concurrency: %w", err)
	}
	if load.CheckRate(o.rate) != nil {
		// In words of its own: the load package's bounds read 1e+06.
		return fmt.Errorf("--rate %s: want 0 (the closed model) or %s to %s events per second", number(o.rate), number(load.MinRate), number(load.MaxRate))
	}
	if !given("seed") {
		// Below 2^53, so that every JSON reader keeps it exact.
		o.seed = rand.Uint64N(1 << 53)
	}
	if o.mixFlag != "" {
		var err error
		if o.mix, err = load.ParseMix(o.mixFlag); err != nil {
			return fmt.Errorf("--mix: %w", err)
		}
	}
	return nil
}

// runLoad checks that the webhook answers, runs the load and reports it.
func runLoad(ctx context.Context, o *loadOptions, std *stdio) int {
	signer, err := o.secret.signer(std)
	if err != nil {
		return setupError(std, "load", err)
	}
	client, err := o.target.client(std, o.concurrency)
	if err != nil {
		return setupError(std, "load", err)
	}
	defer client.Close()
	src, err := load.MixSource(o.mix, signer, o.seed)
	if err != nil {
		return setupError(std, "load", err)
	}
	if err := reachable(ctx, client); err != nil {
		return setupError(std, "load", err)
	}

	tuneGC(o.concurrency)
	cfg := load.Config{
		Source: src, Sender: client,
		Sessions: o.sessions, Duration: o.duration,
		Concurrency: o.concurrency, Rate: o.rate,
	}
	showProgress := isTerminal(std.errOut)
	if showProgress {
		cfg.Progress = func(s load.Snapshot) { fmt.Fprintf(std.errOut, "\r%s\x1b[K", s) }
	}
	res, err := load.Run(ctx, cfg)
	if showProgress {
		fmt.Fprint(std.errOut, "\r\x1b[K")
	}
	if err != nil && res == nil {
		return setupError(std, "load", err)
	}
	if o.json {
		out, jerr := json.Marshal(struct {
			*load.Result
			Seed uint64 `json:"seed"`
		}{res, o.seed})
		if jerr != nil {
			return setupError(std, "load", jerr)
		}
		fmt.Fprintf(std.out, "%s\n", out)
	} else {
		fmt.Fprintf(std.out, "wms-mock load: %s, seed %d\n", emitter.RedactURL(client.URL()), o.seed)
		res.WriteText(std.out)
	}
	switch {
	case err != nil:
		return setupError(std, "load", err)
	case res.Failed > 0:
		fmt.Fprintf(std.errOut, "wms-mock load: %d of %d deliveries did not get a 2xx answer\n", res.Failed, res.Sent)
		return exitFail
	case res.Interrupted:
		fmt.Fprintln(std.errOut, "wms-mock load: interrupted before the end of the run")
		return exitFail
	}
	return exitOK
}

// tuneGC trades memory for CPU. A load generator allocates a few KiB per
// request and keeps little, so Go's default (GOGC=100) collects dozens of
// times a second; GOGC=400 cut the generator's CPU per request by about 15%
// (bench/README.md). The soft memory limit, sized by the concurrency, stops
// the heap from growing past what the run needs: at concurrency 1,000 the
// process stays under 200 MiB. GOGC or GOMEMLIMIT in the environment win.
func tuneGC(concurrency int) {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(64<<20 + int64(concurrency)*96<<10)
}

// reachable asks the webhook once with a GET, which no receiver stores, so
// that a dead host, a wrong port or scheme, or a certificate problem is one
// setup error rather than a run of failures. Any HTTP answer will do.
func reachable(ctx context.Context, client *emitter.Client) error {
	out := client.Send(ctx, emitter.Request{Method: http.MethodGet})
	if noConnection(out.Class) {
		return fmt.Errorf("cannot reach %s: %s", emitter.RedactURL(client.URL()), out.Message)
	}
	return nil
}
