package conformance

import (
	"context"
	"fmt"
	"strings"
)

// Level says what a failed spec means for go-live.
type Level string

// The two levels. A must failure fails the run (exit 1); a should failure is
// a warning.
const (
	Must   Level = "must"
	Should Level = "should"
)

// Areas group the specs; each is a label, so '--label-filter signature'
// runs one area.
const (
	AreaSignature  = "signature"
	AreaDelivery   = "delivery"
	AreaPayload    = "payload"
	AreaRobustness = "robustness"
	AreaTiming     = "timing"
	// AreaScenario labels the specs made from --scenarios files.
	AreaScenario = "scenario"
)

// SpecInfo describes one built-in spec. Its ID is also a label, so
// '--label-filter duplicate' reruns just that spec.
type SpecInfo struct {
	ID    string
	Title string
	Level Level
	Area  string
	// Correct says in one sentence what a correct receiver does; every
	// failure message ends with it.
	Correct string
}

// Labels are the spec's Ginkgo labels: level, area and ID.
func (s SpecInfo) Labels() []string { return []string{string(s.Level), s.Area, s.ID} }

// spec is a SpecInfo with its body.
type spec struct {
	SpecInfo
	frame frame
	run   func(s *suite, ctx context.Context, c *check)
}

// frame says whether a spec is framed by valid events, and whether its
// verdict needs them.
type frame int

const (
	// unframed specs send only what they judge.
	unframed frame = iota
	// hostile specs send something a receiver must refuse or survive; each
	// is framed by a valid event before and after, and fails when the
	// receiver accepted the first and refuses the second.
	hostile
	// survives marks hostile specs that claim the receiver keeps serving:
	// they pass only when the valid event before them was accepted, since
	// otherwise that claim cannot be shown (and a receiver that refuses
	// everything refuses their requests too, proving nothing).
	survives
)

// builtinSpecs is the suite in the order it runs: the order is fixed, so
// that the specs most likely to crash a receiver (an oversized body) run
// last and a crash cannot hide the other results.
func builtinSpecs() []spec {
	return []spec{
		{SpecInfo{"missing-mac", "rejects an event without the X-WMS-Content-MAC header", Must, AreaSignature,
			"refuses a request whose X-WMS-Content-MAC header is missing or empty, before it acts on the body."}, hostile, specMissingMAC},
		{SpecInfo{"wrong-secret", "rejects an event signed with another secret", Must, AreaSignature,
			"computes HMAC-SHA256 over the raw body with its Config ID's MAC secret and refuses a request whose MAC differs."}, hostile, specWrongSecret},
		{SpecInfo{"tampered-body", "rejects a body changed after signing", Must, AreaSignature,
			"hashes the body exactly as received and refuses it when the MAC does not match."}, hostile, specTamperedBody},
		{SpecInfo{"tampered-replay", "rejects a changed body replayed under an accepted sessionId and sequence", Must, AreaSignature,
			"verifies the MAC before it looks for duplicates, so a forged body that reuses a known (sessionId, sequence) is refused, not acknowledged as a redelivery."}, hostile, specTamperedReplay},
		{SpecInfo{"one-digit", "rejects the right MAC with one hex digit changed", Must, AreaSignature,
			"compares all 64 hex digits of the MAC, in constant time, not a prefix or a part of them."}, hostile, specOneDigit},
		{SpecInfo{"truncated-mac", "rejects a truncated MAC", Must, AreaSignature,
			"refuses a digest that is not exactly 64 hex digits: comparing with a prefix test, or up to the shorter length, accepts a forgery."}, hostile, specTruncatedMAC},
		{SpecInfo{"empty-mac", "rejects the hmac-sha256= scheme with no digest", Must, AreaSignature,
			"refuses a header that carries the 'hmac-sha256=' scheme and no digest."}, hostile, specEmptyMAC},
		{SpecInfo{"wrong-scheme", "rejects a MAC without its hmac-sha256= scheme", Should, AreaSignature,
			"requires the exact 'hmac-sha256=' prefix before the digest, so that a header meant for another algorithm is never taken on trust."}, hostile, specWrongScheme},
		{SpecInfo{"reject-status", "answers 401 or 403 to unsigned and forged events", Should, AreaSignature,
			"answers 401 (or 403) to a missing or wrong MAC, so that the sender and your logs tell a signature problem from a bad body."}, hostile, specRejectStatus},
		{SpecInfo{"raw-whitespace", "accepts a validly signed body with extra whitespace", Must, AreaSignature,
			"verifies the MAC over the raw body bytes as received, never over JSON parsed and serialised again."}, unframed, specRawWhitespace},
		{SpecInfo{"raw-key-order", "accepts a validly signed body with its keys in another order", Must, AreaSignature,
			"verifies the MAC over the raw body bytes as received, and reads fields by name, not by position."}, unframed, specRawKeyOrder},
		{SpecInfo{"raw-escapes", "accepts a validly signed body with \\u escapes, non-ASCII ones included", Must, AreaSignature,
			"verifies the MAC over the raw body bytes as received and decodes \\u escapes, non-ASCII characters included, as any JSON parser does."}, unframed, specRawEscapes},
		{SpecInfo{"all-events", "accepts each of the 21 documented events, validly signed", Must, AreaDelivery,
			"answers 2xx within the deadline to every validly signed event, whatever its type."}, unframed, specAllEvents},
		{SpecInfo{"journey", "accepts a whole measurement journey in order", Must, AreaDelivery,
			"answers 2xx to each event of a realistic session (the built-in happy-path scenario, from WMS_LOADED to REDIRECTING_TO_CALLBACK)."}, unframed, specJourney},
		{SpecInfo{"interleaved", "accepts several sessions interleaved at once", Must, AreaDelivery,
			"keeps the state of each session apart and answers 2xx to every event while several sessions deliver at the same time."}, unframed, specInterleaved},
		{SpecInfo{"duplicate", "accepts a redelivered duplicate", Must, AreaDelivery,
			"is idempotent: a second delivery of the same (sessionId, sequence) gets a 2xx again and is stored once; a 409 tells the sender the event was not taken."}, unframed, specDuplicate},
		{SpecInfo{"out-of-order", "accepts a session's events out of order", Must, AreaDelivery,
			"accepts any sequence number, early or late, because arrival order is not guaranteed; it orders a session by 'sequence' when it reads it, not when it receives it."}, unframed, specOutOfOrder},
		{SpecInfo{"unknown-event", "accepts an event type it does not know", Must, AreaPayload,
			"answers 2xx to an event name it does not know (WMS may add events) and ignores or logs it."}, unframed, specUnknownEvent},
		{SpecInfo{"unknown-fields", "accepts unknown extra fields", Must, AreaPayload,
			"ignores fields it does not know, at the top level and in the payload, so that a new field from WMS breaks nothing."}, unframed, specUnknownFields},
		{SpecInfo{"malformed-json", "answers broken JSON without a 5xx and keeps serving", Must, AreaPayload,
			"answers a body that is not JSON with a 4xx (400 is best), never a 5xx, and goes on serving; the body sent is the vendor's own example, which lacks a comma and has a trailing one."}, survives, specMalformedJSON},
		{SpecInfo{"malformed-array", "answers a JSON array without a 5xx and keeps serving", Must, AreaPayload,
			"checks that the body is a JSON object before it reads fields, and answers anything else with a 4xx, never a 5xx."}, survives, specMalformedArray},
		{SpecInfo{"malformed-scalar", "answers JSON null, a number and a string without a 5xx and keeps serving", Must, AreaPayload,
			"checks that the body is a JSON object before it reads fields (a null decodes to nothing in many languages), and answers anything else with a 4xx, never a 5xx."}, survives, specMalformedScalar},
		{SpecInfo{"malformed-envelope", "answers a JSON object without valid envelope fields without a 5xx and keeps serving", Must, AreaPayload,
			"checks that the envelope fields are present and of the right JSON type before it uses them, and answers a body without them with a 4xx, never a 5xx."}, survives, specMalformedEnvelope},
		{SpecInfo{"malformed-status", "answers 400 to signed bodies that are not an event", Should, AreaPayload,
			"answers 400 to a validly signed body that is not a JSON object with the envelope fields, so that the sender sees its own mistake."}, hostile, specMalformedStatus},
		{SpecInfo{"deadline", "accepts every valid delivery within the deadline", Must, AreaTiming,
			"answers each valid delivery with a 2xx well within the deadline: it verifies, stores durably and answers, and leaves any slow work to run after the answer."}, unframed, specDeadline},
		{SpecInfo{"burst", "accepts a burst of concurrent sessions within the deadline", Must, AreaTiming,
			"answers 2xx to every event within the deadline when many sessions deliver at once."}, unframed, specBurst},
		{SpecInfo{"methods", "answers 405 to methods other than POST", Should, AreaRobustness,
			"answers GET, PUT, PATCH and DELETE on the webhook URL with 405 Method Not Allowed, and never treats them as an event."}, hostile, specMethods},
		{SpecInfo{"oversized", "refuses an oversized body and keeps serving", Must, AreaRobustness,
			"caps the body it reads (1 MiB is plenty: an event is a few hundred bytes) and answers a larger one with 413 or closes the connection, then goes on serving."}, survives, specOversized},
	}
}

// Specs lists the built-in specs in the order they run.
func Specs() []SpecInfo {
	specs := builtinSpecs()
	out := make([]SpecInfo, len(specs))
	for i := range specs {
		out[i] = specs[i].SpecInfo
	}
	return out
}

// maxShown bounds how many problems a failure message details; the rest
// are counted.
const maxShown = 3

// check collects what one spec found wrong, so that a spec with many
// cases reports all of them at once.
type check struct {
	correct  string
	problems []problem
	// undecided says why the spec reached no verdict, when it found no
	// problem but could not judge either.
	undecided string
}

type problem struct {
	what string
	xs   []exchange
}

// fail records a problem and the exchanges that show it.
func (c *check) fail(what string, xs ...exchange) {
	c.problems = append(c.problems, problem{what, xs})
}

// failed reports whether the spec found a problem so far.
func (c *check) failed() bool { return len(c.problems) > 0 }

// message is the failure report: each problem with its request and
// answer, then what a correct receiver does.
func (c *check) message() string {
	var b strings.Builder
	for i, p := range c.problems {
		if i == maxShown {
			fmt.Fprintf(&b, "... and %d more like these.\n\n", len(c.problems)-maxShown)
			break
		}
		b.WriteString(p.what)
		b.WriteString("\n")
		for _, x := range p.xs {
			b.WriteString(x.String())
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("A correct receiver ")
	b.WriteString(c.correct)
	return b.String()
}
