package conformance

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// console prints the run for a person: the probe and what it says about
// the receiver, one line per spec, the failure report under a failed one,
// and a summary.
type console struct {
	mu    sync.Mutex
	w     io.Writer
	color bool
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

func (c *console) paint(code, s string) string {
	if !c.color {
		return s
	}
	return code + s + ansiReset
}

func (c *console) printf(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format, a...)
}

// header prints the run's first line, the probes and their answers, and,
// when the probes found something about the receiver as a whole, that
// diagnosis with the first probe's request and answer in full.
func (c *console) header(s *suite) {
	filter := ""
	if s.cfg.LabelFilter != "" {
		filter = fmt.Sprintf(", label filter %q", s.cfg.LabelFilter)
	}
	strict := ""
	if s.cfg.Strict {
		strict = ", strict"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (deadline %s, seed %d%s%s)\n", c.paint(ansiBold, "wms-mock conformance:"), s.url, s.timeout, s.seed, filter, strict)
	for _, p := range s.probes {
		fmt.Fprintf(&b, "probe: %s -> %s\n", p.what, p.x.brief())
	}
	if s.diag.text != "" {
		fmt.Fprintf(&b, "%s\n%s\n", c.paint(ansiYellow, s.diag.text), indent(s.probes[0].x.String(), "  "))
	}
	c.printf("%s", b.String())
}

// note prints a line the run says once, when it happens.
func (c *console) note(line string) { c.printf("%s\n", c.paint(ansiYellow, "  "+line)) }

// spec prints a spec: its verdict, and under any but a pass the message,
// and for a failure how to rerun it. A spec the label filter left out is
// not printed; one that did not run for another reason gets one line.
func (c *console) spec(o *outcome) {
	r := o.Result
	var tag string
	switch r.Verdict {
	case Passed:
		tag = c.paint(ansiGreen, "ok  ")
	case NoVerdict, NotRun:
		tag = c.paint(ansiYellow, "SKIP")
	case Warned:
		tag = c.paint(ansiYellow, "WARN")
	default:
		tag = c.paint(ansiRed, "FAIL")
	}
	var b strings.Builder
	switch {
	case o.filtered:
		return
	case r.Verdict == NotRun:
		fmt.Fprintf(&b, "  %s  %-6s  %-10s  %s (%s)\n", tag, r.Level, r.Area, r.Title, r.Message)
		c.printf("%s", b.String())
		return
	}
	took := humanize.Duration(r.Duration)
	if o.requests == 0 && r.Verdict == NoVerdict {
		took = "not run"
	}
	fmt.Fprintf(&b, "  %s  %-6s  %-10s  %s (%s)\n", tag, r.Level, r.Area, r.Title, took)
	if r.Verdict != Passed {
		msg := r.Message
		if msg == "" {
			msg = string(r.Verdict)
		}
		b.WriteString(indent(strings.TrimRight(msg, "\n"), "        ") + "\n")
		rerun := r.ID
		if r.Area == AreaScenario {
			rerun = AreaScenario
		}
		if r.Verdict != NoVerdict {
			fmt.Fprintf(&b, "        (rerun: --label-filter %s)\n", rerun)
		}
	}
	c.printf("%s", b.String())
}

// indent puts prefix before every line of text that is not empty.
func indent(text, prefix string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// footer prints the counts, the burst's figures, what they mean for
// go-live, after a pass what the suite cannot see, and the diagnosis
// again as the last line, where a reader of a long run looks.
func (c *console) footer(sum Summary, outcomes []outcome) {
	ran := sum.Passed + sum.MustFailed + sum.ShouldFailed + sum.Inconclusive
	specs := "specs"
	if ran == 1 {
		specs = "spec"
	}
	undecided := ""
	if sum.Inconclusive > 0 {
		undecided = fmt.Sprintf(", %d without a verdict", sum.Inconclusive)
	}
	c.printf("\n%d %s in %s against %s: %d passed, %d must failed, %d should failed%s\n",
		ran, specs, humanize.Duration(sum.Duration), sum.URL, sum.Passed, sum.MustFailed, sum.ShouldFailed, undecided)
	if sum.Burst != nil {
		c.printf("burst: %s\n", sum.Burst)
	}
	c.printf("%s\n", c.verdictLine(sum, outcomes))
	if sum.OK() {
		c.printf("What a pass cannot show, seen from outside the receiver:\n")
		for _, line := range CannotSee() {
			c.printf("  - %s\n", line)
		}
	}
	if sum.Diagnosis != "" {
		c.printf("%s\n", c.paint(ansiYellow, sum.Diagnosis))
	}
}

// verdictLine is the run's verdict in one line.
func (c *console) verdictLine(sum Summary, outcomes []outcome) string {
	switch {
	case sum.Interrupted:
		notRun := 0
		for _, o := range outcomes {
			if o.Verdict == NotRun && !o.filtered {
				notRun++
			}
		}
		return fmt.Sprintf("%s the run was interrupted (%s), %d spec(s) were not run: the results above are partial and are no verdict on the receiver.",
			c.paint(ansiRed, "INTERRUPTED:"), sum.Interruption, notRun)
	case sum.MustFailed > 0:
		return fmt.Sprintf("%s %d must spec(s) failed: the receiver is not ready for go-live; each failure above says what a correct receiver does.", c.paint(ansiRed, "FAIL:"), sum.MustFailed)
	case sum.Inconclusive > 0:
		return fmt.Sprintf("%s %d spec(s) reached no verdict, as SKIP above says: the run cannot pass the receiver.", c.paint(ansiRed, "NO VERDICT:"), sum.Inconclusive)
	case sum.ShouldFailed > 0 && sum.Strict:
		return fmt.Sprintf("%s %d should spec(s) failed, and --strict makes them fail the run.", c.paint(ansiRed, "FAIL (strict):"), sum.ShouldFailed)
	case sum.ShouldFailed > 0:
		return fmt.Sprintf("%s every must spec passed; %d should spec(s) failed, worth fixing before go-live.", c.paint(ansiYellow, "PASS with warnings:"), sum.ShouldFailed)
	}
	return c.paint(ansiGreen, "PASS:") + " every spec passed."
}
