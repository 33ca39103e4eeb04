package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
)

// The page, and its own style and script, written by the project: they
// are inlined into every report, so that it needs nothing else to open.
var (
	//go:embed report.html
	pageSource string
	//go:embed report.css
	styleSource string
	//go:embed report.js
	scriptSource string
)

// pageTemplate escapes every value for where it goes, so that a body
// quoted in the page is text, whatever it holds.
var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}).Parse(pageSource))

// policy lets the page run its own style and script, named by their
// hashes, and load nothing at all: no request leaves a page opened from a
// ticket, and a quoted body that escaped the page's escaping would still
// not run.
var policy = "default-src 'none'; style-src " + hashOf(styleSource) + "; script-src " + hashOf(scriptSource) +
	"; img-src 'none'; base-uri 'none'; form-action 'none'"

func hashOf(source string) string {
	sum := sha256.Sum256([]byte(source))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write renders rep as one self-contained HTML page.
func Write(w io.Writer, rep *jsonreport.Report) error {
	p := newPage(rep)
	// The template puts them between their tags as they are, byte for
	// byte, which is what the policy's hashes are of.
	p.CSP, p.Style, p.Script = policy, template.CSS(styleSource), template.JS(scriptSource)
	return pageTemplate.Execute(w, p)
}
