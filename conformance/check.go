package conformance

import (
	"fmt"
	"strings"
)

// maxShown bounds how many problems a failure message details; the rest
// are counted.
const maxShown = 3

// check collects what one spec found, so that a spec with many cases
// reports all of them at once, and decides the spec's verdict when it
// ends. A spec's goroutines each fill their own check, which the spec
// then adds to its own (see interleaved).
type check struct {
	correct, fix string
	problems     []problem
	// undecided says why the spec reached no verdict, when it found no
	// problem but could not judge either.
	undecided string
	// entries are figures for the reports, such as the burst's latencies.
	entries []entry
}

type problem struct {
	what string
	xs   []exchange
	// explained marks a problem the run's diagnosis explains (a refused
	// sequence 0), so that the spec's own usual causes are not blamed.
	explained bool
}

// entry is a figure a spec reports beside its verdict: kept in the JSON
// and JUnit reports, not printed on the console.
type entry struct{ name, value string }

// fail records a problem and the exchanges that show it.
func (c *check) fail(what string, xs ...exchange) {
	c.problems = append(c.problems, problem{what: what, xs: xs})
}

// report records a figure for the reports.
func (c *check) report(name, value string) {
	c.entries = append(c.entries, entry{name, value})
}

// verdict ends the spec: it decides the verdict from what the spec found
// and returns it with its message. A spec the run cut short (cut says
// why) reaches no verdict whatever it found, since a delivery the run
// cancelled tells nothing about the receiver.
func (c *check) verdict(level Level, cut string) (Verdict, string) {
	switch {
	case cut != "":
		return NoVerdict, fmt.Sprintf("No verdict: the run was interrupted (%s) before this spec finished: a delivery the suite itself cancelled says nothing about the receiver.", cut)
	case len(c.problems) > 0 && level == Should:
		return Warned, c.message()
	case len(c.problems) > 0:
		return Failed, c.message()
	case c.undecided != "":
		return NoVerdict, c.undecided
	}
	return Passed, ""
}

// message is the failure report: each problem with its request and
// answer, then what a correct receiver does and the usual causes.
func (c *check) message() string {
	var b strings.Builder
	for i, p := range c.problems {
		if i == maxShown {
			fmt.Fprintf(&b, "... and %d more like these.\n\n", len(c.problems)-maxShown)
			break
		}
		b.WriteString(p.what)
		b.WriteString("\n")
		for _, x := range p.xs {
			b.WriteString(x.String())
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("A correct receiver ")
	b.WriteString(c.correct)
	if c.explained() {
		b.WriteString("\nUsual causes and fixes: here the diagnosis at the top explains every problem above; fix that first.")
	} else if c.fix != "" {
		b.WriteString("\nUsual causes and fixes: ")
		b.WriteString(c.fix)
	}
	return b.String()
}

// explained reports whether the run's diagnosis explains every problem.
func (c *check) explained() bool {
	for _, p := range c.problems {
		if !p.explained {
			return false
		}
	}
	return len(c.problems) > 0
}

// failSeq records a problem with a valid event of sequence seq that was
// not accepted, ended with the diagnosis's sentence when the receiver
// refuses sequence 0 alone and seq is 0 (see suite.seqZero).
func (c *check) failSeq(why, what string, xs ...exchange) {
	c.fail(what+why, xs...)
	c.problems[len(c.problems)-1].explained = why != ""
}
