package wmstest_test

import (
	"io"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/formatter"

	"github.com/wmsmock/wms-mock/wmstest"
)

// TestCustomersGinkgoSuiteSurvives is a customer's test binary that has a
// Ginkgo suite of its own: Conformance refuses to run, both before that
// suite runs and inside one of its specs, with a message that says where
// to call it instead, and the customer's suite still runs its specs (the
// conformance suite would have replaced them, and Ginkgo would have exited
// the binary at their RunSpecs).
func TestCustomersGinkgoSuiteSurvives(t *testing.T) {
	t.Cleanup(globals.Reset) // the other tests' Conformance calls need an empty tree
	var inside *recorder
	ran := false
	ginkgo.Describe("the customer's suite", func() {
		ginkgo.It("calls Conformance", func() {
			ran = true
			inside = capture(t, func(tb testing.TB) { wmstest.Conformance(tb, reference(t), secret) })
		})
	})

	before := capture(t, func(tb testing.TB) { wmstest.Conformance(tb, reference(t), secret) })
	if len(before.fatals) != 1 || !strings.Contains(before.fatals[0], "this test binary has a Ginkgo suite of its own (1 specs)") {
		t.Fatalf("Conformance beside a Ginkgo suite: %s", before.failures())
	}

	if sc, rc := ginkgo.GinkgoConfiguration(); sc.LabelFilter != "" || rc.Succinct {
		t.Errorf("the suite's Ginkgo configuration stayed: label filter %q, succinct %v", sc.LabelFilter, rc.Succinct)
	}
	stdout := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = stdout }()
	if !ginkgo.RunSpecs(t, "the customer's suite") || !ran {
		t.Fatal("the customer's Ginkgo suite did not run its spec")
	}
	if len(inside.fatals) != 1 || !strings.Contains(inside.fatals[0], `called inside the Ginkgo node "calls Conformance"`) {
		t.Errorf("Conformance inside a Ginkgo spec: %s", inside.failures())
	}
}
