package wms

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// State is where a session stands.
type State string

// Session states.
const (
	// StateChosen is a session known only from PUT /mock/sessions.
	StateChosen State = "chosen"
	// StatePlaying is a session whose journey is under way.
	StatePlaying State = "playing"
	// StateDone is a session that has ended: refused, redirected, closed.
	StateDone State = "done"
)

// Report is what the mock saw and did for one session, as GET
// /mock/sessions/SESSION_ID returns it: for a test to assert on the
// customer's call-in and webhook handling.
type Report struct {
	// SessionID is the SESSION_ID segment exactly as it stood in the path.
	SessionID string `json:"session_id"`
	ConfigID  string `json:"config_id,omitempty"`
	State     State  `json:"state"`
	// Chosen is the scenario set with PUT /mock/sessions, if any.
	Chosen string `json:"chosen_scenario,omitempty"`
	// Scenario is the one played, and ScenarioFrom why: "session",
	// "config" or "default".
	Scenario     string `json:"scenario,omitempty"`
	ScenarioFrom string `json:"scenario_from,omitempty"`
	Pace         string `json:"pace,omitempty"`
	// Checks are every check of the call-in, in order.
	Checks     []Check          `json:"checks"`
	Profile    *Profile         `json:"profile,omitempty"`
	Deliveries []DeliveryReport `json:"deliveries"`
	// Outcome is how the session ended, ErrorCode the code sent for it.
	Outcome   Outcome `json:"outcome,omitempty"`
	ErrorCode string  `json:"error_code,omitempty"`
	// Results is the results object sent (before encryption, when
	// Encrypted).
	Results   json.RawMessage `json:"results,omitempty"`
	Encrypted bool            `json:"encrypted,omitempty"`
	// Redirect is the Location the browser was sent to; empty for a
	// closed page or a session still playing.
	Redirect string     `json:"redirect,omitempty"`
	Started  time.Time  `json:"started,omitzero"`
	Ended    *time.Time `json:"ended,omitempty"`
}

// Findings returns the checks that did not pass.
func (r *Report) Findings() []Check {
	return slices.DeleteFunc(slices.Clone(r.Checks), func(c Check) bool { return c.Level == LevelPass })
}

// DeliveryReport is one webhook delivery and the answer it got.
type DeliveryReport struct {
	Event     string `json:"event,omitempty"`
	Sequence  int64  `json:"sequence"`
	Timestamp int64  `json:"timestamp,omitempty"`
	// Fault says what the scenario spoils on purpose, empty for none.
	Fault string `json:"fault,omitempty"`
	// Status is the HTTP answer, 0 when none came; Class and Message say
	// why not.
	Status    int                  `json:"status"`
	Class     emitter.FailureClass `json:"class,omitempty"`
	Message   string               `json:"message,omitempty"`
	LatencyMS float64              `json:"latency_ms"`
	// Passed is whether the answer is the one the scenario expects.
	Passed bool      `json:"passed"`
	SentAt time.Time `json:"sent_at"`
}

// session is one kept report, its progress for the realtime page, and
// the signal that its journey has ended.
type session struct {
	key string

	mu      sync.Mutex
	rep     Report
	attempt uint64
	done    chan struct{} // closed when the session ends
	total   time.Duration // the journey's expected real length
	last    string        // the last event delivered
	snr     *float64      // the last intermediate SNR delivered
	sent    int
	planned int
}

// snapshot copies the report under the lock.
func (s *session) snapshot() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rep
	r.Checks = slices.Clone(r.Checks)
	r.Deliveries = slices.Clone(r.Deliveries)
	return r
}

// end records how the session ended and wakes its waiters.
func (s *session) end(o Outcome, code, redirect string, results json.RawMessage, encrypted bool) {
	s.mu.Lock()
	if s.rep.State == StateDone { // ended already: keep the first ending
		s.mu.Unlock()
		return
	}
	now := time.Now()
	s.rep.State, s.rep.Outcome, s.rep.ErrorCode, s.rep.Redirect = StateDone, o, code, redirect
	s.rep.Results, s.rep.Encrypted, s.rep.Ended = results, encrypted, &now
	s.mu.Unlock()
	close(s.done)
}

// store keeps at most max sessions, forgetting the oldest first. Each
// call-in makes a new session under its key, so a reload of the call-in
// starts afresh while keeping the scenario chosen for it.
type store struct {
	mu    sync.Mutex
	max   int
	byKey map[string]*session
	order []*session // oldest first; stale entries skipped
}

func newStore(max int) *store { return &store{max: max, byKey: map[string]*session{}} }

// get returns the session kept under key.
func (st *store) get(key string) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.byKey[key]
}

// choose records the scenario chosen for key, for the next call-in.
func (st *store) choose(key, sessionID, scenario string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s := st.byKey[key]; s != nil {
		s.mu.Lock()
		s.rep.Chosen = scenario
		s.mu.Unlock()
		return
	}
	s := &session{key: key, done: make(chan struct{}), rep: Report{SessionID: sessionID, State: StateChosen, Chosen: scenario}}
	st.insert(s)
}

// begin starts a new session under key for a call-in, carrying over the
// scenario chosen for it and counting its attempts.
func (st *store) begin(key, sessionID, configID string) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := &session{key: key, done: make(chan struct{}), rep: Report{SessionID: sessionID, ConfigID: configID, State: StatePlaying, Started: time.Now()}}
	if old := st.byKey[key]; old != nil {
		old.mu.Lock()
		s.rep.Chosen, s.attempt = old.rep.Chosen, old.attempt+1
		old.mu.Unlock()
	}
	st.insert(s)
	return s
}

// insert keeps s under its key and evicts the oldest sessions over max.
// The caller holds st.mu.
func (st *store) insert(s *session) {
	st.byKey[s.key] = s
	st.order = append(st.order, s)
	for len(st.byKey) > st.max && len(st.order) > 0 {
		old := st.order[0]
		st.order = st.order[1:]
		if st.byKey[old.key] == old {
			delete(st.byKey, old.key)
		}
	}
	// Replaced sessions leave stale entries; drop them before they
	// outnumber the kept ones.
	if len(st.order) > 2*st.max+16 {
		st.order = slices.DeleteFunc(st.order, func(o *session) bool { return st.byKey[o.key] != o })
	}
	if cap(st.order) > 4*len(st.order)+64 {
		st.order = slices.Clone(st.order)
	}
}

// len is how many sessions are kept.
func (st *store) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byKey)
}
