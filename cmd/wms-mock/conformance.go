package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
)

// conformanceOptions are conformance's flags and arguments.
type conformanceOptions struct {
	secret      secretFlags
	target      targetFlags
	labelFilter string
	seed        uint64
	junit       string
	jsonReport  string
	burst       int
	strict      bool
	scenarios   []string // --scenarios, then the arguments after them

	url string // --url or $WMS_WEBHOOK_URL
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
	fs.Uint64Var(&o.seed, "seed", 0, "seed of generated values such as SNR and constraints (0: random; session and measurement IDs are fresh on every run)")
	fs.StringVar(&o.junit, "junit-report", "", "write a JUnit XML report to `FILE`, for CI")
	fs.StringVar(&o.jsonReport, "json-report", "", "write the suite's JSON report to `FILE` (docs/report-json.md)")
	fs.IntVar(&o.burst, "burst", conformance.DefaultBurst, "sessions sent at once by the burst spec")
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
	return nil
}

// config is the suite's Config from the flags, without the signer and
// the scenarios.
func (o *conformanceOptions) config() conformance.Config {
	return conformance.Config{
		URL:           o.url,
		Timeout:       o.target.timeout,
		Seed:          o.seed,
		LabelFilter:   o.labelFilter,
		JUnitReport:   o.junit,
		JSONReport:    o.jsonReport,
		Burst:         o.burst,
		Strict:        o.strict,
		ClientOptions: o.target.tlsOptions(),
	}
}

// reportSetup writes the reports asked for about a mistake found before
// the suite runs, so that CI shows what to fix; a report that cannot be
// written is left out, since the mistake is already on stderr.
func (o *conformanceOptions) reportSetup(err error) {
	_ = conformance.ReportSetupError(o.config(), err)
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
	switch {
	case errors.Is(err, conformance.ErrConfig):
		// The suite's own checks of its configuration (the label filter,
		// the report paths) are usage errors too.
		printUsageError(std.errOut, "wms-mock conformance", strings.TrimPrefix(err.Error(), conformance.ErrConfig.Error()+": "))
		return exitUsage
	case errors.Is(err, conformance.ErrInterrupted):
		fmt.Fprintf(std.errOut, "wms-mock conformance: interrupted (%s): the results are partial and are no verdict on the receiver\n", sum.Interruption)
		return interruptedExit(ctx)
	case err != nil:
		return setupError(std, "conformance", err)
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
