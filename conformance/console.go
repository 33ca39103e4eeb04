package conformance

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// console prints the run for a person: one line per spec, the failure
// report under a failed one, and a summary.
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

func (c *console) header(s *suite, probe exchange) {
	filter := ""
	if s.cfg.LabelFilter != "" {
		filter = fmt.Sprintf(", label filter %q", s.cfg.LabelFilter)
	}
	c.printf("%s %s (deadline %s, seed %d%s)\n", c.paint(ansiBold, "wms-mock conformance:"), s.url, s.timeout, s.seed, filter)
	switch st := probe.att.Status; {
	case probe.accepted():
	case st == 401 || st == 403:
		c.printf("note: a validly signed event got %s: if every spec that expects a 2xx fails, check that the secret is the Config ID's MAC secret.\n", probe.outcome())
	case st == 404 || st == 405:
		c.printf("note: a validly signed event got %s: check that the URL is the webhook's full path.\n", probe.outcome())
	default:
		c.printf("note: a validly signed event got %s.\n", probe.outcome())
	}
}

func (c *console) spec(r Result) {
	undecided := r.State == "skipped" && r.Message != "" && r.Message != notRun
	if (r.State == "skipped" || r.State == "pending") && !undecided {
		return
	}
	verdict := c.paint(ansiGreen, "ok  ")
	switch {
	case r.Passed:
	case undecided:
		verdict = c.paint(ansiYellow, "SKIP")
	case r.Level == Should:
		verdict = c.paint(ansiYellow, "WARN")
	default:
		verdict = c.paint(ansiRed, "FAIL")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s  %-6s  %-10s  %s (%s)\n", verdict, r.Level, r.Area, r.Title, latency(r.Duration))
	if !r.Passed {
		msg := r.Message
		if msg == "" {
			msg = r.State
		}
		for line := range strings.SplitSeq(strings.TrimRight(msg, "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("        " + line + "\n")
		}
		rerun := r.ID
		if r.Area == AreaScenario {
			rerun = AreaScenario
		}
		if !undecided {
			fmt.Fprintf(&b, "        (rerun: --label-filter %s)\n", rerun)
		}
	}
	c.printf("%s", b.String())
}

func (c *console) footer(sum Summary) {
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
		ran, specs, latency(sum.Duration), sum.URL, sum.Passed, sum.MustFailed, sum.ShouldFailed, undecided)
	if sum.Burst != nil {
		c.printf("burst: %s\n", sum.Burst)
	}
	switch {
	case sum.Interrupted:
		c.printf("%s the suite did not finish; the results above are partial.\n", c.paint(ansiRed, "INTERRUPTED:"))
	case sum.MustFailed > 0:
		c.printf("%s %d must spec(s) failed: the receiver is not ready for go-live; each failure above says what a correct receiver does.\n", c.paint(ansiRed, "FAIL:"), sum.MustFailed)
	case sum.Inconclusive > 0:
		c.printf("%s %d spec(s) reached no verdict, as SKIP above says: the run cannot pass the receiver.\n", c.paint(ansiRed, "NO VERDICT:"), sum.Inconclusive)
	case sum.ShouldFailed > 0:
		c.printf("%s every must spec passed; %d should spec(s) failed, worth fixing before go-live.\n", c.paint(ansiYellow, "PASS with warnings:"), sum.ShouldFailed)
	default:
		c.printf("%s every spec passed.\n", c.paint(ansiGreen, "PASS:"))
	}
}
