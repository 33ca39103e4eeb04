package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/htmlreport"
	"github.com/wmsmock/wms-mock/jsonreport"
)

// conformanceOptions are conformance's flags and arguments.
type conformanceOptions struct {
	secret      secretFlags
	target      targetFlags
	labelFilter string
	seed        uint64
	junit       string
	jsonReport  string
	htmlReport  string
	burst       int
	strict      bool
	scenarios   []string // --scenarios, then the arguments after them

	url  string      // --url or $WMS_WEBHOOK_URL
	html *htmlReport // --html-report, when given
}

func newConformanceCmd(std *stdio) *cobra.Command {
	o := &conformanceOptions{}
	cmd := &cobra.Command{
		Use:   "conformance [--scenarios FILE...]",
		Short: "judge a webhook receiver with the conformance suite",
		Long: `
Judge a webhook receiver: the conformance suite sends valid, forged,
duplicated, reordered, malformed and oversized deliveries to --url and checks
each answer. Every spec is labelled must or should and by area (signature,
delivery, payload, robustness, timing). A must failure fails the run; a
should failure is a warning. Each failure shows the request sent (with its
MAC, never the secret), the answer, and what a correct receiver does.

  WMS_MAC_SECRET=... wms-mock conformance --url https://staging.example/webhook
  wms-mock conformance --url URL --secret-file secret.txt --junit-report junit.xml
  wms-mock conformance --url URL --html-report report.html   a page to attach to a ticket
  wms-mock conformance --url URL --label-filter 'must && !timing'
  wms-mock conformance --url URL --scenarios qa/refund.yaml qa/retry.yaml

Labels for --label-filter: must, should, signature, delivery, payload,
robustness, timing, scenario, and each spec's ID:
` + wrapList(specIDs(), "  ", 76) + `

Exit status: 0 when every must spec passed (should failures are warnings,
failures with --strict), 1 when a must spec failed or a spec reached no
verdict (a receiver that answers too late or stops answering is judged
too), 2 on bad usage or when no HTTP exchange with the URL can be made
(nothing listens, DNS, TLS), 130 on SIGINT and 143 on SIGTERM: an
interrupted run is no verdict. Every run whose flags parse writes the
reports asked for, a run that cannot start too.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 && len(o.scenarios) == 0 {
				return fmt.Errorf("unexpected argument %q: scenario files go after --scenarios", args[0])
			}
			return nil
		},
		ValidArgsFunction: completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenarios = append(o.scenarios, args...)
			if o.htmlReport != "" {
				var err error
				if o.html, err = newHTMLReport(o.htmlReport, o.jsonReport); err != nil {
					return err
				}
				defer o.html.close()
			}
			if err := o.complete(std); err != nil {
				o.reportSetup(err)
				return err
			}
			return exited(runConformance(cmd.Context(), o, std))
		},
	}
	fs := cmd.Flags()
	o.secret.register(fs)
	o.target.register(fs, false)
	fs.StringVar(&o.labelFilter, "label-filter", "", "run only the specs whose labels match `EXPR` (Ginkgo syntax: 'must && signature', '!timing')")
	fs.Uint64Var(&o.seed, "seed", 0, "`N` seeds the generated values such as SNR and constraints (0: random; session and measurement IDs are fresh on every run)")
	fs.StringVar(&o.junit, "junit-report", "", "write a JUnit XML report to `FILE`, for CI")
	fs.StringVar(&o.jsonReport, "json-report", "", "write the suite's JSON report to `FILE` (docs/report-json.md)")
	fs.StringVar(&o.htmlReport, "html-report", "", "write a self-contained HTML report to `FILE`, to open in a browser or attach to a ticket")
	fs.IntVar(&o.burst, "burst", conformance.DefaultBurst, "`N` sessions sent at once by the burst spec")
	fs.BoolVar(&o.strict, "strict", false, "fail the run on a failed should spec too (exit 1), for CI that gates on them")
	fs.StringArrayVar(&o.scenarios, "scenarios", nil, "add each scenario (a YAML `FILE` or a built-in name) as a spec, labelled scenario; further arguments are scenarios too")
	cmd.RegisterFlagCompletionFunc("scenarios", completeScenarios)
	return cmd
}

// complete checks the flags and finds the webhook's URL.
func (o *conformanceOptions) complete(std *stdio) error {
	o.url = o.target.webhookURL(std)
	if err := o.target.validate(); err != nil {
		return err
	}
	// 0 would be the suite's default: the flag's default already says it.
	if err := atLeast("burst", o.burst, 1); err != nil {
		return err
	}
	if o.url == "" {
		return fmt.Errorf("%v: none given: pass --url or set WMS_WEBHOOK_URL", emitter.ErrBadURL)
	}
	if o.html != nil {
		// Checked as the suite checks its own reports, before anything
		// is sent.
		return htmlreport.Writable(o.html.path)
	}
	return nil
}

// config is the suite's Config from the flags, without the signer and
// the scenarios.
func (o *conformanceOptions) config() conformance.Config {
	jsonReport := o.jsonReport
	if o.html != nil {
		jsonReport = o.html.json
	}
	return conformance.Config{
		URL:           o.url,
		Timeout:       o.target.timeout,
		Seed:          o.seed,
		LabelFilter:   o.labelFilter,
		JUnitReport:   o.junit,
		JSONReport:    jsonReport,
		Burst:         o.burst,
		Strict:        o.strict,
		ClientOptions: o.target.tlsOptions(),
	}
}

// reportSetup writes the reports asked for about a mistake found before
// the suite runs, so that CI shows what to fix; a report that cannot be
// written is left out, since the mistake is already on stderr.
func (o *conformanceOptions) reportSetup(err error) {
	cfg := o.config()
	_ = conformance.ReportSetupError(cfg, err)
	if o.html != nil {
		_ = o.html.write(cfg, err)
	}
}

// runConformance runs the suite against the webhook.
func runConformance(ctx context.Context, o *conformanceOptions, std *stdio) int {
	signer, err := o.secret.signer(std)
	if err != nil {
		o.reportSetup(err)
		return setupError(std, "conformance", err)
	}
	list, code := findScenarios(std, "conformance", o.scenarios)
	if code != exitOK {
		o.reportSetup(errors.New("a scenario given to --scenarios cannot be used (see the errors on stderr): fix it ('wms-mock validate FILE' checks scenario files), then rerun"))
		return code
	}
	cfg := o.config()
	cfg.Signer, cfg.Scenarios = signer, list
	cfg.Out, cfg.Color = std.out, isTerminal(std.out) && std.getenv("NO_COLOR") == ""
	sum, err := conformance.Run(ctx, cfg)
	var htmlErr error
	if o.html != nil {
		htmlErr = o.html.write(cfg, err)
	}
	switch {
	case errors.Is(err, conformance.ErrConfig):
		// The suite's own checks of its configuration (the label filter,
		// the report paths) are usage errors too.
		printUsageError(std.errOut, "wms-mock conformance", strings.TrimPrefix(err.Error(), conformance.ErrConfig.Error()+": "))
		return exitUsage
	case errors.Is(err, conformance.ErrInterrupted):
		fmt.Fprintf(std.errOut, "wms-mock conformance: interrupted (%s): the results are partial and are no verdict on the receiver\n", sum.Interruption)
		if htmlErr != nil {
			fmt.Fprintf(std.errOut, "wms-mock conformance: %s\n", firstLine(htmlErr.Error()))
		}
		return interruptedExit(ctx)
	case err != nil:
		code := setupError(std, "conformance", err)
		if htmlErr != nil && errors.Is(err, conformance.ErrReport) {
			// The JSON report the page is made from is the one missing.
			fmt.Fprintf(std.errOut, "wms-mock conformance: %s\n", firstLine(htmlErr.Error()))
		}
		return code
	case htmlErr != nil:
		// As for the suite's own reports: the specs ran, and their
		// results are printed.
		return setupError(std, "conformance", htmlErr)
	case !sum.OK():
		return exitFail
	}
	return exitOK
}

// Exit statuses of a run ended by a signal: 128 plus the signal's number,
// as a shell reports a process the signal killed, so that CI tells a
// cancelled job from a failed one.
const (
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// interruptedExit is the exit status of a run that ctx's end interrupted:
// os/signal's NotifyContext names the signal in the context's cause.
func interruptedExit(ctx context.Context) int {
	if cause := context.Cause(ctx); cause != nil && strings.HasPrefix(cause.Error(), syscall.SIGTERM.String()) {
		return exitSIGTERM
	}
	return exitSIGINT
}

func specIDs() []string {
	var ids []string
	for _, s := range conformance.Specs() {
		ids = append(ids, s.ID)
	}
	return ids
}

// wrapList joins words with commas into indented lines of at most width
// columns.
func wrapList(words []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, w := range words {
		if i < len(words)-1 {
			w += ","
		}
		if len(line)+1+len(w) > width && line != indent {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += w
	}
	b.WriteString(line)
	return b.String()
}

// htmlReport is an HTML report asked for. It is made from the JSON report
// the suite writes, its one record of a run, so that the two never
// disagree: into --json-report's file when that is asked for too, or
// into a file of its own.
type htmlReport struct {
	path    string    // the page
	json    string    // the JSON report it is made from
	dir     string    // where its own JSON reports go; removed by close
	started time.Time // a JSON report from before is another run's
}

// newHTMLReport prepares the HTML report at path, made from jsonPath or,
// when that is empty, from a JSON report of its own.
func newHTMLReport(path, jsonPath string) (*htmlReport, error) {
	dir, err := os.MkdirTemp("", "wms-mock-report-")
	if err != nil {
		return nil, fmt.Errorf("cannot make the HTML report %s: no temporary directory: %w", path, err)
	}
	h := &htmlReport{path: path, json: jsonPath, dir: dir, started: time.Now()}
	if h.json == "" {
		h.json = filepath.Join(dir, "report.json")
	}
	return h, nil
}

func (h *htmlReport) close() { os.RemoveAll(h.dir) }

// write makes the page from the JSON report of the run of cfg, which
// ended with runErr. When that run stopped before it began because the
// JSON report's own file cannot be written, the page says so from a
// report of its own, so that it is written whenever the JUnit report is.
func (h *htmlReport) write(cfg conformance.Config, runErr error) error {
	rep, err := jsonreport.ReadFile(h.json)
	if err == nil {
		if at, perr := time.Parse(time.RFC3339Nano, rep.StartedAt); perr != nil || at.Before(h.started.Round(0)) {
			err = fmt.Errorf("%s is the report of an earlier run", h.json)
		}
	}
	if err != nil && errors.Is(runErr, conformance.ErrConfig) {
		cfg.JUnitReport, cfg.JSONReport = "", filepath.Join(h.dir, "setup.json")
		if err = conformance.ReportSetupError(cfg, runErr); err == nil {
			rep, err = jsonreport.ReadFile(cfg.JSONReport)
		}
	}
	if err != nil {
		return fmt.Errorf("cannot write the report %s: its JSON report cannot be read: %w", h.path, err)
	}
	return htmlreport.WriteFile(h.path, rep)
}
