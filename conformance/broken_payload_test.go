package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// payloadReceivers mishandle what an event carries, or a body that is no
// event. A receiver's defect and the specs that must catch it read best
// side by side, so the function is as long as the table.
func payloadReceivers() []broken {
	return []broken{
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
			name: "200-on-malformed", defect: "acknowledges signed bodies that are not events with 200",
			handler: func(t testing.TB) http.Handler { return rewriteStatus(t, 400, 200) },
			fails:   []string{"malformed-status"},
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
			name: "unsigned-snr", defect: "stores SNR unsigned: a negative snr is a 500",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					var env struct {
						Payload struct {
							SNR *float64 `json:"snr"`
						} `json:"payload"`
					}
					if json.Unmarshal(body, &env) != nil || env.Payload.SNR == nil || !math.Signbit(*env.Payload.SNR) {
						return false
					}
					http.Error(w, "value out of range for type uint", http.StatusInternalServerError)
					return true
				})
			},
			fails: []string{"snr-values"},
			says:  []string{"INTERMEDIATE_RESULTS with snr -0.5", "value out of range for type uint"},
		},
	}
}
