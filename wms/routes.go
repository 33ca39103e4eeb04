package wms

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// sessionsPrefix starts every session endpoint.
const sessionsPrefix = "/mock/sessions/"

// maxPutBody bounds PUT /mock/sessions' body.
const maxPutBody = 4 << 10

// ServeHTTP routes by the raw request path, not Go's cleaned and decoded
// one: SESSION_ID must be seen exactly as it stood, and an empty segment
// (a missing token) is a finding, not a redirect to a cleaner path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.EscapedPath()
	}
	path := rawPath(uri)
	if len(path) > MaxPath {
		s.errorPage(w, http.StatusRequestURITooLong, "The path is too long", errTooLong.Error(), "Check the app's call-in code: PROFILE_DATA and the tokens are each passed through encodeURIComponent once.")
		return
	}
	switch {
	case path == "/c" || strings.HasPrefix(path, callInPrefix):
		if allow(w, r, http.MethodGet) {
			s.callIn(w, r, path)
		}
	case path == "/mock/public-key.pem":
		if allow(w, r, http.MethodGet) {
			w.Header().Set("Content-Type", "application/x-pem-file")
			w.Write(s.publicPEM)
		}
	case strings.HasPrefix(path, sessionsPrefix):
		s.sessionRoute(w, r, strings.TrimPrefix(path, sessionsPrefix))
	case path == "/favicon.ico":
		// Browsers ask for it on every page; a 404 would be a console
		// error in every browser test of a customer's app.
		w.WriteHeader(http.StatusNoContent)
	case path == "/":
		if allow(w, r, http.MethodGet) {
			s.render(w, http.StatusOK, "index", indexData{IDs: s.idNames, Pace: s.pace.String()})
		}
	default:
		s.errorPage(w, http.StatusNotFound, "Not found", "The mock WMS serves no page at "+shown(path)+".", "A call-in is GET /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID; the mock's own endpoints are under /mock/.")
	}
}

// allow answers 405 unless r's method is the one given.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	http.Error(w, "method not allowed: use "+method, http.StatusMethodNotAllowed)
	return false
}

// sessionRoute serves /mock/sessions/ID, ID/status and ID/done.
func (s *Server) sessionRoute(w http.ResponseWriter, r *http.Request, rest string) {
	id, sub, _ := strings.Cut(rest, "/")
	if id == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "name a session: /mock/sessions/SESSION_ID, as it stood in the call-in path"})
		return
	}
	key := sessionKey(id)
	switch sub {
	case "":
		switch r.Method {
		case http.MethodGet:
			s.getSession(w, key)
		case http.MethodPut:
			s.putSession(w, r, id, key)
		default:
			w.Header().Set("Allow", "GET, PUT")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET to read a session or PUT to choose its scenario"})
		}
	case "status":
		if allow(w, r, http.MethodGet) {
			s.status(w, key)
		}
	case "done":
		if allow(w, r, http.MethodGet) {
			s.done(w, r, key)
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown session endpoint: use /mock/sessions/SESSION_ID, /status or /done"})
	}
}

func (s *Server) getSession(w http.ResponseWriter, key string) {
	sess := s.store.get(key)
	if sess == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such session: none was called in or chosen with that SESSION_ID, or it is older than the kept ones"})
		return
	}
	rep := sess.snapshot()
	writeJSON(w, http.StatusOK, &rep)
}

// putSession chooses the scenario of a session's next call-in.
func (s *Server) putSession(w http.ResponseWriter, r *http.Request, id, key string) {
	var body struct {
		Scenario string `json:"scenario"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxPutBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Scenario == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"scenario": NAME}, NAME a built-in scenario or one given with --scenarios`})
		return
	}
	if _, ok := s.scenarios[body.Scenario]; !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.unknownScenario(body.Scenario)})
		return
	}
	s.store.choose(key, id, body.Scenario)
	writeJSON(w, http.StatusOK, map[string]string{"session_id": id, "scenario": body.Scenario})
}

// pageStatus is what the realtime page polls.
type pageStatus struct {
	State       State    `json:"state"`
	Event       string   `json:"event,omitempty"`
	Step        string   `json:"step"`
	SNR         *float64 `json:"snr,omitempty"`
	Sent        int      `json:"sent"`
	Planned     int      `json:"planned"`
	RemainingMS int64    `json:"remaining_ms"`
	DoneURL     string   `json:"done_url"`
}

func (s *Server) status(w http.ResponseWriter, key string) {
	sess := s.store.get(key)
	if sess == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such session"})
		return
	}
	sess.mu.Lock()
	st := pageStatus{State: sess.rep.State, Event: sess.last, Step: stepText(sess.last), Sent: sess.sent, Planned: sess.planned, DoneURL: doneURL(key)}
	if sess.snr != nil {
		v := *sess.snr
		st.SNR = &v
	}
	if !sess.rep.Started.IsZero() {
		st.RemainingMS = max(0, (sess.total - time.Since(sess.rep.Started)).Milliseconds())
	}
	sess.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, &st)
}

// done waits for the session's end and sends the browser on, so that the
// realtime page redirects with JavaScript off too.
func (s *Server) done(w http.ResponseWriter, r *http.Request, key string) {
	sess := s.store.get(key)
	if sess == nil || sess.snapshot().State == StateChosen {
		s.errorPage(w, http.StatusNotFound, "No such session", "The mock has no call-in for this session, or it is older than the sessions kept.", "Start again from the app's call-in link.")
		return
	}
	select {
	case <-sess.done:
	case <-r.Context().Done():
		return
	}
	s.sendOn(w, r, sess.snapshot())
}

// sendOn redirects the browser as the session's report says, or shows the
// closed page when the journey ended with the user closing it.
func (s *Server) sendOn(w http.ResponseWriter, r *http.Request, rep Report) {
	if rep.Redirect != "" {
		http.Redirect(w, r, rep.Redirect, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "closed", rep)
}

func doneURL(key string) string { return sessionsPrefix + key + "/done" }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
