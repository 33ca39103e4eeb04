package conformance_test

import (
	"context"
	"io"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// TestRunLeavesACallersGinkgoSuiteAlone is a test binary with a Ginkgo
// suite of its own, which runs the conformance suite before that suite and
// again inside one of its specs: Ginkgo's configuration and the caller's
// tree are as they were, and the caller's suite runs its spec.
func TestRunLeavesACallersGinkgoSuiteAlone(t *testing.T) {
	srv := reference(t)
	run := func(filter string) conformance.Summary {
		sum, err := conformance.Run(context.Background(), conformance.Config{URL: srv.URL, Signer: testkit.Signer(t), LabelFilter: filter, JSONReport: t.TempDir() + "/r.json"})
		if err != nil || !sum.OK() {
			t.Errorf("Run(%q): %v, %+v", filter, err, sum)
		}
		return sum
	}
	var inside conformance.Summary
	ran := false
	ginkgo.Describe("the caller's suite", func() {
		ginkgo.It("runs the conformance suite", func() {
			ran = true
			inside = run("duplicate")
		})
	})
	suiteBefore, reporterBefore := ginkgo.GinkgoConfiguration()
	run("signature")
	suiteAfter, reporterAfter := ginkgo.GinkgoConfiguration()
	if suiteAfter.LabelFilter != suiteBefore.LabelFilter || reporterAfter.JSONReport != reporterBefore.JSONReport ||
		reporterAfter.JUnitReport != reporterBefore.JUnitReport || reporterAfter.Succinct != reporterBefore.Succinct {
		t.Errorf("Run changed Ginkgo's configuration: %+v %+v", suiteAfter, reporterAfter)
	}
	stdout := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = stdout }()
	if !ginkgo.RunSpecs(t, "the caller's suite") || !ran {
		t.Fatal("the caller's Ginkgo suite did not run its spec")
	}
	if inside.Passed != 1 {
		t.Errorf("the suite run inside a Ginkgo spec: %+v", inside)
	}
}
