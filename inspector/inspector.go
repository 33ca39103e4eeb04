// Package inspector is the reference receiver's web page: what it received,
// live, for the person who sets a sender up. It shows the sessions newest
// first with how each journey ended, one session as a timeline in sequence
// order (arrival order, late and redelivered events, gaps, findings, an SNR
// chart), and the refused deliveries with why they were refused.
//
// It is an http.Handler for a listener of its own, never the webhook's: a
// receiver reachable through a public tunnel must not show its sessions to
// whoever finds the URL. It answers loopback clients only, unless a token
// is set (WithToken); then anyone who presents it is let in.
//
// The page is one HTML document with its own CSS and JavaScript, and asks
// nothing of any other host; the chart is SVG drawn here in Go. It follows
// the receiver through Server-Sent Events on /stream and reads its state
// from a small JSON API:
//
//	GET /                       the page
//	GET /stream                 a change feed: which sessions changed, refusals
//	GET /api/state              the sessions, newest first, and the counts
//	GET /api/sessions/ID        one session's timeline
//	GET /api/refusals           the refused deliveries, newest first
//	GET /sessions/ID.jsonl      one session as JSON lines (the events file's form)
//	GET /sessions/ID/snr.svg    its intermediate results' SNR as a chart
//
// Everything a sender chose (session IDs, events, payloads, headers) is
// text to the page: the JavaScript only ever sets textContent, and the
// page forbids inline script it did not bring.
package inspector

import (
	"net/http"
	"time"

	"github.com/wmsmock/wms-mock/receiver"
)

// MaxSessions bounds the sessions one listing shows, newest first: enough
// for any manual test, and cheap to send several times a second.
const MaxSessions = 500

type config struct {
	token      string
	webhookURL string
}

// Option configures the inspector.
type Option func(*config)

// WithToken lets clients that are not on loopback in when they present
// token: as "Authorization: Bearer TOKEN", or once as ?token=TOKEN, after
// which a cookie carries it and the address bar drops it. Loopback clients
// need no token. An empty token changes nothing.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithWebhookURL names the receiver's own address, which the page shows
// while no event has arrived, so that a new user knows where to send.
func WithWebhookURL(url string) Option { return func(c *config) { c.webhookURL = url } }

// handler is the inspector of one receiver.
type handler struct {
	rc         *receiver.Receiver
	gate       gate
	webhookURL string
	mux        *http.ServeMux
	beat       time.Duration // the stream's heartbeat; tests shorten it
}

// New returns the inspector of rc. Serve it on a listener of its own.
func New(rc *receiver.Receiver, opts ...Option) http.Handler {
	var c config
	for _, o := range opts {
		o(&c)
	}
	h := &handler{rc: rc, gate: newGate(c.token), webhookURL: c.webhookURL, mux: http.NewServeMux(), beat: heartbeat}
	h.mux.HandleFunc("GET /{$}", h.page)
	h.mux.HandleFunc("GET /stream", h.stream)
	h.mux.HandleFunc("GET /api/state", h.state)
	h.mux.HandleFunc("GET /api/refusals", h.refusals)
	h.mux.HandleFunc("GET /api/sessions/{id}", h.session)
	h.mux.HandleFunc("GET /sessions/{file}", h.download)
	h.mux.HandleFunc("GET /sessions/{id}/snr.svg", h.chart)
	return h
}

// ServeHTTP lets a request through the gate, then routes it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	if !h.gate.admit(w, r) {
		return
	}
	h.mux.ServeHTTP(w, r)
}
