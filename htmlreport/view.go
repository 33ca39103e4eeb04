package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// The page's view of a report: what the template shows, in the order it
// shows it, with every sentence made here so that the template only lays
// it out.

// areas is the order the suite runs its areas in, the order of the page
// among areas with the same worst verdict.
var areas = []string{"signature", "delivery", "payload", "timing", "robustness", "scenario"}

// rank orders verdicts worst first: what needs a reader comes first.
var rank = map[string]int{"failed": 0, "warned": 1, "no verdict": 2, "passed": 3, "not run": 4}

type (
	page struct {
		R          *jsonreport.Report
		Verdict    banner
		Meta       []fact
		Attention  []specLink // the specs a reader must look at, worst first
		Areas      []areaView
		Probes     []probeView
		Burst      *burstView
		NoSpecsWhy string // why the list of specs is empty
		CSP        string
		Style      template.CSS
		Script     template.JS
	}
	banner struct {
		Class, Word, Tag, Sentence string
	}
	fact     struct{ Name, Value string }
	specLink struct{ Anchor, ID, Title, Verdict, Class string }
	areaView struct {
		Name, Counts string
		Specs        []specView
	}
	// specView shows a spec; its Problems and Sample, laid out for the
	// page, stand in for the jsonreport.Spec's own.
	specView struct {
		jsonreport.Spec
		Anchor, Class, Duration string
		Open                    bool
		Problems                []problemView
		Sample                  *exchangeView
	}
	problemView struct {
		What      string
		Exchanges []exchangeView
	}
	probeView struct {
		Sent string
		Open bool // not accepted: what a reader looks at first
		exchangeView
	}
	exchangeView struct {
		Request             jsonreport.Request
		Answer              jsonreport.Answer
		Body, BodyNote      string
		Reply, ReplyNote    string
		StatusClass, Status string
		Latency             string
		Curl                replay
	}
)

// newPage is the view of rep.
func newPage(rep *jsonreport.Report) *page {
	p := &page{R: rep, Verdict: verdictOf(rep), Meta: metaOf(rep)}
	byArea := map[string][]specView{}
	for i, sp := range rep.Specs {
		v := specViewOf(sp, i, rep.Target.TimeoutMs)
		byArea[sp.Area] = append(byArea[sp.Area], v)
		if rank[sp.Verdict] <= rank["no verdict"] {
			p.Attention = append(p.Attention, specLink{v.Anchor, sp.ID, sp.Title, sp.Verdict, v.Class})
		}
	}
	slices.SortStableFunc(p.Attention, func(a, b specLink) int { return cmp.Compare(rank[a.Verdict], rank[b.Verdict]) })
	for name, specs := range byArea {
		slices.SortStableFunc(specs, func(a, b specView) int { return cmp.Compare(rank[a.Verdict], rank[b.Verdict]) })
		p.Areas = append(p.Areas, areaView{Name: name, Counts: countsOf(specs), Specs: specs})
	}
	slices.SortFunc(p.Areas, func(a, b areaView) int {
		return cmp.Or(cmp.Compare(rank[a.Specs[0].Verdict], rank[b.Specs[0].Verdict]), cmp.Compare(areaOrder(a.Name), areaOrder(b.Name)), strings.Compare(a.Name, b.Name))
	})
	for _, pr := range rep.Probe {
		x := exchangeViewOf(pr.Exchange, rep.Target.TimeoutMs)
		p.Probes = append(p.Probes, probeView{Sent: pr.Sent, Open: x.StatusClass != "2xx", exchangeView: x})
	}
	if rep.Burst != nil {
		p.Burst = burstViewOf(*rep.Burst)
	}
	if len(rep.Specs) == 0 {
		p.NoSpecsWhy = "No spec ran: the suite could not start, so this report says nothing about the receiver yet."
	}
	return p
}

func areaOrder(name string) int {
	if i := slices.Index(areas, name); i >= 0 {
		return i
	}
	return len(areas)
}

// verdictOf is the run's verdict as the console's last line says it.
func verdictOf(rep *jsonreport.Report) banner {
	s := rep.Summary
	switch rep.Outcome {
	case "passed":
		return banner{"pass", "PASS", "", "Every spec passed. A pass shows what the suite can see from outside the receiver; the end of this report says what it cannot."}
	case "passed with warnings":
		return banner{"warn", "PASS", "with warnings", fmt.Sprintf("Every must spec passed; %d should spec(s) failed, worth fixing before go-live.", s.Warned)}
	case "failed":
		if s.Failed == 0 {
			return banner{"fail", "FAIL", "strict", fmt.Sprintf("%d should spec(s) failed, and --strict makes them fail the run.", s.Warned)}
		}
		return banner{"fail", "FAIL", "", fmt.Sprintf("%d must spec(s) failed: the receiver is not ready for go-live. Each failure below shows the request, the answer, what a correct receiver does, and a curl command that sends the request again.", s.Failed)}
	case "no verdict":
		return banner{"none", "NO VERDICT", "", fmt.Sprintf("%d spec(s) reached no verdict, as each says below: the run cannot pass the receiver.", s.NoVerdict)}
	case "interrupted":
		return banner{"none", "NO VERDICT", "interrupted", fmt.Sprintf("The run was interrupted (%s); %d spec(s) were not run. The results below are partial and are no verdict on the receiver.", rep.Interrupted, s.NotRun)}
	case "setup error":
		return banner{"none", "NO VERDICT", "setup error", rep.SetupError}
	}
	return banner{"none", "NO VERDICT", rep.Outcome, "This report's outcome is not one this page knows."}
}

// metaOf is what a reader needs to rerun the run.
func metaOf(rep *jsonreport.Report) []fact {
	facts := []fact{
		{"started", startedAt(rep.StartedAt)},
		{"specs took", humanize.Duration(msDuration(rep.DurationMs))},
		{"deadline", humanize.Duration(msDuration(rep.Target.TimeoutMs))},
		{"seed", rep.Seed},
		{"wms-mock", rep.Tool.Version},
	}
	if rep.LabelFilter != "" {
		facts = append(facts, fact{"label filter", rep.LabelFilter})
	}
	if rep.Strict {
		facts = append(facts, fact{"strict", "should failures fail the run"})
	}
	return facts
}

func startedAt(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func specViewOf(sp jsonreport.Spec, i int, timeoutMs float64) specView {
	v := specView{Spec: sp, Anchor: fmt.Sprintf("spec-%d", i+1), Class: strings.ReplaceAll(sp.Verdict, " ", "-"), Open: rank[sp.Verdict] <= rank["no verdict"]}
	if sp.Verdict != "not run" {
		v.Duration = humanize.Duration(msDuration(sp.DurationMs))
	}
	for _, pr := range sp.Problems {
		pv := problemView{What: pr.What}
		for _, x := range pr.Exchanges {
			pv.Exchanges = append(pv.Exchanges, exchangeViewOf(x, timeoutMs))
		}
		v.Problems = append(v.Problems, pv)
	}
	if sp.Sample != nil {
		x := exchangeViewOf(*sp.Sample, timeoutMs)
		v.Sample = &x
	}
	return v
}

func exchangeViewOf(x jsonreport.Exchange, timeoutMs float64) exchangeView {
	a := x.Answer
	v := exchangeView{Request: x.Request, Answer: a, Latency: humanize.Duration(msDuration(a.LatencyMs)), Curl: curlCommand(x.Request, timeoutMs)}
	v.Body, v.BodyNote = quoted(x.Request.BodyPrefix, int64(x.Request.BodySize))
	v.Reply, v.ReplyNote = quoted(a.BodyPrefix, a.BodySize)
	if a.Status == 0 {
		v.StatusClass, v.Status = "none", "no answer"
		if a.Failure != "" {
			v.Status += ": " + a.Failure
		}
	} else {
		v.StatusClass, v.Status = fmt.Sprintf("%dxx", a.Status/100), strings.TrimSpace(fmt.Sprintf("%d %s", a.Status, a.StatusText))
	}
	return v
}

// quoted is a body as the page shows it, and a note when the report kept
// only its start.
func quoted(prefix string, size int64) (body, note string) {
	switch {
	case size == 0:
		return "", "empty body"
	case int64(len(prefix)) < size:
		return prefix, fmt.Sprintf("the first %d of %d bytes", len(prefix), size)
	}
	return prefix, fmt.Sprintf("%d bytes", size)
}

// countsOf says how an area's specs fared: "3 failed, 9 passed".
func countsOf(specs []specView) string {
	n := map[string]int{}
	for _, s := range specs {
		n[s.Verdict]++
	}
	var parts []string
	for _, v := range []string{"failed", "warned", "no verdict", "passed", "not run"} {
		if n[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
		}
	}
	return strings.Join(parts, ", ")
}

// msDuration is a report's milliseconds as a duration.
func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
