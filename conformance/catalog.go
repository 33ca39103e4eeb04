package conformance

import "context"

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
	// AreaScenario labels the specs made from Config.Scenarios.
	AreaScenario = "scenario"
)

// SpecInfo describes one spec. A built-in spec's ID is also a label, so
// '--label-filter duplicate' reruns just that spec.
type SpecInfo struct {
	// ID names the spec in a rerun hint and a --label-filter.
	ID string
	// Title says what the receiver does when the spec passes.
	Title string
	Level Level
	// Area is one of the Area constants.
	Area string
	// Correct says in one sentence what a correct receiver does; every
	// failure message ends with it.
	Correct string
	// Fix is the usual causes of a failure and the fix of each, the
	// likeliest first: a failure says what was observed, then these.
	Fix string
}

// Labels are the spec's labels: level, area and, for a built-in spec, ID.
// A scenario's name is no label, so that it cannot clash with a built-in
// spec's ID; '--label-filter scenario' selects them all.
func (s SpecInfo) Labels() []string {
	if s.Area == AreaScenario {
		return []string{string(s.Level), s.Area}
	}
	return []string{string(s.Level), s.Area, s.ID}
}

// spec is a SpecInfo with its body. Each built-in spec is declared as one
// value, its metadata beside its body, in the file of its area.
type spec struct {
	SpecInfo
	frame frame
	// needsValid marks a spec whose proof needs valid events accepted:
	// when the probe and every valid event before the first spec were
	// refused alike, it reaches no verdict without sending anything.
	needsValid bool
	// run sends the spec's requests and records on c what it finds; an
	// error is the suite's own failure (an event it could not build).
	run func(s *suite, ctx context.Context, c *check) error
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
		// signature
		specMissingMAC, specWrongSecret, specTamperedBody, specTamperedReplay, specOneDigit, specTruncatedMAC,
		specEmptyMAC, specEmptyKey, specEmptyBody, specOtherEvent, specTrustedSession, specWrongScheme,
		specRejectStatus, specRawWhitespace, specRawKeyOrder, specRawEscapes,
		// delivery
		specAllEvents, specJourney, specInterleaved, specDuplicate, specOutOfOrder,
		// payload
		specUnknownEvent, specUnknownFields, specSNRValues, specFieldValues, specSessionIDs,
		specMalformedJSON, specMalformedArray, specMalformedScalar, specMalformedEnvelope, specMalformedStatus,
		// timing
		specDeadline, specBurst,
		// robustness
		specMethods, specOversized,
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
