package conformance

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/wmsmock/wms-mock/internal/humanize"
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

// header prints the run's first line, and the probe's note when the probe
// got no 2xx.
func (c *console) header(s *suite, probe exchange) {
	filter := ""
	if s.cfg.LabelFilter != "" {
		filter = fmt.Sprintf(", label filter %q", s.cfg.LabelFilter)
	}
	c.printf("%s %s (deadline %s, seed %d%s)\n", c.paint(ansiBold, "wms-mock conformance:"), s.url, s.timeout, s.seed, filter)
	if note := probeNote(probe); note != "" {
		c.printf("%s\n", note)
	}
}

// probeNote is what the answer to the probe, the plain valid event sent
// before the first spec, says about the whole run; empty when it was a 2xx.
// The console prints it at the top and again as its last line, where a
// reader of a long run of failures looks.
func probeNote(probe exchange) string {
	switch st := probe.att.Status; {
	case probe.accepted():
		return ""
	case st == 401 || st == 403:
		return fmt.Sprintf("note: a validly signed event got %s, so the receiver most likely verifies with a different MAC secret (or verifies something other than the raw body): check that the secret given to wms-mock is the one the receiver uses for this Config ID, and that it hashes the raw body bytes, then rerun.", probe.outcome())
	case st == 404 || st == 405:
		return fmt.Sprintf("note: a validly signed event got %s: check that the URL is the webhook's full path, then rerun.", probe.outcome())
	default:
		return fmt.Sprintf("note: a validly signed event got %s: until valid events get a 2xx, the specs that need one accepted fail, and refusals show nothing: neither that the receiver verifies the MAC nor that it keeps serving.", probe.outcome())
	}
}

// spec prints a spec that ran: its verdict, and under any but a pass the
// message, and for a failure how to rerun it.
func (c *console) spec(r Result) {
	var tag string
	switch r.Verdict {
	case "":
		return
	case Passed:
		tag = c.paint(ansiGreen, "ok  ")
	case NoVerdict:
		tag = c.paint(ansiYellow, "SKIP")
	case Warned:
		tag = c.paint(ansiYellow, "WARN")
	default:
		tag = c.paint(ansiRed, "FAIL")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s  %-6s  %-10s  %s (%s)\n", tag, r.Level, r.Area, r.Title, humanize.Duration(r.Duration))
	if r.Verdict != Passed {
		msg := r.Message
		if msg == "" {
			msg = string(r.Verdict)
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
		if r.Verdict != NoVerdict {
			fmt.Fprintf(&b, "        (rerun: --label-filter %s)\n", rerun)
		}
	}
	c.printf("%s", b.String())
}

// footer prints the counts, the burst's figures and what they mean for
// go-live.
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
		ran, specs, humanize.Duration(sum.Duration), sum.URL, sum.Passed, sum.MustFailed, sum.ShouldFailed, undecided)
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
	if note := probeNote(exchange{att: sum.Probe}); note != "" {
		c.printf("%s\n", note)
	}
}
