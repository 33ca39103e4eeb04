package wmstest

// The suite runs on Ginkgo, whose state is one per process: the tree of
// specs, and whether RunSpecs has run. conformance.Run replaces that
// tree with its own, so a test binary that has a Ginkgo suite of its own
// would lose it, and Ginkgo would exit the process when that suite's
// RunSpecs came. This file keeps Conformance from doing so, and leaves
// Ginkgo as a fresh process has it once a run is done.

import (
	"flag"
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/types"
)

// ginkgoGuard says why the suite cannot run in this process now, empty
// when it can. fresh reports whether Ginkgo's tree was found empty, so
// that Conformance may reset it after the run: when 'go test' flags keep
// the tree from being looked at, conformance.Run refuses to run before it
// touches Ginkgo, and nothing must be reset.
func ginkgoGuard() (why string, fresh bool) {
	if spec := ginkgo.CurrentSpecReport(); spec.LeafNodeType != 0 {
		return fmt.Sprintf("called inside the Ginkgo node %q: the suite runs on Ginkgo, which runs one suite at a time in a process; call Conformance from a plain func TestXxx(t *testing.T), in a package without a Ginkgo suite", spec.LeafNodeText), false
	}
	if goTestFlagsRefused() {
		return "", false
	}
	// PreviewSpecs walks the registered tree without running it, and puts
	// it back as it found it.
	if n := len(ginkgo.PreviewSpecs("wmstest: specs registered before the conformance suite").SpecReports); n > 0 {
		return fmt.Sprintf("this test binary has a Ginkgo suite of its own (%d specs): the conformance suite runs on Ginkgo too, which keeps one suite per process, so running it would discard yours; call Conformance from the tests of a package without a Ginkgo suite (a directory of its own)", n), false
	}
	return "", true
}

// goTestFlagsRefused reports whether 'go test' was given a flag with
// which Ginkgo exits the process (-count other than 1, -parallel): then
// PreviewSpecs must not run, and conformance.Run refuses the run with a
// message that says which flag to drop.
func goTestFlagsRefused() bool {
	refused := false
	flag.CommandLine.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "test.count":
			refused = refused || f.Value.String() != "1"
		case "test.parallel":
			refused = true
		}
	})
	return refused
}

// ginkgoState is Ginkgo's configuration before a run: the suite hands
// RunSpecs a configuration of its own (its label filter, a succinct
// reporter), and Ginkgo keeps what RunSpecs was given as its process-wide
// configuration.
type ginkgoState struct {
	suite    types.SuiteConfig
	reporter types.ReporterConfig
}

// ginkgoSave keeps Ginkgo's configuration for ginkgoRelease.
func ginkgoSave() ginkgoState {
	s, r := ginkgo.GinkgoConfiguration()
	return ginkgoState{s, r}
}

// ginkgoRelease leaves Ginkgo as the run found it: an empty tree that
// RunSpecs may run, so that a Ginkgo suite registered after Conformance,
// in a test of its own, still runs, and the configuration of before, so
// that it runs with its own label filter and reporter rather than the
// suite's. PreviewSpecs of the empty tree is the one way to set Ginkgo's
// configuration back: it takes the configuration it is given as Ginkgo's
// own.
func ginkgoRelease(st ginkgoState) {
	globals.Reset()
	ginkgo.PreviewSpecs("wmstest: Ginkgo's configuration restored", st.suite, st.reporter)
	globals.Reset()
}
