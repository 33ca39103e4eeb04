package inspector

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
)

//go:embed page.html
var pageSource string

// pageTemplate is the page; its only value is the nonce that lets its own
// style and script run, and nothing else.
var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// pagePolicy lets the page run its own script and style (by nonce), talk
// to its own origin only, and show its own data: images. A payload that
// escaped the page's escaping would still not run.
const pagePolicy = "default-src 'none'; script-src 'nonce-%[1]s'; style-src 'nonce-%[1]s'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) page(w http.ResponseWriter, _ *http.Request) {
	var raw [18]byte
	_, _ = rand.Read(raw[:])
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(pagePolicy, nonce))
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, struct{ Nonce string }{nonce})
}
