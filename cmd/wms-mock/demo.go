package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"text/tabwriter"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/scenarios"
)

func runDemo(ctx context.Context, std *stdio, args []string) int {
	fs := newFlagSet("demo", "", `
The embedded default, and the quickest look at what wms-mock does: it
starts the reference receiver on a free loopback port with a random MAC
secret, plays every built-in journey against it (signed, sequenced, with
realistic timestamps), runs the conformance suite against it, and prints a
summary: deliveries, events per kind, contract findings, verdict. Nothing
leaves the machine. Exit 0 when every delivery was accepted, the journeys
broke no part of the documented contract, and every must spec passed.

  wms-mock demo
  wms-mock demo --events demo.jsonl     keep what the receiver stored`, std)
	seed := fs.Uint64("seed", 1, "seed for generated values: the same seed sends the same events")
	events := fs.String("events", "", "store accepted events in `FILE` (JSON lines) instead of memory")
	if code, done := parse(fs, args, std); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(std, "demo", "unexpected argument %q: demo takes flags only", fs.Arg(0))
	}

	var secret [32]byte
	rand.Read(secret[:])
	signer, err := emitter.NewSigner(secret[:])
	if err != nil {
		return setupError(std, "demo", err)
	}
	var opts []receiver.Option
	if *events != "" {
		opts = append(opts, receiver.WithEventsFile(*events))
	}
	rcv, err := receiver.New(signer, opts...)
	if err != nil {
		return setupError(std, "demo", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rcv.Close()
		return setupError(std, "demo", fmt.Errorf("cannot listen on loopback: %w", err))
	}
	url := "http://" + ln.Addr().String() + "/webhook"
	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- receiver.Serve(serveCtx, receiver.NewServer(ln.Addr().String(), rcv), ln) }()
	stopReceiver := func() error {
		stopServing()
		return errors.Join(<-served, rcv.Close())
	}

	fmt.Fprintf(std.out, "Reference receiver on %s (random MAC secret).\n\n", url)
	journeysOK, delivered := playJourneys(ctx, std.out, url, signer, *seed)
	journeyFindings, journeyStats := rcv.Findings(), rcv.Stats()
	if ctx.Err() != nil {
		stopReceiver()
		fmt.Fprintln(std.errOut, "wms-mock demo: interrupted")
		return exitFail
	}

	fmt.Fprintln(std.out, "\nConformance suite against the reference receiver:")
	sum, confErr := conformance.Run(ctx, conformance.Config{URL: url, Signer: signer, Seed: *seed, Out: std.out, Color: isTerminal(std.out)})
	stopErr := stopReceiver()

	stats := rcv.Stats()
	fmt.Fprintf(std.out, "\nSummary\n  journeys: %d deliveries, %s\n", delivered, verdictWord(journeysOK))
	printEventCounts(std.out, journeyStats.Events)
	fmt.Fprintf(std.out, "  receiver, journeys and suite together: %d events stored, %d redeliveries answered 2xx, %d requests refused\n",
		stats.Accepted, stats.Duplicates, sumValues(stats.Rejected))
	if len(journeyFindings) == 0 {
		fmt.Fprintln(std.out, "  contract findings on the journeys: none")
	} else {
		fmt.Fprintf(std.out, "  contract findings on the journeys: %d\n", len(journeyFindings))
		for _, f := range journeyFindings {
			fmt.Fprintf(std.out, "    %s\n", f)
		}
	}
	confOK := confErr == nil && sum.OK()
	switch {
	case confErr != nil:
		fmt.Fprintf(std.out, "  conformance: did not run to the end: %s\n", firstLine(confErr.Error()))
	default:
		fmt.Fprintf(std.out, "  conformance: %d passed, %d must failed, %d should failed (%s)\n",
			sum.Passed, sum.MustFailed, sum.ShouldFailed, sum.Duration.Round(time.Millisecond))
	}
	if stopErr != nil {
		fmt.Fprintf(std.out, "  receiver: %s\n", firstLine(stopErr.Error()))
	}
	ok := journeysOK && len(journeyFindings) == 0 && confOK && stopErr == nil
	fmt.Fprintf(std.out, "  verdict: %s\n", verdictWord(ok))
	if !ok {
		return exitFail
	}
	return exitOK
}

// playJourneys sends every built-in journey to url, printing a line per
// journey, and reports whether every delivery got the answer its step
// expects.
func playJourneys(ctx context.Context, out io.Writer, url string, signer *emitter.Signer, seed uint64) (ok bool, delivered int) {
	client, err := emitter.NewClient(url, emitter.WithMaxConns(4))
	if err != nil {
		fmt.Fprintf(out, "  cannot deliver: %v\n", err)
		return false, 0
	}
	defer client.Close()
	journeys := scenarios.Journeys()
	type tally struct {
		sent, passed int
		failures     []string
	}
	byName := map[string]*tally{}
	for _, j := range journeys {
		byName[j.Name] = &tally{}
	}
	runner := scenarios.Runner{Sender: client, Concurrency: 4}
	err = runner.Run(ctx, journeys, scenarios.ExpandOptions{Seed: seed, Signer: signer}, func(r scenarios.Result) {
		t := byName[r.Delivery.Scenario]
		t.sent++
		if r.Passed {
			t.passed++
			return
		}
		t.failures = append(t.failures, fmt.Sprintf("sequence %d %s: %s", r.Delivery.Sequence, r.Delivery.Event, describeAttempt(r.Outcome.Attempt)))
	})
	fmt.Fprintf(out, "Journeys (%d), every event signed and sent in order:\n", len(journeys))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	ok = err == nil
	for _, j := range journeys {
		t := byName[j.Name]
		delivered += t.sent
		fmt.Fprintf(tw, "  %s\t%d deliveries\t%s\n", j.Name, t.sent, verdictWord(t.passed == t.sent && len(t.failures) == 0 && t.sent == j.Len()))
		if t.passed != t.sent || t.sent != j.Len() {
			ok = false
		}
		for _, f := range t.failures {
			fmt.Fprintf(tw, "    %s\n", f)
		}
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintf(out, "  stopped: %s\n", firstLine(err.Error()))
	}
	return ok, delivered
}

func describeAttempt(a emitter.Attempt) string {
	if a.Class != "" {
		return fmt.Sprintf("%s: %s", a.Class, a.Message)
	}
	return fmt.Sprintf("answered %d in %s", a.Status, a.Latency.Round(time.Microsecond))
}

func printEventCounts(out io.Writer, counts map[string]int) {
	fmt.Fprintf(out, "  events the journeys sent, by kind (%d of the %d documented):\n", len(counts), len(emitter.Events()))
	printCounts(out, "    ", counts)
}

func sumValues(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func verdictWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}
