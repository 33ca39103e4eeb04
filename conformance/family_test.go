package conformance_test

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// broken is one receiver of the family and the specs that must catch it.
type broken struct {
	name    string
	defect  string
	handler func(t testing.TB) http.Handler
	// start, when set, serves the receiver itself and returns its
	// webhook's URL: for a receiver that stops, or listens elsewhere.
	start func(t testing.TB) string
	// timeout is the run's --timeout; short for the slow receivers.
	timeout time.Duration
	// args are extra flags of the run.
	args  []string
	fails []string
	// inconclusive are the specs that must reach no verdict.
	inconclusive []string
	// says are lines the console output must contain.
	says []string
	// last is how the console output's last line must begin, if set.
	last string
	// strict says the run was given --strict: a warned spec fails it.
	strict bool
}

// validSpecs are the specs whose proof needs valid events accepted: when
// every valid event is refused alike, they reach no verdict without
// sending anything.
var validSpecs = []string{
	"raw-whitespace", "raw-key-order", "raw-escapes", "all-events", "journey", "interleaved",
	"duplicate", "out-of-order", "unknown-event", "unknown-fields", "snr-values", "field-values", "session-ids",
	"malformed-status", "deadline", "burst",
}

var signatureMusts = []string{
	"missing-mac", "wrong-secret", "tampered-body", "tampered-replay", "one-digit", "truncated-mac", "empty-mac",
	"empty-key", "empty-body", "other-event", "trusted-session",
}

// rejectSpecs are the specs that pass on refusals of forged events: when no
// valid event is accepted either, the refusals show nothing, and a receiver
// that refuses every forgery leaves exactly these without a verdict.
var rejectSpecs = slices.Concat(signatureMusts, []string{"wrong-scheme"})

// servingSpecs claim that the receiver keeps serving after their requests,
// which the valid event before them shows only when it is accepted: a
// receiver that refuses valid events leaves those it does not fail
// without a verdict.
var servingSpecs = []string{"malformed-json", "malformed-array", "malformed-scalar", "malformed-envelope", "oversized"}

// refusedAlike are the specs that reach no verdict when every valid event
// is refused with one status and every forgery refused too.
var refusedAlike = slices.Concat(validSpecs, rejectSpecs, servingSpecs)

// brokenReceivers is the whole family, theme by theme.
func brokenReceivers() []broken {
	return slices.Concat(signatureReceivers(), payloadReceivers(), setupReceivers(), timingReceivers())
}

// without is list less the IDs given.
func without(list []string, ids ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(id string) bool { return slices.Contains(ids, id) })
}
