// Package receiver is the reference WMS webhook receiver: what a correct
// endpoint does, written to be read. wms-mock's demo and the conformance
// suite run against it, and 'wms-mock receive' serves it.
//
// For each POST, on any path (the webhook URL is the customer's choice), it
//
//  1. refuses a body over the size cap (413) and a missing or malformed
//     X-WMS-Content-MAC (401) before reading anything;
//  2. verifies the MAC over the raw bytes in constant time (401), before
//     parsing and before the duplicate check, so that a forged copy of a
//     known event is a forgery, not a duplicate;
//  3. parses the envelope (400 when it is not a JSON object with timestamp,
//     sessionId, sequence, event and severity), accepting unknown events and
//     fields, since WMS may add them;
//  4. stores the event once per (sessionId, sequence), whatever the arrival
//     order, answering redeliveries 200 as well;
//  5. with an events file, answers only once the event is on disk;
//  6. reports what breaks the documented contract as findings, without
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
package receiver

import (
	"bytes"
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
)

// Defaults of the options.
const (
	// DefaultMaxBody caps a request body: a real event is a few hundred
	// bytes, so 1 MiB leaves room for any future payload and no more.
	DefaultMaxBody = 1 << 20
	// DefaultMemoryLimit is how many events stay in memory, and so how far
	// back the duplicate index reaches.
	DefaultMemoryLimit = 100_000
	// MaxListed bounds the events, and the findings, one GET /events
	// returns: a real session has a few dozen, and a listing must stay
	// cheap to serve.
	MaxListed = 1000
)

type config struct {
	eventsFile string
	maxBody    int64
	limit      int
	logger     *slog.Logger
}

// Option configures a Receiver.
type Option func(*config)

// WithEventsFile makes every accepted event durable: it is appended to path
// as one JSON line, {"receivedAt":...,"envelope":{...}}, and fsynced before
// the answer. An existing file is read back first, so duplicates stay
// duplicates across restarts; a torn last line left by a crash is cut off.
func WithEventsFile(path string) Option { return func(c *config) { c.eventsFile = path } }

// WithMaxBody sets the body size cap (default DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

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
	signer  *emitter.Signer
	maxBody int64
	log     *slog.Logger
	store   *store
	journal *journal

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
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	rc := &Receiver{signer: signer, maxBody: c.maxBody, log: c.logger, store: newStore(c.limit)}
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
func (rc *Receiver) Stats() Stats { return rc.store.snapshot() }

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
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "webhook deliveries are POST requests"})
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
}

func (rc *Receiver) deliver(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := rc.receive(w, r, start)
	if o.status == http.StatusOK {
		writeJSON(w, o.status, map[string]string{"verdict": o.verdict})
	} else {
		rc.store.reject(o.status)
		writeJSON(w, o.status, map[string]string{"error": o.reason})
	}

	attrs := []slog.Attr{slog.String("verdict", o.verdict), slog.Int("status", o.status)}
	if o.rec != nil {
		attrs = append(attrs, slog.String("session", clip(o.rec.SessionID)), slog.Int64("sequence", o.rec.Sequence), slog.String("event", clip(o.rec.Event)))
	}
	if o.reason != "" {
		attrs = append(attrs, slog.String("reason", o.reason))
	}
	attrs = append(attrs, slog.Duration("latency", time.Since(start)), slog.String("remote", r.RemoteAddr))
	rc.log.LogAttrs(r.Context(), slog.LevelInfo, "delivery", attrs...)
	for _, f := range o.finding {
		rc.log.Warn("contract", "kind", f.Kind, "session", clip(f.SessionID), "sequence", f.Sequence, "event", clip(f.Event), "message", f.Message)
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

	// Grow for what a real event needs, not for what Content-Length claims:
	// a client that announces 1 MiB and sends nothing must cost nothing.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, 16<<10)))
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, rc.maxBody)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return rc.tooLarge()
		}
		return outcome{status: http.StatusBadRequest, verdict: "unreadable", reason: "could not read the body: " + err.Error()}
	}
	body := buf.Bytes()
	if err := rc.signer.Verify(mac, body); err != nil {
		return badMAC(err)
	}

	rec, err := decode(body)
	if err != nil {
		return outcome{status: http.StatusBadRequest, verdict: "malformed", reason: err.Error()}
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
		return outcome{status: http.StatusServiceUnavailable, verdict: "abandoned", reason: "the client went away", rec: rec}
	default:
		rc.log.Error("cannot store the event", "error", err)
		return outcome{status: http.StatusServiceUnavailable, verdict: "unavailable", reason: "the event could not be stored: retry later", rec: rec}
	}
	return outcome{status: http.StatusOK, verdict: string(a.verdict), rec: rec, finding: a.findings}
}

func badMAC(err error) outcome {
	verdict := "forged"
	if errors.Is(err, emitter.ErrMACMissing) {
		verdict = "unsigned"
	}
	return outcome{status: http.StatusUnauthorized, verdict: verdict, reason: err.Error()}
}

func (rc *Receiver) tooLarge() outcome {
	return outcome{status: http.StatusRequestEntityTooLarge, verdict: "too-large",
		reason: fmt.Sprintf("the body is over %d bytes", rc.maxBody)}
}

// macHeader returns the one X-WMS-Content-MAC value. Go's server files
// incoming headers under canonical keys (X-Wms-Content-Mac); the exact
// spelling is read too, for handlers called with hand-built requests. Two
// values are refused: which one counts would be anyone's guess.
func macHeader(h http.Header) (string, error) {
	values := slices.Concat(h.Values(emitter.HeaderMAC), h[emitter.HeaderMAC])
	switch len(values) {
	case 0:
		return "", emitter.ErrMACMissing
	case 1:
		return values[0], nil
	default:
		return "", fmt.Errorf("%w: it appears %d times", emitter.ErrMACMalformed, len(values))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// A Receiver is mounted as is.
var _ http.Handler = (*Receiver)(nil)
