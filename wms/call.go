package wms

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/internal/suggest"
	"github.com/wmsmock/wms-mock/scenarios"
)

// HeaderSession names, on every call-in answer, the key the session's
// report is kept under: the SESSION_ID segment, or a made-up key for a
// call-in without one, so that a test can always find the report.
const HeaderSession = "X-Mock-Session"

// callIn serves GET /c/...: it checks the call-in as WMS would, then
// refuses it with error=CODE, or plays its journey.
func (s *Server) callIn(w http.ResponseWriter, r *http.Request, path string) {
	ci, err := parseCallIn(path)
	if err != nil {
		s.badPath(w, err)
		return
	}
	e := s.ids[ci.configID]
	if e == nil {
		s.unknownConfig(w, ci.configID)
		return
	}
	var cs checks
	cs.pass(CheckConfigID, "Config ID %s is served", shown(ci.configID))
	seg, readable := checkPath(ci, &cs)
	key := sessionKey(seg)
	if seg == "" {
		key = "no-session-" + strconv.FormatUint(s.anonymous.Add(1), 10)
	}
	sess := s.store.begin(key, seg, ci.configID)
	w.Header().Set(HeaderSession, key)

	var cust customer
	var profile *Profile
	medical := false
	if readable {
		cust = s.settingsFor(r.Context(), e, &cs)
		profile, medical = checkProfileData(ci.segs[segProfile], profileInput{key: s.key, twoWay: e.TwoWay, customer: cust.key, limits: s.limits}, &cs)
		checkTokens(ci, time.Now(), &cs)
	}
	for _, c := range cs {
		if c.Level != LevelPass {
			s.log.Warn("call-in check", "session", key, "config_id", ci.configID, "check", c.Name, "level", c.Level, "message", c.Message)
		}
	}
	sess.mu.Lock()
	sess.rep.Checks, sess.rep.Profile = cs, profile
	sess.mu.Unlock()

	if o, _ := cs.refusal(); o != "" {
		s.refuse(sess, e, o)
		s.sendOn(w, r, sess.snapshot())
		return
	}
	j := s.newJourney(sess, e, cust, profile, medical)
	if !s.track(func() { j.play(s.ctx) }, s.pace != scenarios.PaceFast) {
		s.errorPage(w, http.StatusServiceUnavailable, "The mock WMS is shutting down", "No new scan can start.", "Start the mock again and retry.")
		return
	}
	if s.pace == scenarios.PaceFast {
		s.sendOn(w, r, sess.snapshot())
		return
	}
	s.render(w, http.StatusOK, "scan", s.scanData(sess))
}

// track runs f, in the background when async, unless the server is
// closing; Close waits for every f.
func (s *Server) track(f func(), async bool) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	if !async {
		defer s.wg.Done()
		f()
		return true
	}
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// badPath answers a path the mock cannot read as a call-in at all: no
// Config ID to redirect to, so a plain page says what is wrong.
func (s *Server) badPath(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, errTooLong) {
		status = http.StatusRequestURITooLong
	}
	s.errorPage(w, status, "Not a call-in URL", err.Error()+".", "Build the URL as the docs say: /c/CONFIG_ID/ then PROFILE_DATA, DFX_AUTH_TOKEN and DFX_REFRESH_TOKEN each through encodeURIComponent, then SESSION_ID.")
}

// unknownConfig answers a Config ID the mock does not serve. There is no
// callback to send the browser to, so the page says what to do.
func (s *Server) unknownConfig(w http.ResponseWriter, id string) {
	what := "The mock WMS serves no Config ID " + shown(id) + "."
	if near := suggest.Closest(id, s.idNames); near != "" {
		what += " Did you mean " + near + "?"
	}
	served := s.idNames
	if len(served) > 5 {
		served = append(served[:5:5], "...")
	}
	todo := "Use a Config ID it serves (" + strings.Join(served, ", ") + "), or start it with --config-id " + id + " (or add the ID to the --config file)."
	s.errorPage(w, http.StatusNotFound, "Unknown Config ID", what, todo)
}
