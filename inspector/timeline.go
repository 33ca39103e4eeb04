package inspector

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/receiver"
)

// sessionPage is one session as the page draws it.
type sessionPage struct {
	receiver.SessionInfo
	Outcome      Outcome  `json:"outcome"`
	MoreEvents   int      `json:"moreEvents,omitempty"`
	Measurements []string `json:"measurements"`
	// HasSNR says whether the chart has a point to draw.
	HasSNR   bool    `json:"hasSNR"`
	Timeline []entry `json:"timeline"`
	// Other holds the findings that fall on no event and no gap.
	Other []finding `json:"other"`
}

// entry is one row of the timeline: an event, or a gap in the sequence.
type entry struct {
	Kind     string `json:"kind"` // "event" or "gap"
	Sequence int64  `json:"sequence"`
	// Arrival is the event's place in its session's arrival order, from 1.
	Arrival  int    `json:"arrival,omitempty"`
	Event    string `json:"event,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Timestamp is the envelope's; Offset is it less the session's
	// earliest, the journey's own clock.
	Timestamp  int64     `json:"timestamp,omitempty"`
	Offset     int64     `json:"offset"`
	ReceivedAt time.Time `json:"receivedAt"`
	Payload    string    `json:"payload,omitempty"`
	Body       string    `json:"body,omitempty"`
	Measure    string    `json:"measurementId,omitempty"`
	Late       bool      `json:"late,omitempty"`
	Redelivery int       `json:"redeliveries,omitempty"`
	// To ends a gap that starts at Sequence.
	To       int64     `json:"to,omitempty"`
	Findings []finding `json:"findings"`
}

// finding is a contract finding as a row shows it.
type finding struct {
	Kind     receiver.FindingKind `json:"kind"`
	Sequence int64                `json:"sequence"`
	Message  string               `json:"message"`
}

// newSessionPage lays v out in sequence order, with its gaps, and puts
// each finding on the row it is about.
func newSessionPage(v receiver.SessionView) sessionPage {
	p := sessionPage{SessionInfo: v.SessionInfo, Outcome: outcomeOf(v.Names), MoreEvents: v.MoreEvents,
		Measurements: []string{}, Timeline: []entry{}, Other: []finding{}}
	rank := arrivalRanks(v.Events)
	var first int64
	for i, rec := range v.Events {
		if i == 0 || rec.Timestamp < first {
			first = rec.Timestamp
		}
	}
	events, gaps := map[int64]int{}, map[int64]int{}
	for i, rec := range v.Events {
		if i > 0 {
			if prev := v.Events[i-1].Sequence; prev >= -1 && rec.Sequence > prev+1 {
				gaps[prev+1] = len(p.Timeline)
				p.Timeline = append(p.Timeline, entry{Kind: "gap", Sequence: prev + 1, To: rec.Sequence - 1, Findings: []finding{}})
			}
		} else if rec.Sequence > 0 && !v.Trimmed {
			gaps[0] = len(p.Timeline)
			p.Timeline = append(p.Timeline, entry{Kind: "gap", Sequence: 0, To: rec.Sequence - 1, Findings: []finding{}})
		}
		if id := rec.MeasurementID(); id != "" && !slices.Contains(p.Measurements, id) {
			p.Measurements = append(p.Measurements, id)
		}
		p.HasSNR = p.HasSNR || snrOf(rec) != nil
		events[rec.Sequence] = len(p.Timeline)
		p.Timeline = append(p.Timeline, entry{
			Kind: "event", Sequence: rec.Sequence, Arrival: rank[i], Event: rec.Event, Severity: rec.Severity,
			Timestamp: rec.Timestamp, Offset: rec.Timestamp - first, ReceivedAt: rec.ReceivedAt,
			Payload: string(rec.Payload), Body: string(rec.Body), Measure: rec.MeasurementID(),
			Late: rec.Late(), Redelivery: rec.Redeliveries(), Findings: []finding{},
		})
	}
	for _, f := range v.Findings {
		row, ok := events[f.Sequence]
		if f.Kind == receiver.FindingSequenceGap {
			row, ok = gaps[f.Sequence]
		}
		ff := finding{Kind: f.Kind, Sequence: f.Sequence, Message: f.Message}
		if ok {
			p.Timeline[row].Findings = append(p.Timeline[row].Findings, ff)
		} else {
			p.Other = append(p.Other, ff)
		}
	}
	return p
}

// arrivalRanks gives each event its place in its session's arrival order,
// from 1, events being in sequence order.
func arrivalRanks(events []receiver.Record) []int {
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(events[a].Arrival(), events[b].Arrival()) })
	rank := make([]int, len(events))
	for r, i := range order {
		rank[i] = r + 1
	}
	return rank
}

// snrPoint is one intermediate result's SNR.
type snrPoint struct {
	// Result is the payload's own sequence, or 0 when it has none.
	Result      int64
	SNR         float64
	Measurement string
}

// snrOf reads an INTERMEDIATE_RESULTS' SNR, nil for any other event or
// one without a numeric snr.
func snrOf(rec receiver.Record) *snrPoint {
	if rec.Event != emitter.EventIntermediateResults {
		return nil
	}
	var p struct {
		SNR      *float64        `json:"snr"`
		Sequence json.RawMessage `json:"sequence"`
	}
	if json.Unmarshal(rec.Payload, &p) != nil || p.SNR == nil {
		return nil
	}
	pt := &snrPoint{SNR: *p.SNR, Measurement: rec.MeasurementID()}
	_ = json.Unmarshal(p.Sequence, &pt.Result) // a bad one is the contract check's to report
	return pt
}
