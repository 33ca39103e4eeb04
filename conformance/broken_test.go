package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

// The broken receivers below are the reference receiver with one defect
// each, so that the only difference the suite can see is that defect.

// maxBody is the reference receiver's cap; the wrappers leave bodies above
// it to the reference, which refuses them.
const maxBody = receiver.DefaultMaxBody

// newReference returns a fresh reference receiver verifying with signer.
func newReference(t testing.TB, signer *emitter.Signer) *receiver.Receiver {
	t.Helper()
	rc, err := receiver.New(signer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

// serve runs h on a loopback port; handler panics are expected from some
// broken receivers, so the server's log is discarded.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// readBody reads a POST body no larger than the cap and puts it back for
// the next handler. ok is false for bodies the reference must judge alone.
func readBody(r *http.Request) (body []byte, ok bool) {
	if r.Method != http.MethodPost || r.ContentLength > maxBody {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, true
}

func macOf(r *http.Request) string { return r.Header.Get(emitter.HeaderMAC) }

// inFront puts a broken step in front of a fresh reference receiver that
// verifies with the test secret: the step answers and returns true, or
// leaves the request to the reference.
func inFront(t testing.TB, step func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool) http.Handler {
	ref := newReference(t, testkit.Signer(t))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !step(w, r, ref) {
			ref.ServeHTTP(w, r)
		}
	})
}

// verifier puts a broken MAC check in front of the reference receiver.
// What the check lets through is signed again correctly, so that the
// reference accepts it.
func verifier(t testing.TB, valid func(s *emitter.Signer, mac string, body []byte) bool) http.Handler {
	s := testkit.Signer(t)
	return inFront(t, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		body, ok := readBody(r)
		switch {
		case !ok:
			return false
		case !valid(s, macOf(r), body):
			http.Error(w, "bad MAC", http.StatusUnauthorized)
			return true
		}
		r.Header.Set(emitter.HeaderMAC, s.MAC(body))
		return false
	})
}

// afterVerify runs a broken step once the MAC is known to be right; it
// returns true when it answered. Everything else goes to the reference.
func afterVerify(t testing.TB, step func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool) http.Handler {
	s := testkit.Signer(t)
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		body, ok := readBody(r)
		return ok && s.Verify(macOf(r), body) == nil && step(w, r, body, ref)
	})
}

// rewriteStatus is the reference receiver answering to with the status
// from it would choose.
func rewriteStatus(t testing.TB, from, to int) http.Handler {
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		ref.ServeHTTP(&rewriter{ResponseWriter: w, from: from, to: to}, r)
		return true
	})
}

// position is the (sessionId, sequence) of a body that has both.
func position(body []byte) (session string, seq int64, ok bool) {
	var env struct {
		SessionID *string `json:"sessionId"`
		Sequence  *int64  `json:"sequence"`
	}
	if json.Unmarshal(body, &env) != nil || env.SessionID == nil || env.Sequence == nil {
		return "", 0, false
	}
	return *env.SessionID, *env.Sequence, true
}

// key is the (sessionId, sequence) of a body that has them, as one string.
func key(body []byte) (string, bool) {
	id, seq, ok := position(body)
	return fmt.Sprintf("%s/%d", id, seq), ok
}

// keys is a set of (sessionId, sequence) keys safe for concurrent use.
type keys struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (k *keys) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen[key]
}

func (k *keys) add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil {
		k.seen = map[string]bool{}
	}
	k.seen[key] = true
}

// stored serves r with next and reports whether next answered 2xx.
func stored(next http.Handler, w http.ResponseWriter, r *http.Request) bool {
	rec := &recorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	return rec.status/100 == 2
}

// recorder remembers the status a handler answered with.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// rewriter answers with another status than the handler chose.
type rewriter struct {
	http.ResponseWriter
	from, to int
}

func (r *rewriter) WriteHeader(code int) {
	if code == r.from {
		code = r.to
	}
	r.ResponseWriter.WriteHeader(code)
}

// reencode is what JSON.stringify(JSON.parse(body)) gives in Node.js: keys
// kept in order, whitespace dropped, escapes decoded. A receiver that
// verifies these bytes instead of the raw body breaks on any other layout.
func reencode(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out bytes.Buffer
	var stack []byte // '{' or '['
	var first []bool
	var afterKey bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack, first = stack[:len(stack)-1], first[:len(first)-1]
			continue
		}
		if !afterKey && len(stack) > 0 {
			if !first[len(first)-1] {
				out.WriteByte(',')
			}
			first[len(first)-1] = false
		}
		isKey := !afterKey && len(stack) > 0 && stack[len(stack)-1] == '{'
		afterKey = false
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack, first = append(stack, byte(v)), append(first, true)
		case string:
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(v)
			out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
			if isKey {
				out.WriteByte(':')
				afterKey = true
			}
		case json.Number:
			out.WriteString(v.String())
		case bool:
			fmt.Fprint(&out, v)
		case nil:
			out.WriteString("null")
		}
	}
}

func TestReencodeKeepsCanonicalBodies(t *testing.T) {
	for _, in := range []string{
		`{"timestamp":1,"sessionId":"a","sequence":0,"event":"X","severity":"INFO","payload":{"snr":1.5,"list":[1,"b",null,true,{}]}}`,
		`[]`, `null`, `"s"`,
	} {
		got, err := reencode([]byte(in))
		if err != nil || string(got) != in {
			t.Errorf("reencode(%s) = %s, %v", in, got, err)
		}
	}
	got, _ := reencode([]byte("{ \"a\" : \"\\u00e9\" }"))
	if string(got) != `{"a":"é"}` {
		t.Errorf("reencode kept whitespace or escapes: %s", got)
	}
}

// broken is one receiver of the family and the specs that must catch it.
type broken struct {
	name    string
	defect  string
	handler func(t testing.TB) http.Handler
	// timeout is the run's --timeout; short for the slow receivers.
	timeout time.Duration
	// args are extra flags of the run.
	args  []string
	fails []string
	// inconclusive are the specs that must reach no verdict (skipped).
	inconclusive []string
	// says are lines the console output must contain.
	says []string
	// last is how the console output's last line must begin, if set.
	last string
}

// acceptSpecs need a validly signed event accepted: a receiver that
// accepts nothing fails exactly these.
var acceptSpecs = []string{
	"raw-whitespace", "raw-key-order", "raw-escapes", "all-events", "journey", "interleaved",
	"duplicate", "out-of-order", "unknown-event", "unknown-fields", "burst",
}

var signatureMusts = []string{"missing-mac", "wrong-secret", "tampered-body", "tampered-replay", "one-digit", "truncated-mac", "empty-mac"}

// rejectSpecs are the specs that pass on refusals of forged events: when no
// valid event is accepted either, the refusals show nothing, and a receiver
// that refuses every forgery leaves exactly these without a verdict.
var rejectSpecs = slices.Concat(signatureMusts, []string{"wrong-scheme"})

// servingSpecs claim that the receiver keeps serving after their requests,
// which the valid event before them shows only when it is accepted: a
// receiver that refuses valid events leaves those it does not fail
// without a verdict.
var servingSpecs = []string{"malformed-json", "malformed-array", "malformed-scalar", "malformed-envelope", "oversized"}

// brokenReceivers is the family, one table: a receiver's defect and the
// specs that must catch it read best side by side, so the function is as
// long as the family.
func brokenReceivers() []broken {
	return []broken{
		{
			name: "reference", defect: "none: the reference receiver",
			handler: func(t testing.TB) http.Handler { return newReference(t, testkit.Signer(t)) },
		},
		{
			name: "no-verification", defect: "accepts any MAC, or none",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(*emitter.Signer, string, []byte) bool { return true })
			},
			fails: slices.Concat(signatureMusts, []string{"wrong-scheme", "reject-status"}),
		},
		{
			name: "skip-missing", defect: "verifies only when the header is present",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					return mac == "" || s.Verify(mac, body) == nil
				})
			},
			fails: []string{"missing-mac", "reject-status"},
		},
		{
			name: "prefix-compare", defect: "accepts any prefix of the right MAC (strings.HasPrefix)",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					return mac != "" && strings.HasPrefix(s.MAC(body), mac)
				})
			},
			fails: []string{"truncated-mac", "empty-mac"},
		},
		{
			name: "partial-compare", defect: "compares only the first 16 bytes of the digest",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					got, err := emitter.ParseMAC(mac)
					want, _ := emitter.ParseMAC(s.MAC(body))
					return err == nil && bytes.Equal(got[:16], want[:16])
				})
			},
			fails: []string{"one-digit", "reject-status"},
		},
		{
			name: "any-scheme", defect: "takes the digest after any '=' and ignores the scheme",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					digest := mac[strings.LastIndexByte(mac, '=')+1:]
					return digest != "" && digest == strings.TrimPrefix(s.MAC(body), emitter.MACScheme)
				})
			},
			fails: []string{"wrong-scheme"},
		},
		{
			name: "reserialised", defect: "verifies JSON.stringify(JSON.parse(body)) instead of the raw bytes",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					again, err := reencode(body)
					if err != nil {
						// Express's body parser answers 400 before any handler.
						return s.Verify(mac, body) == nil
					}
					return s.Verify(mac, again) == nil
				})
			},
			fails: []string{"raw-whitespace", "raw-escapes"},
		},
		{
			name: "wrong-secret", defect: "verifies with another Config ID's secret",
			handler: func(t testing.TB) http.Handler {
				return newReference(t, testkit.Signer(t, "another-config-id-secret"))
			},
			fails:        slices.Concat(acceptSpecs, []string{"malformed-status"}),
			inconclusive: slices.Concat(rejectSpecs, servingSpecs, []string{"deadline"}),
			says: []string{
				"note: a validly signed event got 401 Unauthorized",
				"were answered in time, but not with a 2xx (401 Unauthorized: 200), like the plain valid event sent before the first spec",
				"laid out with newlines and indentation was not accepted, but neither was the plain valid event sent before the first spec",
				"SKIP  must    payload     answers broken JSON without a 5xx and keeps serving",
			},
			last: "note: a validly signed event got 401 Unauthorized",
		},
		{
			name: "redirect", defect: "redirects every POST to the URL with a trailing slash (308)",
			handler: func(t testing.TB) http.Handler {
				return inFront(t, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
					if r.Method != http.MethodPost {
						return false
					}
					http.Redirect(w, r, r.URL.Path+"/", http.StatusPermanentRedirect)
					return true
				})
			},
			fails:        slices.Concat(acceptSpecs, []string{"reject-status", "malformed-status"}),
			inconclusive: slices.Concat(rejectSpecs, servingSpecs, []string{"deadline"}),
			says:         []string{"note: a validly signed event got 308 Permanent Redirect"},
			last:         "note: a validly signed event got 308 Permanent Redirect",
		},
		{
			name: "501-to-everything", defect: "answers 501 Not Implemented to every request",
			handler: func(t testing.TB) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "not implemented", http.StatusNotImplemented)
				})
			},
			fails: slices.Concat(acceptSpecs, []string{
				"reject-status", "malformed-json", "malformed-array", "malformed-scalar", "malformed-envelope", "malformed-status", "methods",
			}),
			// Its 5xx answers fail the malformed-* specs whatever it serves.
			inconclusive: slices.Concat(rejectSpecs, []string{"oversized", "deadline"}),
			says:         []string{"SKIP  must    signature   rejects an event signed with another secret"},
			last:         "note: a validly signed event got 501 Not Implemented",
		},
		{
			name: "500-on-broken-json", defect: "answers 500 to a signed body that does not parse",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					if json.Valid(body) {
						return false
					}
					http.Error(w, "SyntaxError: Unexpected token", http.StatusInternalServerError)
					return true
				})
			},
			fails: []string{"malformed-json", "malformed-status"},
		},
		{
			name: "panic-on-null", defect: "dereferences the decoded envelope without checking it (a null body panics)",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					var env *struct {
						SessionID string `json:"sessionId"`
					}
					if json.Unmarshal(body, &env) == nil {
						// For a "null" body env stays nil, and this panics.
						w.Header().Set("X-Session", env.SessionID)
					}
					return false
				})
			},
			fails: []string{"malformed-scalar", "malformed-status"},
		},
		{
			name: "500-on-unknown-event", defect: "answers 500 to an event name outside the catalog",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					var env struct {
						Event *string `json:"event"`
					}
					if json.Unmarshal(body, &env) != nil || env.Event == nil {
						return false
					}
					if _, err := emitter.LookupEvent(*env.Event); err != nil {
						http.Error(w, "unhandled event", http.StatusInternalServerError)
						return true
					}
					return false
				})
			},
			fails: []string{"unknown-event"},
		},
		{
			name: "500-on-unknown-fields", defect: "decodes the envelope with DisallowUnknownFields and answers 500",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					if _, ok := key(body); !ok {
						return false
					}
					dec := json.NewDecoder(bytes.NewReader(body))
					dec.DisallowUnknownFields()
					var env testkit.Envelope
					if err := dec.Decode(&env); err != nil && strings.Contains(err.Error(), "unknown field") {
						http.Error(w, err.Error(), http.StatusInternalServerError)
						return true
					}
					return false
				})
			},
			fails: []string{"unknown-fields"},
		},
		{
			name: "ascii-only", defect: "refuses strings with non-ASCII characters (400)",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					var v any
					if json.Unmarshal(body, &v) != nil || !hasNonASCII(v) {
						return false
					}
					http.Error(w, "non-ASCII text", http.StatusBadRequest)
					return true
				})
			},
			fails: []string{"raw-escapes"},
		},
		{
			name: "409-on-duplicate", defect: "answers 409 Conflict to a redelivery",
			handler: func(t testing.TB) http.Handler {
				var seen keys
				return afterVerify(t, func(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
					k, ok := key(body)
					switch {
					case !ok:
						return false
					case seen.has(k):
						http.Error(w, "duplicate", http.StatusConflict)
					case stored(next, w, r):
						seen.add(k)
					}
					return true
				})
			},
			fails: []string{"duplicate"},
		},
		{
			name: "in-order-only", defect: "refuses a sequence that skips ahead or goes back (409)",
			handler: func(t testing.TB) http.Handler {
				var mu sync.Mutex
				next := map[string]int64{}
				return afterVerify(t, func(w http.ResponseWriter, r *http.Request, body []byte, h http.Handler) bool {
					id, seq, ok := position(body)
					if !ok {
						return false
					}
					mu.Lock()
					want, known := next[id]
					mu.Unlock()
					if known && seq != want && seq != want-1 {
						http.Error(w, fmt.Sprintf("expected sequence %d", want), http.StatusConflict)
						return true
					}
					if stored(h, w, r) {
						mu.Lock()
						next[id] = max(want, seq+1)
						mu.Unlock()
					}
					return true
				})
			},
			fails: []string{"out-of-order"},
		},
		{
			name: "dedup-before-verify", defect: "answers 200 to a known (sessionId, sequence) before it verifies",
			handler: func(t testing.TB) http.Handler {
				var seen keys
				return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
					body, ok := readBody(r)
					k, hasKey := key(body)
					switch {
					case !ok || !hasKey:
						return false
					case seen.has(k):
						fmt.Fprintln(w, `{"verdict":"duplicate"}`)
					case stored(ref, w, r):
						seen.add(k)
					}
					return true
				})
			},
			fails: []string{"tampered-replay"},
		},
		{
			name: "slow-when-busy", defect: "handles one request at a time, 10 ms each, behind a global lock",
			handler: func(t testing.TB) http.Handler {
				lock := make(chan struct{}, 1)
				return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
					// Read the body first: only then does the server notice
					// a client that gave up, so that it leaves the queue.
					readBody(r)
					select {
					case lock <- struct{}{}:
					case <-r.Context().Done():
						return true
					}
					defer func() { <-lock }()
					time.Sleep(10 * time.Millisecond)
					ref.ServeHTTP(w, r)
					return true
				})
			},
			// 200 sessions queue for two seconds behind the lock, twice
			// the deadline, while one request alone takes 10 ms.
			timeout: time.Second,
			args:    []string{"--burst", "200"},
			fails:   []string{"burst"},
			says:    []string{"got no complete answer within the 1s deadline (timeout: "},
		},
		{
			name: "slow-on-cancel", defect: "does slow work before answering MEASUREMENT_CANCELED",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, r *http.Request, body []byte, _ http.Handler) bool {
					if !bytes.Contains(body, []byte(`"event":"MEASUREMENT_CANCELED"`)) {
						return false
					}
					select {
					case <-time.After(5 * time.Second):
					case <-r.Context().Done():
					}
					return false
				})
			},
			timeout: time.Second,
			fails:   []string{"all-events", "deadline"},
		},
		{
			name: "no-body-cap", defect: "reads and accepts a body of any size",
			handler: func(t testing.TB) http.Handler {
				s := testkit.Signer(t)
				return inFront(t, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
					if r.Method != http.MethodPost || r.ContentLength <= maxBody {
						return false
					}
					body, _ := io.ReadAll(r.Body)
					if s.Verify(macOf(r), body) != nil {
						return false
					}
					fmt.Fprintln(w, `{"verdict":"stored"}`)
					return true
				})
			},
			fails: []string{"oversized"},
		},
		{
			name: "dies-after-oversized", defect: "stops answering anything after an oversized body",
			handler: func(t testing.TB) http.Handler {
				var dead atomic.Bool
				return inFront(t, func(_ http.ResponseWriter, r *http.Request, _ http.Handler) bool {
					if r.ContentLength > maxBody {
						dead.Store(true)
					}
					if dead.Load() {
						panic(http.ErrAbortHandler) // the connection closes unanswered
					}
					return false
				})
			},
			fails: []string{"oversized"},
		},
		{
			name: "get-200", defect: "answers 200 to GET on the webhook URL",
			handler: func(t testing.TB) http.Handler {
				return inFront(t, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
					if r.Method != http.MethodGet {
						return false
					}
					fmt.Fprintln(w, "webhook ok")
					return true
				})
			},
			fails: []string{"methods"},
		},
		{
			name: "400-on-bad-mac", defect: "refuses bad MACs with 400 instead of 401",
			handler: func(t testing.TB) http.Handler { return rewriteStatus(t, 401, 400) },
			fails:   []string{"reject-status"},
			says:    []string{"WARN  should  signature", "PASS with warnings"},
		},
		{
			name: "200-on-malformed", defect: "acknowledges signed bodies that are not events with 200",
			handler: func(t testing.TB) http.Handler { return rewriteStatus(t, 400, 200) },
			fails:   []string{"malformed-status"},
		},
	}
}

func hasNonASCII(v any) bool {
	switch v := v.(type) {
	case string:
		for i := 0; i < len(v); i++ {
			if v[i] >= utf8.RuneSelf {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasNonASCII(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if hasNonASCII(k) || hasNonASCII(x) {
				return true
			}
		}
	}
	return false
}
