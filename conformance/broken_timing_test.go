package conformance_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
)

// timingReceivers answer too late: always, under load, or for one event.
func timingReceivers() []broken {
	return []broken{
		{
			name: "slow", defect: "answers every request 500 ms late, past the 300 ms deadline",
			handler: func(t testing.TB) http.Handler {
				return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
					readBody(r)
					time.Sleep(500 * time.Millisecond)
					ref.ServeHTTP(w, r)
					return true
				})
			},
			timeout:      300 * time.Millisecond,
			fails:        []string{"deadline"},
			inconclusive: without(specIDs(), "deadline"),
			says: []string{
				"diagnosis: the receiver answers valid events only after the deadline",
				"given 900ms, was answered 200 OK in ",
				"got an answer after ",
			},
			last: "diagnosis: the receiver answers valid events only after the deadline",
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
	}
}

// specIDs are the built-in specs' IDs, in order.
func specIDs() []string {
	var ids []string
	for _, sp := range conformance.Specs() {
		ids = append(ids, sp.ID)
	}
	return ids
}

// afterSpec are the IDs of the specs that run after id.
func afterSpec(id string) []string {
	ids := specIDs()
	for i, x := range ids {
		if x == id {
			return ids[i+1:]
		}
	}
	return nil
}
