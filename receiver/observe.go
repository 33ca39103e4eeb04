package receiver

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Bounds of what the receiver keeps for watchers.
const (
	// SubscriberBuffer is how many updates wait for a slow subscriber
	// before the next ones are dropped: a watcher must never hold a
	// delivery up.
	SubscriberBuffer = 256
	// MaxRefusals is how many refused deliveries Refusals keeps, the
	// newest: a flood of forgeries costs a fixed amount of memory.
	MaxRefusals = 200
	// RefusalBodyPrefix bounds the body bytes kept of a refused delivery:
	// enough to see what was sent, too little to hold a flood of bodies.
	RefusalBodyPrefix = 256
	// maxRefusalEcho bounds a refusal's MAC header and path.
	maxRefusalEcho = 100
)

// Update is one thing the receiver did, as a subscriber sees it: exactly
// one of Accepted and Refusal is set.
type Update struct {
	Accepted *Accepted `json:"accepted,omitempty"`
	Refusal  *Refusal  `json:"refusal,omitempty"`
	// Dropped counts the updates this subscriber has missed so far because
	// it read too slowly; a watcher that sees it grow re-reads the state
	// (Sessions, Refusals) instead of trusting its own tally.
	Dropped uint64 `json:"dropped,omitempty"`
}

// Accepted is a delivery answered 200: a new event, or a redelivery of a
// stored one (Verdict "duplicate" or "changed-redelivery").
type Accepted struct {
	SessionID string `json:"sessionId"`
	Sequence  int64  `json:"sequence"`
	Event     string `json:"event"`
	Severity  string `json:"severity"`
	Verdict   string `json:"verdict"`
	// Arrival is the stored event's place in the arrival order (see
	// Record.Arrival), and Late whether it came after a higher sequence of
	// its session (Record.Late); for a redelivery, the first copy's.
	Arrival uint64 `json:"arrival"`
	Late    bool   `json:"late,omitempty"`
	// Findings are those the delivery raised on its own; gaps are judged
	// on the whole session (Session).
	Findings   []Finding `json:"findings,omitempty"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Refusal is one refused delivery, kept so that whoever set the sender up
// can see why it was refused. It holds what the request carried, clipped,
// and never anything of the secret: the receiver only has the signer.
type Refusal struct {
	At      time.Time `json:"at"`
	Status  int       `json:"status"`
	Verdict string    `json:"verdict"` // unsigned, forged, malformed, too-large, busy...
	Reason  string    `json:"reason"`
	Method  string    `json:"method"`
	Path    string    `json:"path"`
	Remote  string    `json:"remote"`
	// MAC is the X-WMS-Content-MAC header as received, "" when absent.
	MAC string `json:"mac"`
	// Body is the first RefusalBodyPrefix bytes of the body, when it was
	// read, as valid UTF-8; BodySize is its size, or the Content-Length
	// announced when it was refused before reading (-1: none announced).
	Body     string `json:"body"`
	BodySize int64  `json:"bodySize"`
	// SessionID and Sequence are set when the envelope was parsed (a
	// valid event that could not be stored).
	SessionID string `json:"sessionId,omitempty"`
	Sequence  int64  `json:"sequence,omitempty"`
}

// Subscribe returns updates on every delivery from now on, until ctx ends;
// then the channel is closed. A subscriber that falls SubscriberBuffer
// updates behind misses the next ones, counted in Update.Dropped, rather
// than slowing the receiver down.
func (rc *Receiver) Subscribe(ctx context.Context) <-chan Update {
	sub := &subscriber{ch: make(chan Update, SubscriberBuffer)}
	h := &rc.watchers
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*subscriber]struct{})
	}
	h.subs[sub] = struct{}{}
	h.n.Add(1)
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs, sub)
		h.n.Add(-1)
		close(sub.ch)
	})
	return sub.ch
}

// Refusals returns the refused deliveries kept, newest first, and how many
// there were since New.
func (rc *Receiver) Refusals() (newest []Refusal, total int) {
	return rc.refused.list()
}

// watchers fans updates out to the subscribers.
type watchers struct {
	n    atomic.Int32 // subscribers, so that nobody watching costs one load
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch      chan Update
	dropped uint64
}

func (h *watchers) watched() bool { return h.n.Load() > 0 }

func (h *watchers) publish(u Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		u.Dropped = sub.dropped
		select {
		case sub.ch <- u:
		default:
			sub.dropped++
		}
	}
}

// refusals is a ring of the latest MaxRefusals refused deliveries.
type refusals struct {
	mu    sync.Mutex
	ring  []Refusal
	next  int
	total int
}

func (rs *refusals) add(r Refusal) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.total++
	if len(rs.ring) < MaxRefusals {
		rs.ring = append(rs.ring, r)
		return
	}
	rs.ring[rs.next] = r
	rs.next = (rs.next + 1) % MaxRefusals
}

func (rs *refusals) list() ([]Refusal, int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]Refusal, 0, len(rs.ring))
	for i := len(rs.ring) - 1; i >= 0; i-- {
		out = append(out, rs.ring[(rs.next+i)%len(rs.ring)])
	}
	return out, rs.total
}

// observe tells the watchers how one delivery ended, and keeps it when it
// was refused. It runs after the answer is written.
func (rc *Receiver) observe(r *http.Request, o outcome, start time.Time) {
	if o.status != http.StatusOK {
		ref := refusalOf(r, o, start)
		rc.refused.add(ref)
		if rc.watchers.watched() {
			rc.watchers.publish(Update{Refusal: &ref})
		}
		return
	}
	if !rc.watchers.watched() || o.rec == nil {
		return
	}
	rec := o.rec
	rc.watchers.publish(Update{Accepted: &Accepted{
		SessionID: rec.SessionID, Sequence: rec.Sequence, Event: rec.Event, Severity: rec.Severity,
		Verdict: o.verdict, Arrival: o.arrival, Late: o.late, Findings: o.finding, ReceivedAt: rec.ReceivedAt,
	}})
}

func refusalOf(r *http.Request, o outcome, start time.Time) Refusal {
	ref := Refusal{
		At: start, Status: o.status, Verdict: o.verdict, Reason: o.reason, Method: humanize.Clip(r.Method, maxEcho),
		Path: humanize.Clip(r.URL.Path, maxRefusalEcho), Remote: r.RemoteAddr, BodySize: r.ContentLength,
	}
	if macs := macValues(r.Header); len(macs) > 0 {
		ref.MAC = humanize.Clip(strings.ToValidUTF8(strings.Join(macs, ", "), "\uFFFD"), maxRefusalEcho)
	}
	if o.body != nil {
		ref.BodySize = int64(len(o.body))
		// A rune cut at the prefix's end is Clip's to mend, not a U+FFFD.
		prefix := string(o.body[:min(len(o.body), RefusalBodyPrefix+utf8.UTFMax)])
		ref.Body = strings.ToValidUTF8(humanize.Clip(prefix, RefusalBodyPrefix), "\uFFFD")
	}
	if o.rec != nil {
		ref.SessionID, ref.Sequence = humanize.Clip(o.rec.SessionID, maxEcho), o.rec.Sequence
	}
	return ref
}
