// Package receiver is the reference WMS webhook receiver: what a correct
// endpoint does, written to be read. wms-mock's demo and the conformance
// suite run against it, and 'wms-mock receive' serves it.
//
// For each POST, on any path (the webhook URL is the customer's choice), it
//
//  1. refuses a body whose Content-Length is over the size cap (413), and a
//     missing or malformed X-WMS-Content-MAC (401), before reading
//     anything; a body that gave no length is refused at the cap;
//  2. holds the bodies of all requests within one budget (WithBodyBudget):
//     when it is full, a body is refused 503 with Retry-After, or a larger
//     body still arriving is cut off to make room for it; and a body must
//     arrive within BodyTimeout (408);
//  3. verifies the MAC over the raw bytes in constant time (401), before
//     parsing and before the duplicate check, so that a forged copy of a
//     known event is a forgery, not a duplicate;
//  4. parses the envelope (400 when it is not a JSON object with timestamp,
//     sessionId, sequence, event and severity), accepting unknown events and
//     fields, since WMS may add them;
//  5. stores the event once per (sessionId, sequence), whatever the arrival
//     order, answering redeliveries 200 as well;
//  6. with an events file, answers only once the event is on disk;
//  7. reports what breaks the documented contract as findings, without
//     refusing anything for it.
//
// A 200 answer's body is {"verdict":"accepted"}, "duplicate" or
// "changed-redelivery"; any other answer's is {"error":"..."} saying why.
// GET /healthz answers 200 while events can be stored. GET /events?session=ID
// lists that session's stored events and findings as JSON, at most
// MaxListed of each. The session is required: the receiver may be reachable
// by anyone through a tunnel, and the session ID, a random value the sender
// chose, is what entitles a caller to its events. The events file holds
// them all.
//
// Watchers (the inspector) see what the receiver does without slowing it:
// Subscribe streams every delivery's outcome, dropping rather than waiting
// for a slow reader; Refusals keeps the latest refused deliveries; Sessions
// and Session read the sessions held in memory. A Forwarder (WithForwarder)
// sends a copy of each delivery answered 200 on to another endpoint.
package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Defaults of the options.
const (
	// DefaultMaxBody caps a request body: a real event is a few hundred
	// bytes, so 64 KiB leaves a hundredfold margin for what WMS may add.
	DefaultMaxBody = 64 << 10
	// DefaultMemoryLimit is how many events stay in memory, and so how far
	// back the duplicate index reaches.
	DefaultMemoryLimit = 100_000
	// BodyBudgetPerEvent sizes the default body budget: this many bytes
	// for each event the memory limit keeps (about 24 MiB at
	// DefaultMemoryLimit), a fifth of what a stored event costs, so that
	// bodies in flight take a fraction of the memory the events take.
	BodyBudgetPerEvent = 256
	// MaxListed bounds the events, and the findings, one GET /events
	// returns: a real session has a few dozen, and a listing must stay
	// cheap to serve.
	MaxListed = 1000
)

type config struct {
	eventsFile string
	maxBody    int64
	budget     int64
	budgetSet  bool // else derived from limit and maxBody
	limit      int
	logger     *slog.Logger
	forwarder  *Forwarder
}

// Option configures a Receiver.
type Option func(*config)

// WithEventsFile makes every accepted event durable: it is appended to path
// as one JSON line, {"receivedAt":...,"envelope":{...}}, and fsynced before
// the answer. An existing file is read back first, so duplicates stay
// duplicates across restarts; a torn last line left by a crash is cut off.
func WithEventsFile(path string) Option { return func(c *config) { c.eventsFile = path } }

// WithMaxBody sets the body size cap (default DefaultMaxBody). A body
// over it is answered 413 as soon as that is known: at once when its
// Content-Length says so, at the cap otherwise.
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithBodyBudget bounds the body bytes held by all requests together, so
// that many slow or large bodies cannot grow the receiver's memory. The
// default is BodyBudgetPerEvent bytes per event of the memory limit, and
// never less than four bodies at the cap; New refuses a budget smaller
// than one.
//
// A body takes its share as it arrives. When the budget is full, a body
// that needs more is answered 503 with Retry-After, unless a body still
// arriving holds more than it would: that one is answered 503 instead, and
// its connection closed. Real events are small and sent at once, so they
// get through a flood of large slow bodies.
func WithBodyBudget(bytes int64) Option {
	return func(c *config) { c.budget, c.budgetSet = bytes, true }
}

// WithMemoryLimit bounds how many events stay in memory (default
// DefaultMemoryLimit). Past it the oldest are forgotten: a redelivery of a
// forgotten event is stored again, and its session is no longer checked for
// gaps. The events file, if any, keeps everything.
func WithMemoryLimit(events int) Option { return func(c *config) { c.limit = events } }

// WithLogger logs one line per request (session, sequence, event, verdict,
// status, latency) and each finding as a warning. The default logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Receiver is the reference webhook endpoint, an http.Handler. Create it
// with New and Close it after the server around it has stopped.
type Receiver struct {
	signer      *emitter.Signer
	maxBody     int64
	budget      *budget
	bodyTimeout time.Duration
	log         *slog.Logger
	store       *store
	journal     *journal
	watchers    watchers
	refused     refusals
	forward     *Forwarder // nil: nothing is forwarded

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// New returns a Receiver that verifies with signer. With WithEventsFile it
// reads the file back first and fails when the file is unreadable, locked
// by another receiver, or damaged anywhere but its last line.
func New(signer *emitter.Signer, opts ...Option) (*Receiver, error) {
	c := config{maxBody: DefaultMaxBody, limit: DefaultMemoryLimit}
	for _, o := range opts {
		o(&c)
	}
	switch {
	case signer == nil:
		return nil, errors.New("receiver: a signer is required: the receiver verifies every event")
	case c.maxBody <= 0:
		return nil, fmt.Errorf("receiver: the body cap must be positive, got %d", c.maxBody)
	case c.limit <= 0:
		return nil, fmt.Errorf("receiver: the memory limit must be positive, got %d", c.limit)
	case !c.budgetSet:
		c.budget = max(int64(c.limit)*BodyBudgetPerEvent, 4*c.maxBody)
	case c.budget < c.maxBody:
		return nil, fmt.Errorf("receiver: the body budget (%d bytes) must hold at least one body at the cap (%d bytes): raise the budget or lower the cap", c.budget, c.maxBody)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	rc := &Receiver{signer: signer, maxBody: c.maxBody, budget: newBudget(c.budget), bodyTimeout: BodyTimeout,
		log: c.logger, store: newStore(c.limit), forward: c.forwarder}
	if c.eventsFile == "" {
		return rc, nil
	}
	j, torn, err := openJournal(c.eventsFile, rc.replay)
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	if torn > 0 {
		rc.log.Warn("cut a torn last line from the events file: that event was never acknowledged, so its sender retries it",
			"file", c.eventsFile, "bytes", torn)
	}
	rc.journal, rc.store.journal = j, j
	return rc, nil
}

// replay stores one line of the events file, checked as on arrival.
func (rc *Receiver) replay(data []byte) error {
	var l line
	if err := json.Unmarshal(data, &l); err != nil {
		return fmt.Errorf("not an events file line: %v", err)
	}
	rec, err := decode(l.Envelope)
	if err != nil {
		return err
	}
	rec.ReceivedAt = l.ReceivedAt
	_, err = rc.store.admit(rec, checkEvent(rec), true)
	return err
}

// Close stops accepting events, waits until every accepted one is on disk
// and closes the events file. Call it after the HTTP server has shut down.
func (rc *Receiver) Close() error {
	rc.closeOnce.Do(func() {
		rc.closed.Store(true)
		if rc.journal != nil {
			rc.closeErr = rc.journal.close()
		}
	})
	return rc.closeErr
}

// Events returns the events in memory for sessionID, or for every session
// when sessionID is "", in arrival order.
func (rc *Receiver) Events(sessionID string) []Record {
	evs, _ := rc.store.events(sessionID, 0)
	return evs
}

// Findings returns every contract finding so far. Gaps, measurement
// changes and intermediate sequences are judged on the sessions as they
// stand, in sequence order, so a late event clears the gap it fills.
func (rc *Receiver) Findings() []Finding { return rc.store.allFindings("") }

// Stats returns the counts since New.
func (rc *Receiver) Stats() Stats {
	st := rc.store.snapshot()
	_, st.BodyPeak, st.Shed = rc.budget.counts()
	return st
}

// ServeHTTP routes: POST anywhere is a delivery; GET /healthz and GET
// /events serve tools; anything else is 405.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case r.Method == http.MethodPost:
		rc.deliver(w, r)
	case get && r.URL.Path == "/healthz":
		rc.health(w)
	case get && r.URL.Path == "/events":
		rc.list(w, r.URL.Query().Get("session"))
	default:
		w.Header().Set("Allow", http.MethodPost)
		rc.store.reject(http.StatusMethodNotAllowed)
		o := outcome{status: http.StatusMethodNotAllowed, verdict: "wrong-method", reason: "webhook deliveries are POST requests"}
		writeJSON(w, o.status, map[string]string{"error": o.reason})
		if !get {
			rc.observe(r, o, time.Now())
		}
	}
}

func (rc *Receiver) health(w http.ResponseWriter) {
	err := errClosed
	if !rc.closed.Load() {
		err = nil
		if rc.journal != nil {
			err = rc.journal.err()
		}
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// listing is the answer to GET /events?session=ID.
type listing struct {
	Events   []Record  `json:"events"`
	Findings []Finding `json:"findings"`
	// MoreEvents and MoreFindings count what was left out past MaxListed.
	MoreEvents   int `json:"moreEvents,omitempty"`
	MoreFindings int `json:"moreFindings,omitempty"`
}

// list answers GET /events for one session. Without a session it refuses:
// listing everything would hand every session to whoever finds the URL.
func (rc *Receiver) list(w http.ResponseWriter, session string) {
	if session == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "pass ?session=ID: /events lists one session's events, to whoever knows its ID; the events file holds every event"})
		return
	}
	var l listing
	l.Events, l.MoreEvents = rc.store.events(session, MaxListed)
	l.Findings = rc.store.allFindings(session)
	if n := len(l.Findings); n > MaxListed {
		l.Findings, l.MoreFindings = l.Findings[:MaxListed], n-MaxListed
	}
	writeJSON(w, http.StatusOK, l)
}

// outcome is how one delivery ended.
type outcome struct {
	status  int
	verdict string
	reason  string
	rec     *Record
	finding []Finding
	// arrival and late are the admission's, for watchers; body is the
	// body read, as it arrived, for a refusal's record or a forward.
	arrival uint64
	late    bool
	body    []byte
	// retryAfter, when set, goes out as Retry-After: the refusal is
	// momentary.
	retryAfter time.Duration
	// hangUp closes the connection after the answer.
	hangUp bool
}

func (rc *Receiver) deliver(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := rc.receive(w, r, start)
	prepareRefusal(w, o)
	if o.status == http.StatusOK {
		writeJSON(w, o.status, map[string]string{"verdict": o.verdict})
	} else {
		rc.store.reject(o.status)
		writeJSON(w, o.status, map[string]string{"error": o.reason})
	}

	rc.logDelivery(r, o, start)
	rc.observe(r, o, start)
	rc.forward.offer(o)
}

// logDelivery logs o's line and its findings' warnings. It builds nothing
// when the logger would drop them, as the default one does, since it runs
// on every delivery.
func (rc *Receiver) logDelivery(r *http.Request, o outcome, start time.Time) {
	ctx := r.Context()
	if rc.log.Enabled(ctx, slog.LevelInfo) {
		attrs := []slog.Attr{slog.String("verdict", o.verdict), slog.Int("status", o.status)}
		if o.rec != nil {
			attrs = append(attrs, slog.String("session", humanize.Clip(o.rec.SessionID, maxEcho)), slog.Int64("sequence", o.rec.Sequence), slog.String("event", humanize.Clip(o.rec.Event, maxEcho)))
		}
		if o.reason != "" {
			attrs = append(attrs, slog.String("reason", o.reason))
		}
		attrs = append(attrs, slog.Duration("latency", time.Since(start)), slog.String("remote", r.RemoteAddr))
		rc.log.LogAttrs(ctx, slog.LevelInfo, "delivery", attrs...)
	}
	if len(o.finding) == 0 || !rc.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	for _, f := range o.finding {
		rc.log.Warn("contract", "kind", f.Kind, "session", humanize.Clip(f.SessionID, maxEcho), "sequence", f.Sequence, "event", humanize.Clip(f.Event, maxEcho), "message", f.Message)
	}
}

// receive runs the checks in the order the package comment gives: cheap
// refusals first, the MAC before anything trusts the body, storage last.
func (rc *Receiver) receive(w http.ResponseWriter, r *http.Request, start time.Time) outcome {
	if rc.closed.Load() {
		return outcome{status: http.StatusServiceUnavailable, verdict: "unavailable", reason: errClosed.Error()}
	}
	if r.ContentLength > rc.maxBody {
		return rc.tooLarge()
	}
	mac, err := macHeader(r.Header)
	if err == nil {
		_, err = emitter.ParseMAC(mac)
	}
	if err != nil {
		return badMAC(err)
	}

	body, share, err := rc.readBody(w, r, start)
	defer share.release()
	if err != nil {
		return rc.unread(err)
	}
	if err := rc.signer.Verify(mac, body); err != nil {
		o := badMAC(err)
		o.body = body
		return o
	}

	rec, err := decode(body)
	if err != nil {
		return outcome{status: http.StatusBadRequest, verdict: "malformed", reason: err.Error(), body: body}
	}
	rec.ReceivedAt = start
	a, err := rc.store.admit(rec, checkEvent(rec), false)
	if err == nil && a.batch > 0 {
		err = rc.journal.wait(r.Context(), a.batch)
	}
	switch {
	case err == nil:
	case r.Context().Err() != nil:
		// The client left before the fsync ended; the event is stored all
		// the same, and its retry will be a duplicate.
		return outcome{status: http.StatusServiceUnavailable, verdict: "abandoned", reason: "the client went away", rec: rec, body: body}
	default:
		rc.log.Error("cannot store the event", "error", err)
		return outcome{status: http.StatusServiceUnavailable, verdict: "unavailable", reason: "the event could not be stored: retry later", rec: rec, body: body}
	}
	return outcome{status: http.StatusOK, verdict: string(a.verdict), rec: rec, finding: a.findings, arrival: a.arrival, late: a.late, body: body}
}

func badMAC(err error) outcome {
	verdict := "forged"
	if errors.Is(err, emitter.ErrMACMissing) {
		verdict = "unsigned"
	}
	return outcome{status: http.StatusUnauthorized, verdict: verdict, reason: err.Error()}
}

// macHeader returns the one X-WMS-Content-MAC value. Go's server files
// incoming headers under canonical keys (X-Wms-Content-Mac); the exact
// spelling is read too, for handlers called with hand-built requests. Two
// values are refused: which one counts would be anyone's guess.
func macHeader(h http.Header) (string, error) {
	values := macValues(h)
	switch len(values) {
	case 0:
		return "", emitter.ErrMACMissing
	case 1:
		return values[0], nil
	default:
		return "", fmt.Errorf("%w: it appears %d times", emitter.ErrMACMalformed, len(values))
	}
}

// macValues returns every X-WMS-Content-MAC value, under either spelling.
func macValues(h http.Header) []string {
	return slices.Concat(h.Values(emitter.HeaderMAC), h[emitter.HeaderMAC])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// A Receiver is mounted as is.
var _ http.Handler = (*Receiver)(nil)
