package wms

import (
	"bytes"
	_ "embed"
	"html/template"
	"math"
	"net/http"
	"strconv"
)

// pagesHTML holds every page the mock serves, one template each. The pages
// use no third-party script or style, and html/template escapes all they
// show: a session ID or Config ID comes from the URL, hostile or not.
//
//go:embed pages.html
var pagesHTML string

var pages = template.Must(template.New("pages").Parse(pagesHTML))

// indexData is the index page's.
type indexData struct {
	IDs  []string
	Pace string
}

// errorData is a plain error page's: what was wrong, what to do.
type errorData struct {
	Status      int
	Title, What string
	Todo        string
}

// scanData is the realtime page's.
type scanData struct {
	SessionID, Scenario string
	Step                string
	Remaining           int
	Planned             int
	StatusURL, DoneURL  string
	// Refresh is the no-script meta refresh: to the done URL, which waits
	// for the journey's end, once the journey should be over.
	Refresh string
}

// render executes one page into a buffer first, so that a template error
// cannot leave a half-written page with a 200.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render a page", "page", name, "error", err)
		http.Error(w, "the mock WMS could not render its page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, what, todo string) {
	s.render(w, status, "error", errorData{Status: status, Title: title, What: what, Todo: todo})
}

// scanData describes a session whose journey has just started.
func (s *Server) scanData(sess *session) scanData {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	secs := int(math.Ceil(sess.total.Seconds()))
	return scanData{
		SessionID: sess.rep.SessionID, Scenario: sess.rep.Scenario,
		Step: stepText(sess.last), Remaining: secs, Planned: sess.planned,
		StatusURL: sessionsPrefix + sess.key + "/status", DoneURL: doneURL(sess.key),
		Refresh: strconv.Itoa(secs) + ";url=" + doneURL(sess.key),
	}
}

// steps are what the page shows for the last event sent.
var steps = map[string]string{
	"":                              "Loading WMS",
	"WMS_LOADED":                    "WMS loaded",
	"CONFIGURATION_LOADED":          "Asking for the camera",
	"CAMERA_PERMISSION_GRANTED":     "Camera allowed, starting it",
	"CAMERA_PERMISSION_DENIED":      "Camera permission denied",
	"CAMERA_STARTED":                "Camera on: look at the screen",
	"MEASUREMENT_STARTED":           "Measurement starting",
	"MEASUREMENT_CREATED":           "Measuring",
	"INTERMEDIATE_RESULTS":          "Measuring",
	"SCAN_COMPLETED":                "Scan complete: waiting for the results",
	"RESULTS_RECEIVED":              "Results received",
	"REDIRECTING_TO_CALLBACK":       "Going back to the app",
	"MEASUREMENT_CANCELED":          "Measurement cancelled",
	"CONSTRAINT_VIOLATION":          "Face out of position: measurement cancelled",
	"PAGE_UNLOADED":                 "The page was closed",
	"WEBSOCKET_DISCONNECTED":        "Connection lost: reconnecting",
	"WEBSOCKET_RECONNECTED":         "Reconnected: measuring",
	"WEBSOCKET_RECONNECTION_FAILED": "Connection lost",
	"API_ERROR":                     "The service answered with an error",
	"PAGE_VISIBILITY_CHANGE":        "The page was hidden or shown",
	"LOW_SNR":                       "Signal too weak: measurement cancelled",
	"GENERAL_ERROR":                 "The camera did not start",
}

func stepText(event string) string {
	if t, ok := steps[event]; ok {
		return t
	}
	return event
}
