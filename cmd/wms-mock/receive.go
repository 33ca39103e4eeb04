package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	neturl "net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/receiver"
)

// maxSummaryFindings bounds the findings printed in the summary.
const maxSummaryFindings = 50

// defaultForwardTimeout is the deadline of each forward: a developer's
// endpoint on localhost answers in milliseconds, and a shorter deadline
// than a real sender's keeps a hung one from filling the queue.
const defaultForwardTimeout = 5 * time.Second

// receiveOptions are receive's flags.
type receiveOptions struct {
	secret    secretFlags
	listen    string
	events    string
	maxEvents int
	maxBody   int64
	budget    int64
	inspect   inspectFlags
	forward   forwardFlags
}

// forwardFlags are receive's --forward-* flags.
type forwardFlags struct {
	to         string
	secretFile string
	timeout    time.Duration
	queue      int
}

// receiveHelp is receive's --help: what each answer means, how to try the
// receiver, and how to put it in front of a developer's own endpoint.
const receiveHelp = `
Run the reference receiver: a webhook endpoint that does what a correct one
must. It answers POST on any path, so register whatever URL you like:

  200  stored, or already stored (a redelivery of the same sessionId and
       sequence, whatever the order of arrival)
  400  the body is not a JSON object with timestamp, sessionId, sequence,
       event and severity
  401  X-WMS-Content-MAC is missing, malformed or wrong for the raw body
  405  not a POST;  408  the body took over 10s to arrive
  413  body over --max-body (64 KiB by default: real events are a few
       hundred bytes)
  503  the events file failed, or the bodies arriving at once hold more
       than --body-budget (with Retry-After; the largest slow body is
       cut off first, so that small real events get through a flood)

Unknown events and fields are accepted. What breaks the documented
contract (a sequence gap, a wrong severity, a missing payload field, a
changing measurement ID, an intermediate result's sequence that does not
start at 1 or goes back, a redelivery with another body) is logged as a
warning. One log line per request goes to standard error, and a summary to
standard output on Ctrl-C or SIGTERM, once requests in flight are answered.

--forward-to URL sends a copy of each delivery answered 200 on to another
endpoint, as Stripe CLI's 'stripe listen --forward-to' does: register the
receiver (behind a tunnel) as the Config ID's webhook, and develop your own
endpoint on localhost against the traffic the real WMS sends:
  wms-mock receive --events events.jsonl --forward-to http://localhost:3000/webhook
Each copy is the body exactly as it arrived, redeliveries included (your
endpoint sees what WMS would have sent it, duplicates and all; refused
deliveries are not forwarded), signed with the secret in
--forward-secret-file FILE, or $WMS_FORWARD_SECRET, or else the receiver's
own (then the copy carries the sender's very MAC). Copies go one at a time,
in the order they were answered, each within --forward-timeout. The
sender's answer never waits for a forward nor depends on it: a slow or dead
endpoint only fills a queue of --forward-queue copies, past which a copy is
dropped (the event is still stored). Each forward is one log line beside
the event's (msg=forward: status or failure class, latency), and the
summary counts them: forwarded, failed by class, dropped, and unsent at
shutdown, when the queue gets --forward-timeout to drain. A failed forward
is not retried: resend it from the events file with 'wms-mock replay'.

--inspect ADDR serves a live page of what the receiver got on a listener
of its own: the sessions and how each journey ended, each session's
timeline with late and redelivered events, gaps, findings and an SNR
chart, and the refused deliveries with why. Only loopback clients may see
it unless --inspect-token is given.

GET /healthz answers 200 while events can be stored. GET /events?session=ID
lists that session's events and findings as JSON (at most 1000 of each).
The session ID is required, so that only who knows it (the sender chose
it) can read its events; without it the answer is 400. The --events file
holds every event.

Try it:
  export WMS_MAC_SECRET=dev-secret
  wms-mock receive --events events.jsonl &
  printf '%s' '{"timestamp":1689684577,"sessionId":"s1","sequence":0,"event":"WMS_LOADED","severity":"INFO"}' > body.json
  curl -i -H "X-WMS-Content-MAC: $(wms-mock sign body.json)" --data-binary @body.json http://127.0.0.1:8080/webhook
  curl 'http://127.0.0.1:8080/events?session=s1'
  wms-mock run --url http://127.0.0.1:8080/webhook

Against the real WMS: put the receiver behind a tunnel, register the
tunnel's HTTPS URL as the Config ID's webhook, and give the receiver the
Config ID's MAC secret. Each event the vendor sends is then checked:
  cloudflared tunnel --url http://127.0.0.1:8080     (or: ngrok http 8080)
Anyone who finds the tunnel's URL can reach the receiver: deliveries without
the MAC secret are refused, and /events shows a session only to who passes
its ID.`

func newReceiveCmd(std *stdio) *cobra.Command {
	o := &receiveOptions{}
	cmd := &cobra.Command{
		Use:               "receive",
		Short:             "run the reference receiver",
		Long:              receiveHelp,
		Args:              noArgs("receive takes flags only"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if err := o.inspect.validate(std); err != nil {
				return err
			}
			if err := o.forward.validate(cmd.Flags(), o.listen); err != nil {
				return err
			}
			return exited(runReceive(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "listen on `ADDR` (host:port; port 0 picks a free one, logged at start)")
	fs.StringVar(&o.events, "events", "", "append each accepted event to `FILE`, one JSON line, on disk before the answer; an existing file is read back, so duplicates stay duplicates across restarts")
	fs.IntVar(&o.maxEvents, "max-events", receiver.DefaultMemoryLimit, "keep the last `N` events in memory; the duplicate index reaches that far back")
	o.inspect.register(fs)
	fs.Int64Var(&o.maxBody, "max-body", receiver.DefaultMaxBody, "answer 413 to a body over `BYTES`")
	fs.Int64Var(&o.budget, "body-budget", 0, "hold at most `BYTES` of bodies for all connections together; past it answer 503 (default "+fmt.Sprint(receiver.BodyBudgetPerEvent)+" bytes per --max-events, at least 4 bodies at --max-body)")
	o.forward.register(fs)
	return cmd
}

func (f *forwardFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.to, "forward-to", "", "send a copy of each delivery answered 200 to `URL`, re-signed, in order (like stripe listen --forward-to)")
	fs.StringVar(&f.secretFile, "forward-secret-file", "", "sign the copies with the secret in `FILE` (default $WMS_FORWARD_SECRET, else the receiver's own secret)")
	f.timeout = defaultForwardTimeout
	fs.Var((*durationValue)(&f.timeout), "forward-timeout", "deadline of each forward, and how long the queue may drain at shutdown")
	fs.IntVar(&f.queue, "forward-queue", receiver.DefaultForwardQueue, "hold up to `N` copies for a slow or dead forward target; past it a copy is dropped and logged (its event is stored)")
}

// validate refuses --forward-* flags without --forward-to, a target that
// is not http(s), and a target that is this receiver, which would forward
// each copy back to itself as a redelivery, forever.
func (f *forwardFlags) validate(fs *pflag.FlagSet, listen string) error {
	if f.to == "" {
		for _, name := range []string{"forward-secret-file", "forward-timeout", "forward-queue"} {
			if fs.Changed(name) {
				return fmt.Errorf("--%s goes with --forward-to URL", name)
			}
		}
		return nil
	}
	if err := positive("forward-timeout", f.timeout); err != nil {
		return err
	}
	if err := atLeast("forward-queue", f.queue, 1); err != nil {
		return err
	}
	client, err := emitter.NewClient(f.to)
	if err != nil {
		return fmt.Errorf("--forward-to: %w", err)
	}
	client.Close()
	if isListenAddr(f.to, listen) {
		return fmt.Errorf("--forward-to %s is this receiver's own --listen address: each copy would come back as a redelivery and be forwarded again; forward to your own endpoint", emitter.RedactURL(f.to))
	}
	return nil
}

// isListenAddr reports whether rawURL reaches the receiver listening on
// listen, as far as the addresses tell: the same port on a loopback or
// the listening host.
func isListenAddr(rawURL, listen string) bool {
	u, err := neturl.Parse(rawURL)
	lhost, lport, lerr := net.SplitHostPort(listen)
	if err != nil || lerr != nil || lport == "0" {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != lport {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == lhost || strings.EqualFold(host, "localhost") || ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// forwarding is a running --forward-to: the Forwarder and what the log
// and the summary say of it.
type forwarding struct {
	fw     *receiver.Forwarder
	client *emitter.Client
	shown  string // the URL, fit to print
}

// start builds the Forwarder, or returns nil without --forward-to. The
// copies are signed with the forward secret when one is given, else with
// the receiver's own signer.
func (f *forwardFlags) start(std *stdio, own *emitter.Signer, maxBody int64, logger *slog.Logger) (*forwarding, error) {
	if f.to == "" {
		return nil, nil
	}
	signer, from := own, "the receiver's secret"
	secret := std.getenv("WMS_FORWARD_SECRET")
	if secret != "" {
		from = "WMS_FORWARD_SECRET"
	}
	if f.secretFile != "" {
		var err error
		if secret, err = readSecretFile(f.secretFile, "--forward-secret-file", "the secret your endpoint verifies with"); err != nil {
			return nil, err
		}
		from = "--forward-secret-file"
	}
	if secret != "" {
		var err error
		if signer, err = emitter.NewSigner([]byte(secret)); err != nil {
			return nil, err
		}
	}
	client, err := emitter.NewClient(f.to, emitter.WithTimeout(f.timeout), emitter.WithMaxConns(1))
	if err != nil {
		return nil, fmt.Errorf("--forward-to: %w", err)
	}
	// The queue holds at least a few bodies at the cap, however large.
	fw, err := receiver.NewForwarder(client, signer, receiver.WithForwardLogger(logger),
		receiver.WithForwardQueue(f.queue, max(receiver.DefaultForwardQueueBytes, 4*maxBody)))
	if err != nil {
		client.Close()
		return nil, err
	}
	fwd := &forwarding{fw: fw, client: client, shown: emitter.RedactURL(f.to)}
	logger.Info("forwarding", "to", fwd.shown, "signed-with", from, "timeout", f.timeout, "queue", f.queue)
	return fwd, nil
}

// close drains the queue for the drain time and releases the connection;
// closing again does nothing.
func (fwd *forwarding) close() {
	if fwd != nil {
		fwd.fw.Close()
		fwd.client.Close()
	}
}

// print writes the forward line of the summary.
func (fwd *forwarding) print(w io.Writer) {
	if fwd == nil {
		return
	}
	st := fwd.fw.Stats()
	failed := 0
	for _, n := range st.Failed {
		failed += n
	}
	line := fmt.Sprintf("  forward    to %s: %d forwarded, %d failed", fwd.shown, st.Forwarded, failed)
	if failed > 0 {
		line += " (" + humanize.Counts(st.Failed) + ")"
	}
	fmt.Fprintf(w, "%s, %d dropped (queue full), %d unsent at shutdown\n", line, st.Dropped, st.Unsent)
}

func (o *receiveOptions) validate() error {
	if err := atLeast("max-events", o.maxEvents, 1); err != nil {
		return err
	}
	if o.maxBody < 1 {
		return fmt.Errorf("--max-body must be 1 byte or more, got %d", o.maxBody)
	}
	if o.budget != 0 && o.budget < o.maxBody {
		return fmt.Errorf("--body-budget %d is smaller than one body at --max-body %d: raise it, or leave it out for the default", o.budget, o.maxBody)
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port, such as 127.0.0.1:8080 or :8080", o.listen)
	}
	return nil
}

// runReceive serves the reference receiver until ctx ends, then prints
// what it saw.
func runReceive(ctx context.Context, o *receiveOptions, std *stdio) int {
	signer, err := o.secret.signer(std)
	if err != nil {
		return setupError(std, "receive", err)
	}

	logger := slog.New(slog.NewTextHandler(std.errOut, nil))
	fwd, err := o.forward.start(std, signer, o.maxBody, logger)
	if err != nil {
		return setupError(std, "receive", err)
	}
	// Closed on every way out; once serving, after the receiver, so that
	// every delivery answered has had its copy queued.
	defer fwd.close()
	opts := []receiver.Option{receiver.WithLogger(logger), receiver.WithMemoryLimit(o.maxEvents), receiver.WithMaxBody(o.maxBody)}
	if fwd != nil {
		opts = append(opts, receiver.WithForwarder(fwd.fw))
	}
	if o.budget > 0 {
		opts = append(opts, receiver.WithBodyBudget(o.budget))
	}
	if o.events != "" {
		opts = append(opts, receiver.WithEventsFile(o.events))
	}
	rc, err := receiver.New(signer, opts...)
	if err != nil {
		return setupError(std, "receive", err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		rc.Close()
		return setupError(std, "receive", fmt.Errorf("cannot listen on %s: %w (pick another --listen address)", o.listen, err))
	}
	srv := receiver.NewServer(o.listen, rc)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	url := "http://" + ln.Addr().String()
	var insp *inspectorServer
	if o.inspect.addr != "" {
		inspCtx, stopInspector := context.WithCancel(ctx)
		defer stopInspector()
		if insp, err = o.inspect.serve(inspCtx, rc, url+"/webhook"); err != nil {
			ln.Close()
			rc.Close()
			return setupError(std, "receive", err)
		}
		logger.Info("inspector", "url", insp.URL)
	}
	if o.events != "" {
		logger.Info("listening", "url", url, "events", o.events, "reloaded", rc.Stats().Reloaded)
	} else {
		logger.Info("listening", "url", url)
	}

	start := time.Now()
	serveErr := receiver.Serve(ctx, srv, ln)
	if insp != nil {
		serveErr = errors.Join(serveErr, insp.wait())
	}
	err = errors.Join(serveErr, rc.Close())
	fwd.close()
	printReceiveSummary(std.out, rc, url, time.Since(start), o.events, err == nil)
	fwd.print(std.out)
	if err != nil {
		fmt.Fprintf(std.errOut, "wms-mock receive: %s\n", firstLine(err.Error()))
		return exitFail
	}
	return exitOK
}

// printReceiveSummary writes what the receiver saw, for the person who
// pressed Ctrl-C.
func printReceiveSummary(w io.Writer, rc *receiver.Receiver, url string, ran time.Duration, eventsFile string, stored bool) {
	st := rc.Stats()
	fmt.Fprintf(w, "wms-mock receive: stopped after %s on %s\n", ran.Round(time.Millisecond), url)
	fmt.Fprintf(w, "  events     %d accepted, %d duplicates (%d with a changed body), %d sessions in memory\n",
		st.Accepted, st.Duplicates, st.Changed, st.Sessions)
	if eventsFile != "" {
		state := "every acknowledged event is on disk"
		if !stored {
			state = "writing failed: events answered 503 were not stored"
		}
		fmt.Fprintf(w, "  file       %s: %d reloaded at start; %s\n", eventsFile, st.Reloaded, state)
	}
	if len(st.Rejected) > 0 {
		var parts []string
		for _, status := range slices.Sorted(maps.Keys(st.Rejected)) {
			parts = append(parts, fmt.Sprintf("%d x%d", status, st.Rejected[status]))
		}
		fmt.Fprintf(w, "  rejected   %s\n", strings.Join(parts, ", "))
	}
	if len(st.Events) > 0 {
		fmt.Fprintln(w, "  per event")
		printCounts(w, "    ", st.Events)
	}
	findings := rc.Findings()
	fmt.Fprintf(w, "  findings   %d\n", len(findings)+st.DroppedFindings)
	for i, f := range findings {
		if i == maxSummaryFindings {
			fmt.Fprintf(w, "    ... and %d more\n", len(findings)-i+st.DroppedFindings)
			break
		}
		fmt.Fprintf(w, "    %s\n", f)
	}
}
