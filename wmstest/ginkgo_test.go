package wmstest_test

import (
	"io"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/formatter"

	"github.com/wmsmock/wms-mock/wmstest"
)

// TestCustomersGinkgoSuiteSurvives is a customer's test binary that has a
// Ginkgo suite of its own: Conformance runs beside it and inside one of its
// specs, and the customer's suite still runs with its own configuration.
func TestCustomersGinkgoSuiteSurvives(t *testing.T) {
	t.Cleanup(globals.Reset)
	var inside *recorder
	ran := false
	ginkgo.Describe("the customer's suite", func() {
		ginkgo.It("calls Conformance", func() {
			ran = true
			inside = capture(t, func(tb testing.TB) {
				wmstest.Conformance(tb, reference(t), secret, wmstest.WithLabelFilter("duplicate"))
			})
		})
	})

	before := capture(t, func(tb testing.TB) {
		wmstest.Conformance(tb, reference(t), secret, wmstest.WithLabelFilter("duplicate"))
	})
	if before.failed() {
		t.Fatalf("Conformance beside a Ginkgo suite: %s", before.failures())
	}
	if sc, rc := ginkgo.GinkgoConfiguration(); sc.LabelFilter != "" || rc.Succinct {
		t.Errorf("the suite changed Ginkgo's configuration: label filter %q, succinct %v", sc.LabelFilter, rc.Succinct)
	}
	stdout := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = stdout }()
	if !ginkgo.RunSpecs(t, "the customer's suite") || !ran {
		t.Fatal("the customer's Ginkgo suite did not run its spec")
	}
	if inside.failed() {
		t.Errorf("Conformance inside a Ginkgo spec: %s", inside.failures())
	}
}
