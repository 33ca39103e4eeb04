package receiver

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// FindingKind names one way the traffic breaks the documented contract.
type FindingKind string

// The contract checks. None of them refuses an event: a receiver must stay
// forward-compatible, so it accepts and reports instead.
const (
	FindingUnknownEvent       FindingKind = "unknown-event"
	FindingWrongSeverity      FindingKind = "wrong-severity"
	FindingMissingField       FindingKind = "missing-field"
	FindingBadField           FindingKind = "bad-field"
	FindingSequenceGap        FindingKind = "sequence-gap"
	FindingSequenceRepeat     FindingKind = "sequence-repeat"
	FindingChangedRedelivery  FindingKind = "changed-redelivery"
	FindingMeasurementChanged FindingKind = "measurement-changed"
	// FindingIntermediateSequence is an INTERMEDIATE_RESULTS whose
	// payload.sequence does not start at 1 or does not increase within its
	// measurement.
	FindingIntermediateSequence FindingKind = "intermediate-sequence"
)

// Finding is one break of the contract, seen on an accepted event.
type Finding struct {
	Kind      FindingKind `json:"kind"`
	SessionID string      `json:"sessionId"`
	Sequence  int64       `json:"sequence"`
	Event     string      `json:"event,omitempty"`
	Message   string      `json:"message"`
}

// String is the finding on one line, as the receive summary and the demo
// print it; the session ID is clipped so that a hostile one cannot flood a
// terminal.
func (f Finding) String() string {
	return fmt.Sprintf("%s: session %q sequence %d: %s", f.Kind, humanize.Clip(f.SessionID, maxEcho), f.Sequence, f.Message)
}

// checkEvent judges one event on its own against the catalog, and notes its
// measurement ID and intermediate sequence for the per-session check. It
// needs no session state, so it runs before the store's lock is taken.
func checkEvent(rec *Record) []Finding {
	ev, err := emitter.LookupEvent(rec.Event)
	return judgeEvent(rec, ev, err)
}

// judgeEvent is checkEvent against the catalog entry ev, or lookupErr when
// rec's event is not in the catalog.
func judgeEvent(rec *Record, ev emitter.Event, lookupErr error) []Finding {
	var out []Finding
	add := func(kind FindingKind, format string, a ...any) {
		out = append(out, Finding{Kind: kind, SessionID: rec.SessionID, Sequence: rec.Sequence, Event: rec.Event, Message: fmt.Sprintf(format, a...)})
	}
	if rec.Sequence < 0 {
		add(FindingBadField, "sequence %d is negative: a session's sequence starts at 0", rec.Sequence)
	}
	var payload map[string]json.RawMessage
	payloadErr := json.Unmarshal(rec.Payload, &payload)
	if raw, ok := payload[emitter.FieldMeasurementID]; ok {
		_ = json.Unmarshal(raw, &rec.measurementID)
	}
	if raw, ok := payload[emitter.FieldSequence]; ok && rec.Event == emitter.EventIntermediateResults {
		rec.hasResultSeq = json.Unmarshal(raw, &rec.resultSeq) == nil
	}

	if lookupErr != nil {
		add(FindingUnknownEvent, "%v", lookupErr)
		return out
	}
	if rec.Severity != string(ev.Severity) {
		add(FindingWrongSeverity, "%s has severity %s in the catalog, got %q", ev.Name, ev.Severity, humanize.Clip(rec.Severity, maxEcho))
	}
	if !ev.HasPayload() {
		return out
	}
	if rec.Payload != nil && payloadErr != nil {
		add(FindingBadField, "payload must be a JSON object")
	}
	for _, f := range ev.Fields {
		// wms-mock chose this name; real WMS traffic may use another.
		if f.Undocumented {
			continue
		}
		raw, ok := payload[f.Name]
		if !ok {
			if f.Presence == emitter.Required {
				add(FindingMissingField, "%s requires payload.%s (%s)", ev.Name, f.Name, f.Kind)
			}
			continue
		}
		if problem := checkField(f, raw); problem != "" {
			add(FindingBadField, "payload.%s %s", f.Name, problem)
		}
	}
	return out
}

// checkField returns what is wrong with one payload value, or "".
func checkField(f emitter.Field, raw json.RawMessage) string {
	switch f.Kind {
	case emitter.KindNumber, emitter.KindInteger:
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "must be a number, got " + humanize.Clip(string(raw), maxEcho)
		}
		if f.Kind == emitter.KindInteger {
			if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
				return "must be an integer, got " + humanize.Clip(string(n), maxEcho)
			}
		} else if v, err := strconv.ParseFloat(string(n), 64); err != nil || math.IsInf(v, 0) {
			return "must be a finite number, got " + humanize.Clip(string(n), maxEcho)
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "must be a string, got " + humanize.Clip(string(raw), maxEcho)
	}
	if f.Kind == emitter.KindUUID && !isUUIDv4(s) {
		return fmt.Sprintf("must be a version 4 UUID, got %q", humanize.Clip(s, maxEcho))
	}
	if len(f.Values) > 0 && !slices.Contains(f.Values, s) {
		return fmt.Sprintf("must be one of %s, got %q", strings.Join(f.Values, ", "), humanize.Clip(s, maxEcho))
	}
	return ""
}

// isUUIDv4 reports whether s is a lowercase or uppercase version 4 UUID
// such as a1e6c2e6-410b-4e19-bae5-a72a0343d322.
func isUUIDv4(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)):
			return false
		}
	}
	return s[14] == '4' && strings.ContainsRune("89abAB", rune(s[19]))
}

// sessionFindings judges a session as a whole. It runs on demand rather
// than on arrival because arrival order proves nothing: sequence 5 before 4
// is not a gap once 4 arrives, and a measurement ID is judged against the
// MEASUREMENT_CREATED before it in sequence, not in time.
func sessionFindings(s *session) []Finding {
	seqs := make([]int64, 0, len(s.events))
	for seq := range s.events {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	return append(gapFindings(s, seqs), measurementFindings(s, seqs)...)
}

// gapFindings reports the numbers missing from 0 to the highest received,
// seqs being the session's sequences in order. A session trimmed by the
// memory limit has lost its early numbers, so it is not judged.
func gapFindings(s *session, seqs []int64) []Finding {
	if s.trimmed || len(seqs) == 0 {
		return nil
	}
	var missing []string
	first, next := int64(-1), int64(0)
	for _, seq := range seqs {
		if seq < 0 {
			continue
		}
		if seq > next {
			if first < 0 {
				first = next
			}
			missing = append(missing, span(next, seq-1))
		}
		next = seq + 1
	}
	if len(missing) == 0 {
		return nil
	}
	if len(missing) > 5 {
		missing = append(missing[:5], fmt.Sprintf("and %d more ranges", len(missing)-5))
	}
	return []Finding{{Kind: FindingSequenceGap, SessionID: s.id, Sequence: first,
		Message: fmt.Sprintf("sequence %s never arrived (highest received: %d)", strings.Join(missing, ", "), next-1)}}
}

// measurementFindings judges measurement IDs and intermediate results,
// seqs being the session's sequences in order.
//
// Each event carries the ID of the latest MEASUREMENT_CREATED before it.
// INTERMEDIATE_RESULTS' payload.sequence starts at 1 and only increases
// within a measurement, a WebSocket reconnect included. A missing event could be the measurement's first
// intermediate result, so "starts at 1" is judged only while nothing is
// missing since the measurement began: the gap finding covers the rest.
func measurementFindings(s *session, seqs []int64) []Finding {
	var (
		out     []Finding
		current string
		prev    = int64(-1) // previous non-negative sequence
		hole    = s.trimmed // an event since the measurement began is missing
		seen    bool        // the measurement has an intermediate result
		last    int64       // and this was its payload.sequence
	)
	for _, seq := range seqs {
		rec := s.events[seq]
		if seq >= 0 {
			if seq != prev+1 {
				hole = true
			}
			prev = seq
		}
		switch {
		case rec.Event == emitter.EventMeasurementCreated:
			current, hole, seen = rec.measurementID, false, false
		case rec.measurementID == "":
		case current == "":
			current, seen = rec.measurementID, false
		case rec.measurementID != current:
			out = append(out, Finding{Kind: FindingMeasurementChanged, SessionID: s.id, Sequence: seq, Event: rec.Event,
				Message: fmt.Sprintf("measurementId changed from %s to %s without a MEASUREMENT_CREATED", humanize.Clip(current, maxEcho), humanize.Clip(rec.measurementID, maxEcho))})
			// Where this measurement began is unknown: judge only that its
			// results go up, not where they start.
			current, seen, hole = rec.measurementID, false, true
		}
		if rec.Event != emitter.EventIntermediateResults || !rec.hasResultSeq {
			continue
		}
		n := rec.resultSeq
		switch {
		case seen && n <= last:
			out = append(out, Finding{Kind: FindingIntermediateSequence, SessionID: s.id, Sequence: seq, Event: rec.Event,
				Message: fmt.Sprintf("payload.sequence %d follows %d: it only increases within a measurement, across reconnects too", n, last)})
		case !seen && (n < 1 || n > 1 && !hole):
			out = append(out, Finding{Kind: FindingIntermediateSequence, SessionID: s.id, Sequence: seq, Event: rec.Event,
				Message: fmt.Sprintf("payload.sequence is %d on the measurement's first INTERMEDIATE_RESULTS: it starts at 1", n)})
		}
		seen, last = true, n
	}
	return out
}

func span(from, to int64) string {
	if from == to {
		return strconv.FormatInt(from, 10)
	}
	return fmt.Sprintf("%d-%d", from, to)
}
