package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
)

func runConformance(ctx context.Context, std *stdio, args []string) int {
	fs := newFlagSet("conformance", "[--scenarios FILE...]", `
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
`+wrapList(specIDs(), "  ", 76)+`

Exit status: 0 when every must spec passed (should failures are warnings),
1 when a must spec failed or a spec reached no verdict, 2 on bad usage or
when the URL cannot be reached.`, std)
	secret := addSecretFlags(fs)
	target := addTargetFlags(fs)
	labelFilter := fs.String("label-filter", "", "run only the specs whose labels match `EXPR` (Ginkgo syntax: 'must && signature', '!timing')")
	seed := fs.Uint64("seed", 0, "seed of generated values such as SNR and constraints (0: random; session and measurement IDs are fresh on every run)")
	junit := fs.String("junit-report", "", "write a JUnit XML report to `FILE`, for CI")
	jsonReport := fs.String("json-report", "", "write Ginkgo's JSON report to `FILE`")
	burst := fs.Int("burst", conformance.DefaultBurst, "sessions sent at once by the burst spec")
	var scenarioArgs listFlag
	fs.Var(&scenarioArgs, "scenarios", "add each scenario (a YAML `FILE` or a built-in name) as a spec, labelled scenario; further arguments are scenarios too")
	if code, done := parse(fs, args, std); done {
		return code
	}
	if fs.NArg() > 0 && len(scenarioArgs) == 0 {
		return usageError(std, "conformance", "unexpected argument %q: scenario files go after --scenarios", fs.Arg(0))
	}
	if err := target.validate(); err != nil {
		return usageError(std, "conformance", "%v", err)
	}
	if *burst < 1 {
		return usageError(std, "conformance", "--burst must be at least 1, got %d", *burst)
	}
	url := target.url
	if url == "" {
		url = std.getenv("WMS_WEBHOOK_URL")
	}
	if url == "" {
		return usageError(std, "conformance", "%v", emitter.ErrBadURL.Error()+": none given: pass --url or set WMS_WEBHOOK_URL")
	}
	signer, err := secret.signer(std)
	if err != nil {
		return setupError(std, "conformance", err)
	}
	list, code := findScenarios(std, "conformance", append(scenarioArgs, fs.Args()...))
	if code != exitOK {
		return code
	}
	var opts []emitter.Option
	if target.caCert != "" {
		opts = append(opts, emitter.WithCACert(target.caCert))
	}
	if target.insecure {
		opts = append(opts, emitter.WithInsecureTLS())
	}

	sum, err := conformance.Run(ctx, conformance.Config{
		URL:           url,
		Signer:        signer,
		Timeout:       target.timeout,
		Seed:          *seed,
		LabelFilter:   *labelFilter,
		JUnitReport:   *junit,
		JSONReport:    *jsonReport,
		Scenarios:     list,
		Burst:         *burst,
		ClientOptions: opts,
		Out:           std.out,
		Color:         isTerminal(std.out) && std.getenv("NO_COLOR") == "",
	})
	switch {
	case errors.Is(err, conformance.ErrConfig):
		return usageError(std, "conformance", "%s", strings.TrimPrefix(err.Error(), conformance.ErrConfig.Error()+": "))
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

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

var _ flag.Value = (*listFlag)(nil)
