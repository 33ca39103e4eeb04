package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/load"
)

func runLoad(ctx context.Context, std *stdio, args []string) int {
	fs := newFlagSet("load", "", `
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
journeys, seed.`, std)
	target := addTargetFlags(fs)
	secret := addSecretFlags(fs)
	sessions := fs.Int("sessions", 0, "run `N` sessions, then stop")
	duration := fs.Duration("duration", 0, "run for `D`, then stop (default 10s unless --sessions is given)")
	concurrency := fs.Int("concurrency", load.DefaultConcurrency, "sessions in flight (closed model), or the most requests in flight with --rate (at most 100000)")
	rate := fs.Float64("rate", 0, "open model: send `R` events per second whatever the receiver does (0.001 to 1e6; 0 is the closed model)")
	mixFlag := fs.String("mix", "", "draw sessions from the scenarios of `NAME=WEIGHT,...` (built-in names or YAML files; default every built-in journey alike)")
	seed := fs.Uint64("seed", 0, "seed of the journeys drawn and their generated values, not of the session IDs, which are new each run (default random; the summary shows it)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text summary")
	if code, done := parse(fs, args, std); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(std, "load", "unexpected argument %q: scenarios go in --mix NAME=WEIGHT", fs.Arg(0))
	}
	if err := target.validate(); err != nil {
		return usageError(std, "load", "%v", err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case given["sessions"] && given["duration"]:
		return usageError(std, "load", "give --sessions or --duration, not both")
	case given["sessions"] && *sessions <= 0:
		return usageError(std, "load", "--sessions must be 1 or more, got %d", *sessions)
	case given["duration"] && *duration <= 0:
		return usageError(std, "load", "--duration must be positive, got %v", *duration)
	case *concurrency <= 0 || *concurrency > load.MaxConcurrency:
		return usageError(std, "load", "--concurrency must be from 1 to %d, got %d", load.MaxConcurrency, *concurrency)
	case *rate != 0 && !(*rate >= 0.001 && *rate <= 1e6):
		return usageError(std, "load", "--rate must be from 0.001 to 1e6 events per second (or 0 for the closed model), got %g", *rate)
	case !given["sessions"] && !given["duration"]:
		*duration = 10 * time.Second
	}
	if !given["seed"] {
		// Below 2^53, so that every JSON reader keeps it exact.
		*seed = rand.Uint64N(1 << 53)
	}
	var mix []load.Weighted
	if *mixFlag != "" {
		var err error
		if mix, err = load.ParseMix(*mixFlag); err != nil {
			return usageError(std, "load", "--mix: %v", err)
		}
	}

	signer, err := secret.signer(std)
	if err != nil {
		return setupError(std, "load", err)
	}
	client, err := target.client(std, *concurrency)
	if err != nil {
		return setupError(std, "load", err)
	}
	defer client.Close()
	src, err := load.MixSource(mix, signer, *seed)
	if err != nil {
		return setupError(std, "load", err)
	}
	if err := reachable(ctx, client); err != nil {
		return setupError(std, "load", err)
	}

	tuneGC(*concurrency)
	cfg := load.Config{
		Source: src, Sender: client,
		Sessions: *sessions, Duration: *duration,
		Concurrency: *concurrency, Rate: *rate,
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
	if *asJSON {
		out, jerr := json.Marshal(struct {
			*load.Result
			Seed uint64 `json:"seed"`
		}{res, *seed})
		if jerr != nil {
			return setupError(std, "load", jerr)
		}
		fmt.Fprintf(std.out, "%s\n", out)
	} else {
		fmt.Fprintf(std.out, "wms-mock load: %s, seed %d\n", emitter.RedactURL(client.URL()), *seed)
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
