package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/receiver"
)

// maxSummaryFindings bounds the findings printed in the summary.
const maxSummaryFindings = 50

// receiveOptions are receive's flags.
type receiveOptions struct {
	secret    secretFlags
	listen    string
	events    string
	maxEvents int
	maxBody   int64
	budget    int64
	inspect   inspectFlags
}

func newReceiveCmd(std *stdio) *cobra.Command {
	o := &receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "run the reference receiver",
		Long: `
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
its ID.`,
		Args:              noArgs("receive takes flags only"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if err := o.inspect.validate(std); err != nil {
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
	return cmd
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
	opts := []receiver.Option{receiver.WithLogger(logger), receiver.WithMemoryLimit(o.maxEvents), receiver.WithMaxBody(o.maxBody)}
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
	printReceiveSummary(std.out, rc, url, time.Since(start), o.events, err == nil)
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
