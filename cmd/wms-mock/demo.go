package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/htmlreport"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/scenarios"
)

// demoOptions are demo's flags.
type demoOptions struct {
	seed       uint64
	events     string
	htmlReport string
	inspect    inspectFlags
}

func newDemoCmd(std *stdio) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "run the reference receiver, every built-in journey and the conformance suite against it",
		Long: `
The embedded default, and the quickest look at what wms-mock does: it
starts the reference receiver on a free loopback port with a random MAC
secret, plays every built-in journey against it (signed, sequenced, with
realistic timestamps), makes one call-in to the mock WMS and follows it to
the callback, runs the conformance suite against the receiver, and prints a
summary: deliveries, events per kind, contract findings, verdict. Nothing
leaves the machine. Exit 0 when every delivery was accepted, the journeys
broke no part of the documented contract, and every must spec passed.
The suite's HTML report is written to --html-report (by default
wms-mock-report.html in the temporary directory), and its path printed.

  wms-mock demo
  wms-mock demo --events demo.jsonl     keep what the receiver stored
  wms-mock demo --html-report r.html    write the suite's HTML report there
  wms-mock demo --inspect 127.0.0.1:8081
                                        then look at it all in a browser; the
                                        receiver stays up until Ctrl-C`,
		Args:              noArgs("demo takes flags only"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.inspect.validate(std); err != nil {
				return err
			}
			if err := htmlreport.Writable(o.htmlReport); err != nil {
				return err
			}
			return exited(runDemo(cmd.Context(), o, std))
		},
	}
	cmd.Flags().Uint64Var(&o.seed, "seed", 1, "`N` for the generated values: the same seed sends the same values (in new sessions: session IDs are fresh every run)")
	cmd.Flags().StringVar(&o.events, "events", "", "store accepted events in `FILE` (JSON lines) instead of memory")
	cmd.Flags().StringVar(&o.htmlReport, "html-report", filepath.Join(os.TempDir(), "wms-mock-report.html"), "write the conformance suite's HTML report to `FILE`")
	o.inspect.register(cmd.Flags())
	return cmd
}

// runDemo runs the receiver, the journeys and the suite, and prints the
// summary.
func runDemo(ctx context.Context, o *demoOptions, std *stdio) int {
	var secret [32]byte
	rand.Read(secret[:])
	signer, err := emitter.NewSigner(secret[:])
	if err != nil {
		return setupError(std, "demo", err)
	}
	rcv, url, stopReceiver, err := startDemoReceiver(signer, o.events)
	if err != nil {
		return setupError(std, "demo", err)
	}

	var insp *inspectorServer
	inspCtx, stopInspector := context.WithCancel(context.Background())
	defer stopInspector()
	if o.inspect.addr != "" {
		if insp, err = o.inspect.serve(inspCtx, rcv, url); err != nil {
			stopReceiver()
			return setupError(std, "demo", err)
		}
	}
	fmt.Fprintf(std.out, "Reference receiver on %s (random MAC secret).\n\n", url)
	var d demoResult
	var sessions map[string]bool
	d.journeysOK, d.delivered, sessions = playJourneys(ctx, std.out, url, signer, o.seed)
	d.findings, d.events = journeysSeen(rcv, sessions)
	if ctx.Err() != nil {
		stopReceiver()
		fmt.Fprintln(std.errOut, "wms-mock demo: interrupted")
		return exitFail
	}

	d.roundTrip = playRoundTrip(ctx, std.out, url, signer, rcv, o.seed)

	fmt.Fprintln(std.out, "\nConformance suite against the reference receiver:")
	html, err := newHTMLReport(o.htmlReport, "")
	if err != nil {
		stopReceiver()
		return setupError(std, "demo", err)
	}
	defer html.close()
	cfg := conformance.Config{URL: url, Signer: signer, Seed: o.seed, JSONReport: html.json, Out: std.out, Color: isTerminal(std.out)}
	d.suite, d.suiteErr = conformance.Run(ctx, cfg)
	htmlErr := html.write(cfg, d.suiteErr)
	if insp == nil {
		d.stopErr = stopReceiver()
	}
	d.stats = rcv.Stats()
	ok := d.print(std.out)
	if htmlErr != nil {
		fmt.Fprintf(std.errOut, "wms-mock demo: %s\n", firstLine(htmlErr.Error()))
	} else {
		fmt.Fprintf(std.out, "\nThe conformance report, to open in a browser: %s\n", html.path)
	}
	if insp != nil {
		// The receiver stays up, so that a new user can look at what was
		// sent, and send more.
		fmt.Fprintf(std.out, "\nInspector on %s: open it to look at what was sent; the receiver stays on %s until Ctrl-C.\n", insp.URL, url)
		<-ctx.Done()
		stopInspector()
		err := errors.Join(insp.wait(), stopReceiver())
		if err != nil {
			fmt.Fprintf(std.errOut, "wms-mock demo: %s\n", firstLine(err.Error()))
			ok = false
		}
	}
	switch {
	case htmlErr != nil:
		return exitUsage // as conformance does when a report cannot be written
	case !ok:
		return exitFail
	}
	return exitOK
}

// startDemoReceiver serves the reference receiver on a free loopback
// port; stop shuts it down and reports what went wrong while it ran.
func startDemoReceiver(signer *emitter.Signer, eventsFile string) (rcv *receiver.Receiver, url string, stop func() error, err error) {
	var opts []receiver.Option
	if eventsFile != "" {
		opts = append(opts, receiver.WithEventsFile(eventsFile))
	}
	rcv, err = receiver.New(signer, opts...)
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rcv.Close()
		return nil, "", nil, fmt.Errorf("cannot listen on loopback: %w", err)
	}
	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- receiver.Serve(serveCtx, receiver.NewServer(ln.Addr().String(), rcv), ln) }()
	stop = func() error {
		stopServing()
		return errors.Join(<-served, rcv.Close())
	}
	return rcv, "http://" + ln.Addr().String() + "/webhook", stop, nil
}

// journeysSeen is what the receiver made of the journeys' sessions alone:
// its findings on them, and their events by kind. An --events file from
// an earlier demo holds other sessions, the suite's odd ones among them,
// which are not the journeys' to answer for.
func journeysSeen(rcv *receiver.Receiver, sessions map[string]bool) (findings []receiver.Finding, events map[string]int) {
	for _, f := range rcv.Findings() {
		if sessions[f.SessionID] {
			findings = append(findings, f)
		}
	}
	events = map[string]int{}
	for id := range sessions {
		for _, r := range rcv.Events(id) {
			events[r.Event]++
		}
	}
	return findings, events
}

// demoResult is what the demo found, for its summary.
type demoResult struct {
	journeysOK bool
	delivered  int
	roundTrip  roundTrip
	findings   []receiver.Finding
	events     map[string]int // the journeys' events, by kind
	suite      conformance.Summary
	suiteErr   error
	stopErr    error
	stats      receiver.Stats // journeys and suite together
}

// print writes the summary and reports whether the demo passed.
func (d *demoResult) print(w io.Writer) bool {
	fmt.Fprintf(w, "\nSummary\n  journeys: %d deliveries, %s\n", d.delivered, verdictWord(d.journeysOK))
	printEventCounts(w, d.events)
	redelivered := fmt.Sprint(d.stats.Duplicates)
	if d.stats.Changed > 0 {
		redelivered += fmt.Sprintf(" (%d with a changed body)", d.stats.Changed)
	}
	stored := fmt.Sprintf("%d events stored", d.stats.Accepted)
	if d.stats.Reloaded > 0 {
		stored += fmt.Sprintf(" (and %d read back from the events file)", d.stats.Reloaded)
	}
	fmt.Fprintf(w, "  receiver, journeys and suite together: %s, %s redeliveries answered 2xx, %d requests refused\n",
		stored, redelivered, sumValues(d.stats.Rejected))
	if len(d.findings) == 0 {
		fmt.Fprintln(w, "  contract findings on the journeys: none")
	} else {
		fmt.Fprintf(w, "  contract findings on the journeys: %d\n", len(d.findings))
		for _, f := range d.findings {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
	fmt.Fprintf(w, "  mock WMS round trip: %s\n", verdictWord(d.roundTrip.ok))
	if d.suiteErr != nil {
		fmt.Fprintf(w, "  conformance: did not run to the end: %s\n", firstLine(d.suiteErr.Error()))
	} else {
		fmt.Fprintf(w, "  conformance: %d passed, %d must failed, %d should failed (%s)\n",
			d.suite.Passed, d.suite.MustFailed, d.suite.ShouldFailed, d.suite.Duration.Round(time.Millisecond))
	}
	if d.stopErr != nil {
		fmt.Fprintf(w, "  receiver: %s\n", firstLine(d.stopErr.Error()))
	}
	ok := d.journeysOK && d.roundTrip.ok && len(d.findings) == 0 && d.suiteErr == nil && d.suite.OK() && d.stopErr == nil
	fmt.Fprintf(w, "  verdict: %s\n", verdictWord(ok))
	return ok
}

// playJourneys sends every built-in journey to url, printing a line per
// journey, and reports whether every delivery got the answer its step
// expects, and the sessions it sent.
func playJourneys(ctx context.Context, out io.Writer, url string, signer *emitter.Signer, seed uint64) (ok bool, delivered int, sessions map[string]bool) {
	sessions = map[string]bool{}
	client, err := emitter.NewClient(url, emitter.WithMaxConns(4))
	if err != nil {
		fmt.Fprintf(out, "  cannot deliver: %v\n", err)
		return false, 0, sessions
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
	runner := scenarios.Runner{Sender: client, Concurrency: 4, Stamp: true}
	// Fresh session IDs, as in 'run': the same --seed sends the same values
	// in new sessions, so that a second demo on the same --events file is
	// no redelivery of the first.
	opts := scenarios.ExpandOptions{Seed: seed, SessionSeed: freshSessionSeed(), Signer: signer}
	err = runner.Run(ctx, journeys, opts, func(r scenarios.Result) {
		sessions[r.Delivery.SessionID] = true
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
	return ok, delivered, sessions
}

func describeAttempt(a emitter.Attempt) string {
	if a.Class != "" {
		return fmt.Sprintf("%s: %s", a.Class, a.Message)
	}
	return fmt.Sprintf("answered %d in %s", a.Status, humanize.Duration(a.Latency))
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
