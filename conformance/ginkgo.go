package conformance

// This file is the one that imports Ginkgo, and only its label syntax:
// '--label-filter' reads as Ginkgo users know it. The suite runs its specs
// itself (see runner.go): Ginkgo's runner keeps one suite, one
// configuration and one signal handler per process, so running the specs
// on it replaced a caller's own Ginkgo suite, left the suite's
// configuration behind, and turned a Ctrl-C into a failed spec.

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// parseFilter validates the label filter and refuses one that selects no
// spec, which is nearly always a typo. The empty filter selects every
// spec.
func parseFilter(expr string, specs []spec) (func([]string) bool, error) {
	f, err := types.ParseLabelFilter(expr)
	if err != nil {
		why := "syntax error"
		var ge types.GinkgoError
		if errors.As(err, &ge) {
			// The message is the filter with the culprit marked up, then
			// the reason on its last line.
			lines := strings.Split(ge.Message, "\n")
			why = "syntax error: " + lines[len(lines)-1]
		}
		return nil, fmt.Errorf("%w: --label-filter %q: %s (labels combine with &&, || and !, grouped by parentheses)", ErrConfig, expr, why)
	}
	for _, sp := range specs {
		if f(sp.Labels()) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: --label-filter %q selects no spec: labels are must, should, signature, delivery, payload, robustness, timing, scenario and each spec's ID", ErrConfig, expr)
}

// CheckGoTestFlags refuses the 'go test' flags with which Ginkgo's own
// runner exits the process instead of running (-count other than 1,
// -parallel), as ErrConfig with what to do. Run no longer uses that
// runner, and checks them only so that code which runs Ginkgo beside the
// suite (wmstest previews a caller's Ginkgo tree) keeps one rule; such
// code calls it before it touches Ginkgo.
func CheckGoTestFlags() error {
	var err error
	flag.CommandLine.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "test.count" && f.Value.String() != "1":
			err = fmt.Errorf("%w: Ginkgo refuses 'go test -count' other than 1: use -count=1", ErrConfig)
		case f.Name == "test.parallel":
			err = fmt.Errorf("%w: Ginkgo refuses 'go test -parallel': drop the flag", ErrConfig)
		}
	})
	return err
}
