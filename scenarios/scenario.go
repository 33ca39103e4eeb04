// Package scenarios turns hand-written YAML sessions into the exact signed
// requests WMS would send, and plays them against a webhook.
//
// A scenario is one WMS session: steps, each an event with optional payload
// overrides, a delay on the session's virtual clock, repetition, and
// delivery faults with the answer a correct receiver gives. Parse checks a
// file strictly and reports every problem as FILE:LINE:COL; Expand makes a
// session's deliveries from a seed, and a Clock stamps them when sent;
// Runner sends them in order. A Stream makes a fault-free session's events
// one at a time, each stamped and signed as it is sent and allocating
// nothing, for the load generator. A step's MAC fault is one of package
// forgery's, so that a forgery added there is at once a scenario's to use.
// The built-in library (Builtin, Journeys) is embedded in the binary.
// docs/scenarios.md at the repository's root is the schema reference.
package scenarios

import (
	"slices"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// Tags with a meaning to the tools.
const (
	// TagJourney marks a realistic, fault-free session: 'wms-mock run' with
	// no scenario plays every journey, and the load generator mixes them.
	TagJourney = "journey"
	// TagEdge marks a scenario with delivery faults or odd input, kept
	// apart so that a plain run stays realistic.
	TagEdge = "edge"
)

// Scenario is one parsed scenario file. Treat it as read-only: Parse
// compiles the steps into the plan Expand follows, so later edits to Steps
// are not seen by Expand.
type Scenario struct {
	// Name identifies the scenario on the command line and in reports.
	Name string
	// Description says in one line what the session shows.
	Description string
	// Tags group scenarios for the tools: TagJourney, TagEdge, or any
	// word a team likes.
	Tags []string
	// SessionID, when set, is sent in every envelope instead of a
	// generated one.
	SessionID string
	// Steps are the session's events, in the order they happen.
	Steps []Step
	// File is the path the scenario was read from; built-in scenarios have
	// "builtin/NAME.yaml".
	File string

	plan       []planned
	deliveries int
	bodies     int // bytes, at most
	fields     int // payload fields the session's events make room for
	duration   time.Duration
	nameHash   uint64
	// faulted is the first step with delivery faults, which a Stream
	// cannot send; nil when there is none.
	faulted *Step
}

// HasTag reports whether the scenario carries tag.
func (s *Scenario) HasTag(tag string) bool { return slices.Contains(s.Tags, tag) }

// Len is how many deliveries one expansion makes: one per sent event, plus
// duplicates, less dropped ones.
func (s *Scenario) Len() int { return s.deliveries }

// Duration is the session's length on its virtual clock: the offset of its
// last event.
func (s *Scenario) Duration() time.Duration { return s.duration }

// Step is one step of a scenario: an event (or a raw body) sent Repeat
// times, each After the previous event.
type Step struct {
	// Line and Col locate the step in its file.
	Line, Col int
	// Event is the event name; empty for a raw step.
	Event string
	// Custom marks an event outside the catalog, sent on purpose.
	Custom bool
	// After is the wait on the virtual clock before each repetition.
	After time.Duration
	// Repeat is how many times the event is sent, at least 1.
	Repeat int
	// Payload overrides generated fields; a nil value removes the field.
	Payload emitter.Payload
	// Each gives per-repetition payload values, one list per field.
	Each []Series
	// Extra adds fields as given, without checks against the catalog.
	Extra emitter.Payload
	// Sequence, when set, replaces the envelope's sequence; the session
	// continues counting from it.
	Sequence *int64
	// Severity, when set, replaces the catalog's severity.
	Severity emitter.Severity
	// Skew moves the timestamp without moving the session's clock.
	Skew time.Duration
	// Faults are how the event is delivered wrong on purpose.
	Faults Faults
	// Expect is the answer a correct receiver gives to this step.
	Expect Expect
}

// Series is one payload field's values, one per repetition of a step.
type Series struct {
	// Field is the payload key, and Values its value in each repetition.
	Field  string
	Values []any
}

// Faults are the delivery faults of a step. The zero value delivers the
// event as WMS does.
type Faults struct {
	// Duplicate sends the same request twice, byte for byte.
	Duplicate bool
	// Reorder sends the step's event after the next step's.
	Reorder bool
	// Drop spends the event's sequence number but sends nothing.
	Drop bool
	// Tamper changes the body after signing (the timestamp moves by one
	// second), so the MAC no longer matches.
	Tamper bool
	// Delay waits this long in real time before sending, whatever the pace.
	Delay time.Duration
	// MAC forges the signature header; forgery.Valid signs correctly.
	MAC forgery.Kind
	// Raw, when not nil, is sent as the body verbatim instead of an
	// envelope, signed unless MAC says otherwise.
	Raw []byte
}

// Any reports whether any fault is set.
func (f Faults) Any() bool {
	return f.Duplicate || f.Reorder || f.Drop || f.Tamper || f.Delay > 0 || f.MAC != forgery.Valid || f.Raw != nil
}
