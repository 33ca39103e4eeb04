package conformance_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// signatureReceivers verify the MAC carelessly. A receiver's defect and
// the specs that must catch it read best side by side, so the function is
// as long as the table.
func signatureReceivers() []broken {
	return []broken{
		{
			name: "reference", defect: "none: the reference receiver",
			handler: func(t testing.TB) http.Handler { return newReference(t, testkit.Signer(t)) },
			says:    []string{"PASS: every spec passed.", "What a pass cannot show", "constant time"},
		},
		{
			name: "no-verification", defect: "accepts any MAC, or none",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(*emitter.Signer, string, []byte) bool { return true })
			},
			fails: slices.Concat(signatureMusts, []string{"wrong-scheme", "reject-status"}),
			says:  []string{"Likely causes: ", "or the receiver does not verify the MAC at all"},
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
			name: "empty-key-fallback", defect: "also accepts a MAC made with the empty secret (`process.env.WMS_MAC_SECRET || ''`)",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, body []byte) bool {
					return s.Verify(mac, body) == nil || mac == forgery.EmptyKeyMAC(body)
				})
			},
			fails: []string{"empty-key"},
			says:  []string{"falls back to an empty secret when its own is missing"},
		},
		{
			name: "empty-body", defect: "verifies an empty body: a JSON parser consumed the raw one",
			handler: func(t testing.TB) http.Handler {
				return verifier(t, func(s *emitter.Signer, mac string, _ []byte) bool { return s.Verify(mac, nil) == nil })
			},
			fails:        []string{"empty-body"},
			inconclusive: without(refusedAlike, "empty-body"),
			says:         []string{"diagnosis: every validly signed event was answered 401 Unauthorized", "something other than the raw body bytes", "verifies a body it no longer has"},
		},
		{
			name: "trusted-session", defect: "verifies a session's first accepted event, then trusts the session",
			handler: trustsSessions,
			fails:   []string{"trusted-session", "other-event", "tampered-replay"},
			says:    []string{`trusts the session afterwards (a "trusted session" cache)`, "or it trusts a session once one of its events verified"},
		},
		{
			name: "mac-dedup", defect: "answers 200 to a MAC it has seen before, before it verifies (the MAC as idempotency key)",
			handler: dedupsByMAC,
			fails:   []string{"other-event", "tampered-replay"},
			says:    []string{"takes a known one without hashing this body"},
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
			name: "400-on-bad-mac", defect: "refuses bad MACs with 400 instead of 401",
			handler: func(t testing.TB) http.Handler { return rewriteStatus(t, 401, 400) },
			fails:   []string{"reject-status"},
			says:    []string{"WARN  should  signature", "PASS with warnings"},
		},
		{
			name: "400-on-bad-mac-strict", defect: "refuses bad MACs with 400 instead of 401, run with --strict",
			handler: func(t testing.TB) http.Handler { return rewriteStatus(t, 401, 400) },
			args:    []string{"--strict"},
			strict:  true,
			fails:   []string{"reject-status"},
			says:    []string{"WARN  should  signature", "FAIL (strict): 1 should spec(s) failed"},
		},
	}
}

// trustsSessions verifies events until one of a session verifies, and
// then accepts the session's later events unchecked: the "trusted
// session" cache.
func trustsSessions(t testing.TB) http.Handler {
	s := testkit.Signer(t)
	var mu sync.Mutex
	trusted := map[string]bool{}
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		body, ok := readBody(r)
		id, _, hasKey := position(body)
		if !ok || !hasKey {
			return false
		}
		mu.Lock()
		trust := trusted[id]
		mu.Unlock()
		if trust {
			r.Header.Set(emitter.HeaderMAC, s.MAC(body))
			return false
		}
		if s.Verify(macOf(r), body) != nil {
			http.Error(w, "bad MAC", http.StatusUnauthorized)
			return true
		}
		if stored(ref, w, r) {
			mu.Lock()
			trusted[id] = true
			mu.Unlock()
		}
		return true
	})
}

// dedupsByMAC takes a MAC it has stored an event under for a redelivery,
// and answers 200 without verifying the body it came with.
func dedupsByMAC(t testing.TB) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return inFront(t, func(w http.ResponseWriter, r *http.Request, ref http.Handler) bool {
		if _, ok := readBody(r); !ok || macOf(r) == "" {
			return false
		}
		mac := macOf(r)
		mu.Lock()
		known := seen[mac]
		mu.Unlock()
		if known {
			fmt.Fprintln(w, `{"verdict":"duplicate"}`)
			return true
		}
		if stored(ref, w, r) {
			mu.Lock()
			seen[mac] = true
			mu.Unlock()
		}
		return true
	})
}
