// This command is a WMS webhook receiver with Go's standard library only, to
// copy into your own service.
//
//	WMS_MAC_SECRET=... PORT=8080 go run ./examples/receivers/go
//
// Environment: WMS_MAC_SECRET (required), PORT (8080), HOST (127.0.0.1;
// 0.0.0.0 in a container), EVENTS_FILE (events.jsonl).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// maxBody caps a body: an event is a few hundred bytes, and the cap keeps
// one client from filling the memory with a huge one.
const maxBody = 64 << 10

// envelope is a WMS event. The pointers tell a missing field from a zero
// one: sequence 0 is the first event, not a missing sequence.
type envelope struct {
	Timestamp *int64          `json:"timestamp"`
	SessionID *string         `json:"sessionId"`
	Sequence  *int64          `json:"sequence"`
	Event     *string         `json:"event"`
	Severity  *string         `json:"severity"`
	Payload   json.RawMessage `json:"payload"`
	// Unknown fields are ignored, never refused: WMS may add them.
}

// line is one line of the events file.
type line struct {
	ReceivedAt time.Time       `json:"receivedAt"`
	SHA256     string          `json:"sha256"`
	Event      json.RawMessage `json:"event"`
}

type key struct {
	session  string
	sequence int64
}

// receiver stores events in a JSON-lines file. seen, the duplicate index,
// maps each stored (sessionId, sequence) to its body's SHA-256; in
// production it is a UNIQUE index in your database.
type receiver struct {
	secret []byte
	mu     sync.Mutex
	file   *os.File
	seen   map[key]string
	work   chan envelope
}

func main() {
	secret := os.Getenv("WMS_MAC_SECRET")
	if secret == "" {
		log.Fatal("set WMS_MAC_SECRET to the MAC secret of your Config ID")
	}
	rc, err := open(secret, env("EVENTS_FILE", "events.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(env("HOST", "127.0.0.1"), env("PORT", "8080")))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", rc.deliver)
	mux.HandleFunc("/webhook", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "POST") // 405, not a catch-all 200
		answer(w, http.StatusMethodNotAllowed, "error", "POST only")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { rc.process(); close(done) }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("listening on http://%s/webhook\n", ln.Addr())

	select {
	case err := <-served:
		log.Fatal(err)
	case <-ctx.Done():
	}
	// Shutdown returns once the requests in flight are answered (Serve
	// returns at once: wait for Shutdown), then the queued work finishes.
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		// Requests still running may yet queue work: leave the queue open.
		// Every answered event is already synced to the file.
		log.Fatalf("shutdown: %v", err)
	}
	close(rc.work)
	<-done
	if err := rc.file.Close(); err != nil {
		log.Fatal(err)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// open reads the events file back, so that a redelivery after a restart is
// still a duplicate, and opens it for appending.
func open(secret, path string) (*receiver, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	rc := &receiver{secret: []byte(secret), file: f, seen: map[key]string{}, work: make(chan envelope, 1024)}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 2*maxBody)
	for sc.Scan() {
		var l line
		var e envelope
		// A torn last line was never acknowledged: WMS sends it again.
		if json.Unmarshal(sc.Bytes(), &l) == nil && json.Unmarshal(l.Event, &e) == nil && e.SessionID != nil && e.Sequence != nil {
			rc.seen[key{*e.SessionID, *e.Sequence}] = l.SHA256
		}
	}
	return rc, sc.Err()
}

// verify checks X-WMS-Content-MAC against the RAW body bytes: never against
// json.Marshal of the decoded event, whose whitespace, key order and
// escapes differ from what WMS signed.
func (rc *receiver) verify(header string, raw []byte) bool {
	m := hmac.New(sha256.New, rc.secret)
	m.Write(raw)
	want := "hmac-sha256=" + hex.EncodeToString(m.Sum(nil))
	// A missing header is "", a refusal. Compare the whole value, scheme
	// included, in constant time: never ==, never strings.HasPrefix (an
	// empty or truncated digest is a prefix of the right one).
	return hmac.Equal([]byte(header), []byte(want))
}

func (rc *receiver) deliver(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > maxBody {
		answer(w, http.StatusRequestEntityTooLarge, "error", "body too large")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		answer(w, http.StatusRequestEntityTooLarge, "error", "body too large")
		return
	} else if err != nil {
		answer(w, http.StatusBadRequest, "error", "could not read the body")
		return
	}
	if !rc.verify(r.Header.Get("X-WMS-Content-MAC"), raw) {
		// 401, not 400: a signature problem is not a bad body.
		answer(w, http.StatusUnauthorized, "error", "bad or missing X-WMS-Content-MAC")
		return
	}
	var e envelope
	// Unmarshal refuses bad JSON, arrays, scalars and wrong types; null
	// leaves every field nil, which the checks below refuse. Never a 500.
	// It would turn invalid UTF-8 into U+FFFD: refuse that first.
	if !utf8.Valid(raw) {
		answer(w, http.StatusBadRequest, "error", "the body is not UTF-8")
		return
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		answer(w, http.StatusBadRequest, "error", "not a JSON event: "+err.Error())
		return
	}
	if e.Timestamp == nil || e.SessionID == nil || *e.SessionID == "" || e.Sequence == nil || *e.Sequence < 0 || e.Event == nil || e.Severity == nil {
		answer(w, http.StatusBadRequest, "error", "timestamp, sessionId, sequence, event and severity are required")
		return
	}
	// Verified first, deduplicated second: otherwise a forged body under a
	// known (sessionId, sequence) would be acknowledged as a redelivery.
	isNew, err := rc.store(e, raw)
	if err != nil {
		log.Printf("cannot store the event: %v", err)
		answer(w, http.StatusServiceUnavailable, "error", "the event could not be stored: retry later")
		return
	}
	if !isNew {
		// A redelivery gets a 2xx too (a 409 makes WMS think it was lost),
		// but is not processed twice.
		answer(w, http.StatusOK, "verdict", "duplicate")
		return
	}
	answer(w, http.StatusOK, "verdict", "accepted")
	select {
	case rc.work <- e:
	default: // the queue is full: the event is stored, process it from the file later
	}
}

// store appends the event once per (sessionId, sequence) and syncs the file
// before the answer: a 2xx tells WMS not to send it again. It reports
// whether the event was new.
func (rc *receiver) store(e envelope, raw []byte) (bool, error) {
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	k := key{*e.SessionID, *e.Sequence}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if first, ok := rc.seen[k]; ok {
		if first != digest {
			// A validly signed different body under a known key is a
			// sender fault: keep the first, log it, still acknowledge.
			log.Printf("changed redelivery of %s#%d: first body kept", k.session, k.sequence)
		}
		return false, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil { // one event per line
		return false, err
	}
	b, err := json.Marshal(line{ReceivedAt: time.Now().UTC(), SHA256: digest, Event: compact.Bytes()})
	if err != nil {
		return false, err
	}
	if _, err := rc.file.Write(append(b, '\n')); err != nil {
		return false, err
	}
	if err := rc.file.Sync(); err != nil {
		return false, err
	}
	rc.seen[k] = digest
	return true, nil
}

// process is the real work (update a measurement, notify someone). It runs
// after the answer: WMS waits for the answer, so do slow work later.
func (rc *receiver) process() {
	for e := range rc.work {
		if *e.Event == "RESULTS_RECEIVED" {
			var p struct {
				MeasurementID string `json:"measurementId"`
			}
			_ = json.Unmarshal(e.Payload, &p)
			log.Printf("results ready: session %s, measurement %s", *e.SessionID, p.MeasurementID)
		}
	}
}

func answer(w http.ResponseWriter, status int, field, value string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{field: value})
}
