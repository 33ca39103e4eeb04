package inspector

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/wmsmock/wms-mock/receiver"
)

// state is the answer to GET /api/state: what the sidebar and the header
// show.
type state struct {
	Sessions     []sessionRow `json:"sessions"`
	MoreSessions int          `json:"moreSessions"`
	Accepted     int          `json:"accepted"`
	Duplicates   int          `json:"duplicates"`
	Refused      int          `json:"refused"`
	WebhookURL   string       `json:"webhookURL,omitempty"`
}

// sessionRow is one session in the list.
type sessionRow struct {
	receiver.SessionInfo
	Outcome Outcome `json:"outcome"`
}

func (h *handler) state(w http.ResponseWriter, _ *http.Request) {
	list, more := h.rc.Sessions(MaxSessions)
	st := h.rc.Stats()
	_, refused := h.rc.Refusals()
	s := state{Sessions: make([]sessionRow, len(list)), MoreSessions: more, Accepted: st.Accepted + st.Reloaded,
		Duplicates: st.Duplicates, Refused: refused, WebhookURL: h.webhookURL}
	for i, info := range list {
		s.Sessions[i] = sessionRow{SessionInfo: info, Outcome: outcomeOf(info.Names)}
	}
	writeJSON(w, s)
}

// refusalList is the answer to GET /api/refusals.
type refusalList struct {
	Refusals []receiver.Refusal `json:"refusals"`
	// Total counts every refusal since the receiver started; the list
	// holds the latest receiver.MaxRefusals.
	Total int `json:"total"`
}

func (h *handler) refusals(w http.ResponseWriter, _ *http.Request) {
	list, total := h.rc.Refusals()
	writeJSON(w, refusalList{Refusals: list, Total: total})
}

func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	v, ok := h.rc.Session(r.PathValue("id"))
	if !ok {
		http.Error(w, "no such session in memory: it never arrived, or the memory limit evicted it", http.StatusNotFound)
		return
	}
	writeJSON(w, newSessionPage(v))
}

// download answers GET /sessions/ID.jsonl with the session's events in
// arrival order, one JSON line each, as the events file holds them, so
// that a download can be replayed like an events file.
func (h *handler) download(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".jsonl")
	events := h.rc.Events(id)
	if !ok || id == "" || len(events) == 0 {
		http.Error(w, "no such session in memory: download /sessions/ID.jsonl for a session the page lists", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="session-`+fileSafe(id)+`.jsonl"`)
	out := bufio.NewWriter(w)
	for _, rec := range events {
		line, err := json.Marshal(rec)
		if err != nil {
			return // a stored body is valid JSON: cannot happen
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	_ = out.Flush()
}

// fileSafe keeps the letters, digits, dots, dashes and underscores of a
// session ID, at most 64 of them, for a file name any system takes.
func fileSafe(id string) string {
	var b strings.Builder
	for _, c := range id {
		if b.Len() == 64 {
			break
		}
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (h *handler) chart(w http.ResponseWriter, r *http.Request) {
	v, ok := h.rc.Session(r.PathValue("id"))
	if !ok {
		http.Error(w, "no such session in memory", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	// Opened on its own, the SVG runs nothing and loads nothing.
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(snrChart(v.Events))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
