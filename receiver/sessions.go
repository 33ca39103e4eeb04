package receiver

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// SessionInfo sums up one session as the receiver holds it in memory, for
// a watcher that lists sessions (the inspector) without copying their
// events.
type SessionInfo struct {
	ID string `json:"id"`
	// Events counts its stored events, and Redeliveries the duplicates
	// answered for them.
	Events       int `json:"events"`
	Redeliveries int `json:"redeliveries"`
	// Findings counts its contract findings: those seen on arrival and
	// those judged on the session as it stands (gaps, measurement IDs).
	Findings int `json:"findings"`
	// First and Last are when its earliest and latest stored events
	// arrived.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Names lists the events it holds, each once, in sequence order: what
	// the journey went through, and so how it ended.
	Names []string `json:"names"`
	// Trimmed is set when the memory limit evicted some of its events, so
	// that it is no longer judged for gaps.
	Trimmed bool `json:"trimmed,omitempty"`
}

// SessionView is one session in full, as a timeline shows it.
type SessionView struct {
	SessionInfo
	// Events are its stored events in sequence order, at most MaxListed;
	// MoreEvents counts those left out.
	Events     []Record `json:"-"`
	MoreEvents int      `json:"moreEvents,omitempty"`
	// Findings are its contract findings, ordered by sequence.
	Findings []Finding `json:"-"`
}

// Sessions lists the sessions in memory, newest activity first: at most
// limit of them (all when limit <= 0), and how many more there are.
//
// The store's lock is held twice, briefly: once to note each session's
// latest arrival, once to sum up the sessions that made the cut, so that
// sorting many sessions never delays a delivery.
func (rc *Receiver) Sessions(limit int) (list []SessionInfo, more int) {
	return rc.store.sessionList(limit)
}

// Session returns one session in full, and false when the receiver holds
// no event of it.
func (rc *Receiver) Session(id string) (SessionView, bool) {
	return rc.store.sessionView(id, MaxListed)
}

func (s *store) sessionList(limit int) ([]SessionInfo, int) {
	type recent struct {
		last uint64
		id   string
	}
	s.mu.Lock()
	all := make([]recent, 0, len(s.sessions))
	for id, sess := range s.sessions {
		all = append(all, recent{sess.last, id})
	}
	s.mu.Unlock()

	slices.SortFunc(all, func(a, b recent) int { return cmp.Compare(b.last, a.last) })
	more := 0
	if limit > 0 && len(all) > limit {
		all, more = all[:limit], len(all)-limit
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	noted := s.notedFindings()
	out := make([]SessionInfo, 0, len(all))
	for _, r := range all {
		if sess := s.sessions[r.id]; sess != nil { // else evicted meanwhile
			info, _ := summarize(sess)
			info.Findings = noted[sess.id] + len(sessionFindings(sess))
			out = append(out, info)
		}
	}
	return out, more
}

func (s *store) sessionView(id string, limit int) (SessionView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		return SessionView{}, false
	}
	v := SessionView{}
	var bySeq []*Record
	v.SessionInfo, bySeq = summarize(sess)
	for _, f := range s.findings {
		if f.SessionID == id {
			v.Findings = append(v.Findings, f)
		}
	}
	v.Findings = append(v.Findings, sessionFindings(sess)...)
	slices.SortStableFunc(v.Findings, func(a, b Finding) int { return cmp.Compare(a.Sequence, b.Sequence) })
	v.SessionInfo.Findings = len(v.Findings)
	if len(bySeq) > limit {
		bySeq, v.MoreEvents = bySeq[:limit], len(bySeq)-limit
	}
	v.Events = make([]Record, len(bySeq))
	for i, rec := range bySeq {
		v.Events[i] = *rec
	}
	return v, true
}

// summarize sums sess up, all but its findings, and returns its events in
// sequence order. The store's lock is held.
func summarize(sess *session) (SessionInfo, []*Record) {
	bySeq := slices.SortedFunc(maps.Values(sess.events), func(a, b *Record) int { return cmp.Compare(a.Sequence, b.Sequence) })
	info := SessionInfo{ID: sess.id, Events: len(bySeq), Trimmed: sess.trimmed}
	seen := make(map[string]bool)
	for _, rec := range bySeq {
		info.Redeliveries += rec.redeliveries
		if info.First.IsZero() || rec.ReceivedAt.Before(info.First) {
			info.First = rec.ReceivedAt
		}
		if rec.ReceivedAt.After(info.Last) {
			info.Last = rec.ReceivedAt
		}
		if !seen[rec.Event] {
			seen[rec.Event] = true
			info.Names = append(info.Names, rec.Event)
		}
	}
	return info, bySeq
}

// notedFindings counts the findings noted on arrival, by session. The
// store's lock is held.
func (s *store) notedFindings() map[string]int {
	n := make(map[string]int)
	for _, f := range s.findings {
		n[f.SessionID]++
	}
	return n
}
