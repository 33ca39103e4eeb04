package conformance

// This file is the one that imports Ginkgo, and only its label syntax:
// '--label-filter' reads as Ginkgo users know it. The suite runs its specs
// itself (see runner.go): Ginkgo's runner keeps one suite, one
// configuration and one signal handler per process, so running the specs
// on it replaced a caller's own Ginkgo suite, left the suite's
// configuration behind, and turned a Ctrl-C into a failed spec.

import (
	"errors"
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
