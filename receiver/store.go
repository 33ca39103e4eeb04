package receiver

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// maxFindings bounds the findings kept from arrivals; later ones are only
// counted, since one misbehaving sender could otherwise fill the memory.
const maxFindings = 1000

// Stats counts what the receiver did since it started.
type Stats struct {
	// Accepted is the number of new events stored.
	Accepted int `json:"accepted"`
	// Duplicates is the number of redeliveries of a stored (sessionId,
	// sequence), answered 2xx and not stored again.
	Duplicates int `json:"duplicates"`
	// Changed counts the Duplicates whose body differed from the stored one.
	Changed int `json:"changed"`
	// Reloaded is the number of events read back from the events file.
	Reloaded int `json:"reloaded"`
	// Rejected counts refused webhook requests by HTTP status; requests to
	// GET /healthz and GET /events are not counted.
	Rejected map[int]int `json:"rejected"`
	// Events counts stored events (accepted and reloaded) by event name.
	Events map[string]int `json:"events"`
	// Sessions is the number of sessions held in memory.
	Sessions int `json:"sessions"`
	// DroppedFindings counts findings beyond the first maxFindings.
	DroppedFindings int `json:"droppedFindings,omitempty"`
	// BodyPeak is the most body bytes held at once, never above the body
	// budget (see WithBodyBudget).
	BodyPeak int64 `json:"bodyPeak"`
	// Shed counts bodies cut off to make room for smaller ones while the
	// body budget was full; they are among the Rejected 503s.
	Shed int `json:"shed,omitempty"`
}

// session is what the receiver knows of one sessionId: its events by
// sequence, which is also the duplicate index.
type session struct {
	id     string
	events map[int64]*Record
	// trimmed is set once the memory limit evicted one of its events.
	trimmed bool
	// last is the arrival of its newest event, to list sessions newest
	// first; top is its highest sequence so far, to tell a late event.
	last uint64
	top  int64
}

// find returns the stored event with sequence seq, or nil.
func (s *session) find(seq int64) *Record {
	if s == nil {
		return nil
	}
	return s.events[seq]
}

// verdict is what the store made of a valid event.
type verdict string

const (
	verdictAccepted  verdict = "accepted"
	verdictDuplicate verdict = "duplicate"
	// verdictChanged is a validly signed redelivery with another body: it is
	// answered like a duplicate, the first body is kept, and it is flagged.
	verdictChanged verdict = "changed-redelivery"
)

// admission is the store's answer for one event.
type admission struct {
	verdict  verdict
	findings []Finding
	// batch is the journal batch to wait for before answering, 0 for none.
	batch uint64
	// arrival is the stored event's place in the arrival order (the first
	// copy's, for a redelivery), and late whether a higher sequence of its
	// session arrived before it; both are for watchers (see Subscribe).
	arrival uint64
	late    bool
}

// store holds the events in memory, bounded by limit, in arrival order. It
// is the duplicate index, and with a journal it writes each new event's
// line under the same lock that admits it, so that a duplicate can never be
// answered before its first copy is on its way to disk.
type store struct {
	limit   int
	journal *journal // nil without an events file

	mu       sync.Mutex
	sessions map[string]*session
	ring     []*Record // arrival order; once full, the oldest is at next
	next     int
	arrivals uint64 // events stored so far, to order a session's events
	findings []Finding
	stats    Stats
}

func newStore(limit int) *store {
	return &store{limit: limit, sessions: make(map[string]*session),
		stats: Stats{Rejected: make(map[int]int), Events: make(map[string]int)}}
}

// admit stores rec unless its (sessionId, sequence) is known. found are
// the findings of checkEvent, kept only when rec is new. replayed events
// come from the events file and are not written again.
func (s *store) admit(rec *Record, found []Finding, replayed bool) (admission, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Once the events file fails, nothing is acknowledged, duplicates
	// included: the receiver can no longer tell what is on disk.
	if s.journal != nil && !replayed {
		if err := s.journal.err(); err != nil {
			return admission{}, err
		}
	}
	sess := s.sessions[rec.SessionID]
	if first := sess.find(rec.Sequence); first != nil {
		a := admission{verdict: verdictDuplicate, arrival: first.arrival, late: first.late}
		if !bytes.Equal(first.Body, rec.Body) {
			a.verdict = verdictChanged
			a.findings = []Finding{changedFinding(first, rec)}
			s.addFindings(a.findings)
		}
		if !replayed {
			first.redeliveries++
			s.stats.Duplicates++
			if a.verdict == verdictChanged {
				s.stats.Changed++
			}
			if s.journal != nil {
				a.batch = s.journal.barrier()
			}
		}
		return a, nil
	}

	a := admission{verdict: verdictAccepted, findings: found}
	if s.journal != nil && !replayed {
		var err error
		if a.batch, err = s.journal.append(rec.appendLine(nil)); err != nil {
			return admission{}, err
		}
	}
	if sess == nil {
		sess = &session{id: rec.SessionID, events: make(map[int64]*Record), top: rec.Sequence}
		s.sessions[rec.SessionID] = sess
	}
	rec.SessionID = sess.id // one copy of the string per session
	s.arrivals++
	rec.arrival, rec.late = s.arrivals, rec.Sequence < sess.top
	sess.last, sess.top = s.arrivals, max(sess.top, rec.Sequence)
	a.arrival, a.late = rec.arrival, rec.late
	sess.events[rec.Sequence] = rec
	s.push(rec)
	s.addFindings(found)
	if replayed {
		s.stats.Reloaded++
	} else {
		s.stats.Accepted++
	}
	s.stats.Events[rec.Event]++
	return a, nil
}

// changedFinding describes a validly signed redelivery whose body differs
// from the stored one. A different event under the same number is a
// numbering fault of the sender; the same event with another body is most
// often a retry that re-stamped its timestamp.
func changedFinding(first, again *Record) Finding {
	f := Finding{Kind: FindingChangedRedelivery, SessionID: again.SessionID, Sequence: again.Sequence, Event: again.Event,
		Message: "redelivered, validly signed, with a different body; the first body is kept"}
	if first.Event != again.Event {
		f.Kind = FindingSequenceRepeat
		f.Message = fmt.Sprintf("sequence %d was used by %s and again by %s; the first is kept", again.Sequence, humanize.Clip(first.Event, maxEcho), humanize.Clip(again.Event, maxEcho))
	}
	return f
}

// push appends rec to the arrival order and, past the limit, forgets the
// oldest event: its redelivery would then be stored again, which is the
// price of bounded memory.
func (s *store) push(rec *Record) {
	if len(s.ring) < s.limit {
		s.ring = append(s.ring, rec)
		return
	}
	old := s.ring[s.next]
	s.ring[s.next] = rec
	s.next = (s.next + 1) % s.limit
	sess := s.sessions[old.SessionID]
	delete(sess.events, old.Sequence)
	sess.trimmed = true
	if len(sess.events) == 0 {
		delete(s.sessions, old.SessionID)
	}
}

func (s *store) addFindings(found []Finding) {
	for _, f := range found {
		if len(s.findings) < maxFindings {
			s.findings = append(s.findings, f)
		} else {
			s.stats.DroppedFindings++
		}
	}
}

func (s *store) reject(status int) {
	s.mu.Lock()
	s.stats.Rejected[status]++
	s.mu.Unlock()
}

// events returns the stored events of sessionID ("" for all) in arrival
// order: the first limit of them when limit > 0, and how many more there
// are. One session's events are read from its own index, so the cost is
// that session's size, not the store's.
func (s *store) events(sessionID string, limit int) (out []Record, more int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*Record
	if sessionID == "" {
		recs = slices.Concat(s.ring[s.next:], s.ring[:s.next])
	} else if sess := s.sessions[sessionID]; sess != nil {
		recs = slices.SortedFunc(maps.Values(sess.events), func(a, b *Record) int { return cmp.Compare(a.arrival, b.arrival) })
	}
	if limit > 0 && len(recs) > limit {
		recs, more = recs[:limit], len(recs)-limit
	}
	out = make([]Record, len(recs))
	for i, rec := range recs {
		out[i] = *rec
	}
	return out, more
}

// allFindings returns the findings of sessionID ("" for all): those seen
// on arrival and those judged on each session as it stands now, ordered by
// session and sequence.
func (s *store) allFindings(sessionID string) []Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Finding{}
	for _, f := range s.findings {
		if sessionID == "" || f.SessionID == sessionID {
			out = append(out, f)
		}
	}
	if sessionID == "" {
		for _, sess := range s.sessions {
			out = append(out, sessionFindings(sess)...)
		}
	} else if sess := s.sessions[sessionID]; sess != nil {
		out = append(out, sessionFindings(sess)...)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.SessionID, b.SessionID), cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

func (s *store) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Rejected = maps.Clone(s.stats.Rejected)
	st.Events = maps.Clone(s.stats.Events)
	st.Sessions = len(s.sessions)
	return st
}
