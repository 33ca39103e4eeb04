package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// setupReceivers refuse every valid event alike, the way a setup mistake
// does, or refuse some by a slip that every session meets, or stop
// answering; one is strict but right. A receiver's defect and what the
// run must say about it read best side by side, so the function is as
// long as the table.
func setupReceivers() []broken {
	return []broken{
		{
			name: "wrong-secret", defect: "verifies with another Config ID's secret",
			handler: func(t testing.TB) http.Handler {
				return newReference(t, testkit.Signer(t, "another-config-id-secret"))
			},
			inconclusive: refusedAlike,
			says: []string{
				"diagnosis: every validly signed event was answered 401 Unauthorized",
				"the secret given to wms-mock is probably not the receiver's",
				"probe: WMS_LOADED, sequence 0 -> 401 Unauthorized",
				"request: POST ",
				"SKIP  must    payload     answers broken JSON without a 5xx and keeps serving",
			},
			last: "diagnosis: every validly signed event was answered 401 Unauthorized",
		},
		{
			name: "wrong-path", defect: "the URL's path is not the webhook's: 404 to everything",
			start: func(t testing.TB) string {
				ref := newReference(t, testkit.Signer(t))
				srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/webhook" {
						http.NotFound(w, r)
						return
					}
					ref.ServeHTTP(w, r)
				}))
				return srv.URL + "/hooks/wms"
			},
			fails:        []string{"reject-status", "methods"},
			inconclusive: refusedAlike,
			says:         []string{"diagnosis: every validly signed event was answered 404 Not Found", "the URL's path is probably not the webhook's"},
			last:         "diagnosis: every validly signed event was answered 404 Not Found",
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
			fails:        []string{"reject-status"},
			inconclusive: refusedAlike,
			says:         []string{"answered 308 Permanent Redirect", "a webhook sender follows no redirect"},
			last:         "diagnosis: every validly signed event was answered 308 Permanent Redirect",
		},
		{
			name: "501-to-everything", defect: "answers 501 Not Implemented to every request",
			handler: func(t testing.TB) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "not implemented", http.StatusNotImplemented)
				})
			},
			// Its 5xx answers fail the malformed-* specs whatever it serves.
			fails:        []string{"reject-status", "malformed-json", "malformed-array", "malformed-scalar", "malformed-envelope", "methods"},
			inconclusive: slices.Concat(validSpecs, rejectSpecs, []string{"oversized"}),
			says:         []string{"SKIP  must    signature   rejects an event signed with another secret", "fails on every valid event"},
			last:         "diagnosis: every validly signed event was answered 501 Not Implemented",
		},
		{
			name: "sequence-zero", defect: "refuses sequence 0 as missing (`if (!event.sequence)`)",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					if _, seq, ok := position(body); !ok || seq != 0 {
						return false
					}
					http.Error(w, `{"error":"sequence is required"}`, http.StatusBadRequest)
					return true
				})
			},
			fails: []string{"all-events", "journey", "interleaved", "out-of-order", "burst"},
			says: []string{
				"diagnosis: events with sequence 0 are refused, others accepted: the `!event.sequence` slip",
				"WMS_LOADED (sequence 0) was not accepted: 400 Bad Request",
			},
			last: "diagnosis: events with sequence 0 are refused, others accepted",
		},
		{
			name: "strict-replay-window", defect: "none: refuses events stamped more than 30 s from its clock, as a strict receiver may",
			handler: func(t testing.TB) http.Handler {
				return afterVerify(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ http.Handler) bool {
					var env struct {
						Timestamp *int64 `json:"timestamp"`
					}
					if json.Unmarshal(body, &env) != nil || env.Timestamp == nil {
						return false
					}
					if skew := time.Since(time.Unix(*env.Timestamp, 0)); skew > 30*time.Second || skew < -30*time.Second {
						http.Error(w, fmt.Sprintf("stale or future timestamp (%s)", skew), http.StatusBadRequest)
						return true
					}
					return false
				})
			},
			says: []string{"PASS: every spec passed."},
		},
		{
			name: "dies-mid-run", defect: "stops answering (its process ends) on the first MEASUREMENT_CANCELED",
			start: func(t testing.TB) string {
				ref := newReference(t, testkit.Signer(t))
				var srv atomic.Pointer[httptest.Server]
				var once sync.Once
				s := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if body, _ := readBody(r); bytes.Contains(body, []byte(`"event":"MEASUREMENT_CANCELED"`)) {
						once.Do(func() {
							srv.Load().Listener.Close()
							go srv.Load().CloseClientConnections()
						})
						panic(http.ErrAbortHandler)
					}
					ref.ServeHTTP(w, r)
				}))
				srv.Store(s)
				return s.URL + "/webhook"
			},
			fails:        []string{"all-events"},
			inconclusive: afterSpec("all-events"),
			says: []string{
				"the receiver stopped answering during all-events",
				"The receiver stopped answering during this spec",
				"No verdict: the receiver stopped answering during all-events",
			},
			last: "the receiver stopped answering during all-events",
		},
	}
}
