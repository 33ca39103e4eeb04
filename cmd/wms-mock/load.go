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
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/htmlreport"
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
	htmlReport  string

	maxP50, maxP90, maxP99 time.Duration
	maxFailureRate         fractionValue

	mix        []load.Weighted // mixFlag, parsed
	thresholds load.Thresholds // the --max-* flags, checked
}

// defaultLoadDuration is how long a run lasts with neither --sessions nor
// --duration.
const defaultLoadDuration = 10 * time.Second

// loadHelp is load's --help.
const loadHelp = `
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
will do; a receiver answers it 405 and stores nothing).

Thresholds gate a CI job on the receiver, as k6's do: --max-p50, --max-p90
and --max-p99 bound those latency percentiles, and --max-failure-rate the
fraction of deliveries that did not get a 2xx answer (0.01 or 1% allows
one in a hundred; a rate at or under it passes). A run that breaches any
exits 1 and says which: a "breach" line in the summary and on stderr,
"breached" in --json. Without --max-failure-rate any failed delivery exits
1; with it, failures within the rate do not fail the run.

Exit 0 when every delivery got a 2xx (or the failures stayed within
--max-failure-rate) and every threshold was met, 1 when not or when the
run was interrupted, 2 on bad usage or an unreachable URL.

  wms-mock load --url http://127.0.0.1:8080/webhook --sessions 1000 --concurrency 50
  wms-mock load --url $URL --rate 500 --duration 1m --json
  wms-mock load --url $URL --mix happy-path=8,camera-permission-denied=1,low-snr=1

  # In CI: fail the job when the p99 latency exceeds 250ms or more than
  # 0.1% of deliveries fail; the JSON is kept as the job's artifact.
  wms-mock load --url $URL --duration 30s --concurrency 20 \
      --max-p99 250ms --max-failure-rate 0.001 --json > load.json

Deliveries go out over a lean HTTP/1.1 client of the generator's own
(fasthttp's connections and parser), so that the generator takes little of
the CPU from a receiver on the same machine. When HTTP_PROXY or
HTTPS_PROXY applies to the URL, they go through Go's net/http client
instead, which honours it, at more CPU per event (a line on stderr says
so). Each request in flight holds a connection, and so an open file: when
--concurrency exceeds the open-file limit (ulimit -n) a warning says so
before the run, and the connections past it fail as too_many_open_files,
the generator's limit, not the receiver's.

--json prints one object: model, concurrency, rate, sent, ok, failed,
missed, duration_s, rps (deliveries per second), latency_ms {p50, p90,
p99, "p99.9", max}, lag_ms {p50, p99, max} (open model only), status
{code: count}, failures {class: count}, sessions {started, completed},
journeys, seed, and with any --max-* flag thresholds {max_p50_ms,
max_p90_ms, max_p99_ms, max_failure_rate} (those given) and breached
[{threshold, limit, value, message}] (absent when all were met), timeline
[{at_s, sent, ok, failed, p50_ms, p90_ms, p99_ms}] (one a second, the
first hour), distribution [{up_to_ms, above, count}].

--html-report FILE writes the run as one self-contained page (no request
to any host; opens from file://): settings, totals, percentiles,
thresholds, throughput and p50/p90/p99 per second, the latency
distribution, status counts and failure classes. The path is checked
before anything is sent; the page is written at the end of every run that
started, breached or interrupted.`

func newLoadCmd(std *stdio) *cobra.Command {
	o := &loadOptions{}
	cmd := &cobra.Command{
		Use:               "load",
		Short:             "send many concurrent realistic sessions and report latency",
		Long:              loadHelp,
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
		fmt.Sprintf("`N` sessions in flight (closed model), or with --rate the most requests in flight (up to %d)", load.MaxConcurrency))
	fs.Float64Var(&o.rate, "rate", 0,
		fmt.Sprintf("open model: send `R` events per second whatever the receiver does (%s to %s; 0 is the closed model)", number(load.MinRate), number(load.MaxRate)))
	fs.StringVar(&o.mixFlag, "mix", "", "draw sessions from the scenarios of `NAME=WEIGHT,...` (built-in names or YAML files; default every built-in journey alike)")
	fs.Uint64Var(&o.seed, "seed", 0, "`N` for the journeys drawn and their generated values, not of the session IDs, which are new each run (default random; the summary shows it)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of the text summary")
	fs.StringVar(&o.htmlReport, "html-report", "", "also write a self-contained HTML page of the run (throughput and latency per second, distribution, answers) to `FILE`")
	for _, p := range []struct {
		name string
		v    *time.Duration
	}{{"max-p50", &o.maxP50}, {"max-p90", &o.maxP90}, {"max-p99", &o.maxP99}} {
		fs.Var((*durationValue)(p.v), p.name, "threshold: exit 1 when the "+strings.TrimPrefix(p.name, "max-")+" latency is over `D`")
	}
	fs.Var(&o.maxFailureRate, "max-failure-rate", "threshold: exit 1 when more than `FRACTION` of deliveries fail (0 to 1, or a percentage: 0.01 and 1% are the same); failures within it do not fail the run")
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
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"max-p50", o.maxP50}, {"max-p90", o.maxP90}, {"max-p99", o.maxP99}} {
		if given(d.flag) {
			if err := positive(d.flag, d.v); err != nil {
				return err
			}
		}
	}
	o.thresholds = load.Thresholds{MaxP50: o.maxP50, MaxP90: o.maxP90, MaxP99: o.maxP99, MaxFailureRate: o.maxFailureRate.v}
	if err := load.CheckThresholds(o.thresholds); err != nil {
		return err
	}
	if !given("seed") {
		// Below 2^53, so that every JSON reader keeps it exact.
		o.seed = rand.Uint64N(1 << 53)
	}
	if o.htmlReport != "" {
		if err := htmlreport.Writable(o.htmlReport); err != nil {
			return err
		}
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
	sender, err := o.sender(std)
	if err != nil {
		return setupError(std, "load", err)
	}
	defer sender.Close()
	src, err := load.MixSource(o.mix, signer, o.seed)
	if err != nil {
		return setupError(std, "load", err)
	}
	if w := load.OpenFilesWarning(o.concurrency); w != "" {
		fmt.Fprintf(std.errOut, "wms-mock load: warning: %s\n", w)
	}
	if err := reachable(ctx, sender); err != nil {
		return setupError(std, "load", err)
	}

	tuneGC(o.concurrency)
	cfg := load.Config{
		Source: src, Sender: sender,
		Sessions: o.sessions, Duration: o.duration,
		Concurrency: o.concurrency, Rate: o.rate,
		Thresholds: o.thresholds,
	}
	showProgress := isTerminal(std.errOut)
	if showProgress {
		cfg.Progress = func(s load.Snapshot) { fmt.Fprintf(std.errOut, "\r%s\x1b[K", s) }
	}
	started := time.Now()
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
		fmt.Fprintf(std.out, "wms-mock load: %s, seed %d\n", emitter.RedactURL(sender.URL()), o.seed)
		res.WriteText(std.out)
	}
	if o.htmlReport != "" {
		page := htmlreport.LoadRun{Target: emitter.RedactURL(sender.URL()), Version: emitter.Version, Seed: o.seed,
			Sessions: o.sessions, Duration: o.duration, StartedAt: started, Result: res}
		if werr := htmlreport.WriteLoadFile(o.htmlReport, page); werr != nil {
			return setupError(std, "load", werr)
		}
	}
	if err != nil {
		return setupError(std, "load", err)
	}
	return o.verdict(res, std)
}

// verdict says on stderr why the run failed, if it did, and returns its
// exit code: 1 for each threshold breached, for any failed delivery when
// --max-failure-rate does not tolerate some, for an interrupted run.
func (o *loadOptions) verdict(res *load.Result, std *stdio) int {
	code := exitOK
	for _, br := range res.Breached {
		fmt.Fprintf(std.errOut, "wms-mock load: threshold breached: %s\n", br.Message)
		code = exitFail
	}
	switch {
	case res.Failed > 0 && o.thresholds.MaxFailureRate == nil:
		fmt.Fprintf(std.errOut, "wms-mock load: %d of %d deliveries did not get a 2xx answer\n", res.Failed, res.Sent)
		code = exitFail
	case res.Interrupted:
		fmt.Fprintln(std.errOut, "wms-mock load: interrupted before the end of the run")
		code = exitFail
	}
	return code
}

// loadSender is what a run sends through: a load.HTTPSender, or an
// emitter.Client where a proxy applies.
type loadSender interface {
	webhook
	Close()
}

// sender returns the load generator's HTTP sender for the URL, or, when
// the environment sends the URL through a proxy, which only net/http
// honours, an emitter.Client, saying so in one line.
func (o *loadOptions) sender(std *stdio) (loadSender, error) {
	s, err := load.NewHTTPSender(o.target.webhookURL(std), o.target.httpOptions(o.concurrency)...)
	switch {
	case errors.Is(err, load.ErrProxied):
		fmt.Fprintf(std.errOut, "wms-mock load: %v: sending through net/http, which honours it, at more CPU per event (NO_PROXY=host sends directly)\n", err)
		return o.target.client(std, o.concurrency)
	case err != nil:
		return nil, err
	}
	return s, nil
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

// webhook is what reachable needs of a sender: load.HTTPSender and
// emitter.Client are both one.
type webhook interface {
	Send(ctx context.Context, r emitter.Request) emitter.Outcome
	URL() string
}

// reachable asks the webhook once with a GET, which no receiver stores, so
// that a dead host, a wrong port or scheme, or a certificate problem is one
// setup error rather than a run of failures. Any HTTP answer will do. A
// generator out of open files is its own problem, not the webhook's: it
// says so rather than "cannot reach".
func reachable(ctx context.Context, w webhook) error {
	out := w.Send(ctx, emitter.Request{Method: http.MethodGet})
	switch {
	case out.Class == load.FailTooManyOpenFiles:
		return fmt.Errorf("checking the URL: %s", out.Message)
	case noConnection(out.Class):
		return fmt.Errorf("cannot reach %s: %s", emitter.RedactURL(w.URL()), out.Message)
	}
	return nil
}

// fractionValue is --max-failure-rate: a fraction from 0 to 1, or a
// percentage; nil until given, since 0 is a limit (no failure at all).
type fractionValue struct{ v *float64 }

func (f *fractionValue) String() string {
	if f.v == nil {
		return ""
	}
	return number(*f.v)
}

// Type names the value's placeholder in the help.
func (f *fractionValue) Type() string { return "fraction" }

func (f *fractionValue) Set(s string) error {
	text, percent := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(text, 64)
	if percent {
		v /= 100
	}
	if err != nil || !(v >= 0 && v <= 1) {
		return errors.New("want a fraction from 0 to 1, like 0.01, or a percentage, like 1%")
	}
	f.v = &v
	return nil
}
