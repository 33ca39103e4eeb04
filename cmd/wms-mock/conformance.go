package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

Exit status: 0 when every must spec passed (should failures are warnings),
1 when a must spec failed or a spec reached no verdict, 2 on bad usage or
when the URL cannot be reached.`,
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
	fs.StringVar(&o.jsonReport, "json-report", "", "write Ginkgo's JSON report to `FILE`")
	fs.IntVar(&o.burst, "burst", conformance.DefaultBurst, "sessions sent at once by the burst spec")
	fs.StringArrayVar(&o.scenarios, "scenarios", nil, "add each scenario (a YAML `FILE` or a built-in name) as a spec, labelled scenario; further arguments are scenarios too")
	cmd.RegisterFlagCompletionFunc("scenarios", completeScenarios)
	return cmd
}

// complete checks the flags and finds the webhook's URL.
func (o *conformanceOptions) complete(std *stdio) error {
	if err := o.target.validate(); err != nil {
		return err
	}
	// 0 would be the suite's default: the flag's default already says it.
	if err := atLeast("burst", o.burst, 1); err != nil {
		return err
	}
	if o.url = o.target.webhookURL(std); o.url == "" {
		return fmt.Errorf("%v: none given: pass --url or set WMS_WEBHOOK_URL", emitter.ErrBadURL)
	}
	return nil
}

// runConformance runs the suite against the webhook.
func runConformance(ctx context.Context, o *conformanceOptions, std *stdio) int {
	signer, err := o.secret.signer(std)
	if err != nil {
		return setupError(std, "conformance", err)
	}
	list, code := findScenarios(std, "conformance", o.scenarios)
	if code != exitOK {
		return code
	}
	sum, err := conformance.Run(ctx, conformance.Config{
		URL:           o.url,
		Signer:        signer,
		Timeout:       o.target.timeout,
		Seed:          o.seed,
		LabelFilter:   o.labelFilter,
		JUnitReport:   o.junit,
		JSONReport:    o.jsonReport,
		Scenarios:     list,
		Burst:         o.burst,
		ClientOptions: o.target.tlsOptions(),
		Out:           std.out,
		Color:         isTerminal(std.out) && std.getenv("NO_COLOR") == "",
	})
	switch {
	case errors.Is(err, conformance.ErrConfig):
		// The suite's own checks of its configuration (the label filter,
		// the report paths) are usage errors too.
		printUsageError(std.errOut, "wms-mock conformance", strings.TrimPrefix(err.Error(), conformance.ErrConfig.Error()+": "))
		return exitUsage
	case errors.Is(err, conformance.ErrInterrupted):
		fmt.Fprintf(std.errOut, "wms-mock conformance: %v\n", err)
		return exitFail
	case err != nil:
		return setupError(std, "conformance", err)
	case !sum.OK():
		return exitFail
	}
	return exitOK
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
