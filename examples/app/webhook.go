package main

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
)

// event is one webhook event as WMS posts it.
type event struct {
	Timestamp int64          `json:"timestamp"`
	SessionID string         `json:"sessionId"`
	Sequence  *int64         `json:"sequence"` // a pointer: 0 is the first event, not a missing one
	Event     string         `json:"event"`
	Severity  string         `json:"severity"`
	Payload   map[string]any `json:"payload"` // measurementId, snr, ...: depends on the event
}

// webhook verifies, stores and acknowledges one event. It answers at once:
// WMS waits for the answer, so any slow work belongs after it.
func (a *app) webhook(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, "could not read the body (64 KiB at most)", http.StatusRequestEntityTooLarge)
		return
	}
	// The MAC is over the RAW body, never over a re-encoding of the decoded
	// event; compare the whole header value in constant time.
	m := hmac.New(sha256.New, []byte(a.cfg.MACSecret))
	m.Write(raw)
	want := "hmac-sha256=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-WMS-Content-MAC")), []byte(want)) {
		http.Error(w, "bad or missing X-WMS-Content-MAC", http.StatusUnauthorized)
		return
	}
	var e event
	if err := json.Unmarshal(raw, &e); err != nil || e.SessionID == "" || e.Sequence == nil || e.Event == "" {
		http.Error(w, "not a WMS event: sessionId, sequence and event are required", http.StatusBadRequest)
		return
	}
	// A redelivery gets a 2xx too, or WMS would think it lost, but it is
	// stored once: (sessionId, sequence) names an event.
	a.events.add(e)
	w.WriteHeader(http.StatusNoContent)
}

// eventStore keeps the events of the latest sessions in memory, the oldest
// session forgotten first, so that no sender can fill the memory. A real
// app stores events durably (a table with a UNIQUE (session_id, sequence)
// index) before it answers, so that a restart loses none.
type eventStore struct {
	mu          sync.Mutex
	sessions    map[string][]event
	order       []string // sessions, oldest first
	maxSessions int
	maxEvents   int
}

func newEventStore(maxSessions, maxEvents int) *eventStore {
	return &eventStore{sessions: map[string][]event{}, maxSessions: maxSessions, maxEvents: maxEvents}
}

// add stores e unless its (sessionId, sequence) is already stored, and
// keeps each session's events in sequence order.
func (s *eventStore) add(e event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, known := s.sessions[e.SessionID]
	if !known {
		if len(s.order) == s.maxSessions {
			delete(s.sessions, s.order[0])
			s.order = slices.Delete(s.order, 0, 1)
		}
		s.order = append(s.order, e.SessionID)
	}
	i, dup := slices.BinarySearchFunc(list, *e.Sequence, func(x event, seq int64) int { return cmp.Compare(*x.Sequence, seq) })
	if dup || len(list) == s.maxEvents {
		return
	}
	s.sessions[e.SessionID] = slices.Insert(list, i, e)
}

// get returns a copy of a session's events, in sequence order.
func (s *eventStore) get(session string) []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sessions[session])
}
