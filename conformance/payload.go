package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

var specUnknownEvent = spec{
	SpecInfo: SpecInfo{
		ID: "unknown-event", Level: Must, Area: AreaPayload,
		Title:   "accepts an event type it does not know",
		Correct: "answers 2xx to an event name it does not know (WMS may add events) and ignores or logs it.",
		Fix:     "an exhaustive switch that throws: log unknown events and answer 2xx, WMS may add events.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		_, b, err := s.event(s.newSession(), emitter.Emit{Event: "MEASUREMENT_PAUSED", Severity: emitter.SeverityInfo, Sequence: at(8)})
		if err != nil {
			return err
		}
		s.accepted(ctx, c, s.signed(b),
			"A validly signed event named MEASUREMENT_PAUSED, which is not in the vendor's table,", "")
		return nil
	},
}

var specUnknownFields = spec{
	SpecInfo: SpecInfo{
		ID: "unknown-fields", Level: Must, Area: AreaPayload,
		Title:   "accepts unknown extra fields",
		Correct: "ignores fields it does not know, at the top level and in the payload, so that a new field from WMS breaks nothing.",
		Fix:     "a strict decoder (DisallowUnknownFields, additionalProperties: false): ignore unknown fields.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		_, b, err := s.event(s.newSession(), emitter.Emit{
			Event:    emitter.EventMeasurementCreated,
			Sequence: at(5),
			Payload: emitter.Payload{
				{Key: "quality", Value: 0.93},
				{Key: "device", Value: emitter.Payload{{Key: "platform", Value: "web"}, {Key: "camera", Value: "front"}}},
			},
		})
		if err != nil {
			return err
		}
		b = append(b[:len(b)-1], `,"configId":"cfg-0001","region":["eu-west-1"]}`...)
		s.accepted(ctx, c, s.signed(b),
			"A validly signed MEASUREMENT_CREATED with extra fields (configId and region at the top, quality and device in the payload)", "")
		return nil
	},
}

// The kinds of signed bodies that are not a WMS event.
type malformedKind int

const (
	notJSON malformedKind = iota
	jsonArray
	jsonScalar
	noEnvelope
)

// malformed are signed bodies of a kind that is not a WMS event.
func (s *suite) malformed(kind malformedKind) [][]byte {
	id := s.newSession().ID()
	now := time.Now().Unix()
	env := fmt.Sprintf(`{"timestamp":%d,"sessionId":%q,"sequence":0,"event":"WMS_LOADED","severity":"INFO"}`, now, id)
	switch kind {
	case notJSON:
		// The vendor's example body: a comma missing after "severity" and
		// one too many after the payload.
		example := fmt.Sprintf(`{
  "timestamp": %d,
  "sessionId": %q,
  "sequence": 0,
  "event": "MEASUREMENT_CREATED",
  "severity": "INFO"
  "payload": {
    "measurementId": "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"
  },
}`, now, id)
		return [][]byte{[]byte(example), []byte(env[:len(env)/2])}
	case jsonArray:
		return [][]byte{[]byte("[" + env + "]")}
	case jsonScalar:
		return [][]byte{[]byte("null"), []byte("42"), []byte(`"WMS_LOADED"`)}
	default:
		return [][]byte{
			[]byte("{}"),
			[]byte(`{"hello":"world"}`),
			fmt.Appendf(nil, `{"timestamp":"now","sessionId":%d,"sequence":"zero","event":null,"severity":7}`, now),
		}
	}
}

// noServerError is the spec that sends signed malformed bodies of a kind,
// described by what, and fails for every one that got a 5xx or no answer
// at all. It claims that the receiver keeps serving after them.
func noServerError(info SpecInfo, kind malformedKind, what string) spec {
	return spec{SpecInfo: info, frame: survives, run: func(s *suite, ctx context.Context, c *check) error {
		for _, b := range s.malformed(kind) {
			x := s.send(ctx, s.signed(b))
			switch {
			case !x.answered():
				c.fail(fmt.Sprintf("A validly signed %s got no answer: %s.", what, x.att.Message), x)
			case x.att.Status >= 500:
				c.fail(fmt.Sprintf("A validly signed %s got %s: the sender's mistake is not a server error.", what, x.outcome()), x)
			}
		}
		return nil
	}}
}

var (
	specMalformedJSON = noServerError(SpecInfo{
		ID: "malformed-json", Level: Must, Area: AreaPayload,
		Title:   "answers broken JSON without a 5xx and keeps serving",
		Correct: "answers a body that is not JSON with a 4xx (400 is best), never a 5xx, and goes on serving; the body sent is the vendor's own example, which lacks a comma and has a trailing one.",
		Fix:     "the parse error escapes as a 500: catch it and answer 400.",
	}, notJSON, "body that is not JSON")
	specMalformedArray = noServerError(SpecInfo{
		ID: "malformed-array", Level: Must, Area: AreaPayload,
		Title:   "answers a JSON array without a 5xx and keeps serving",
		Correct: "checks that the body is a JSON object before it reads fields, and answers anything else with a 4xx, never a 5xx.",
		Fix:     "the code indexes the body as an object: check its type first.",
	}, jsonArray, "JSON array")
	specMalformedScalar = noServerError(SpecInfo{
		ID: "malformed-scalar", Level: Must, Area: AreaPayload,
		Title:   "answers JSON null, a number and a string without a 5xx and keeps serving",
		Correct: "checks that the body is a JSON object before it reads fields (a null decodes to nothing in many languages), and answers anything else with a 4xx, never a 5xx.",
		Fix:     "null decodes to nothing (a nil pointer, None) and the next line crashes: check for an object first.",
	}, jsonScalar, "JSON scalar")
	specMalformedEnvelope = noServerError(SpecInfo{
		ID: "malformed-envelope", Level: Must, Area: AreaPayload,
		Title:   "answers a JSON object without valid envelope fields without a 5xx and keeps serving",
		Correct: "checks that the envelope fields are present and of the right JSON type before it uses them, and answers a body without them with a 4xx, never a 5xx.",
		Fix:     "fields used before they are checked: validate the envelope, answer 400 when it is wrong.",
	}, noEnvelope, "JSON object without the envelope fields")
)

var specMalformedStatus = spec{
	SpecInfo: SpecInfo{
		ID: "malformed-status", Level: Should, Area: AreaPayload,
		Title:   "answers 400 to signed bodies that are not an event",
		Correct: "answers 400 to a validly signed body that is not a JSON object with the envelope fields, so that the sender sees its own mistake.",
		Fix:     "2xx for bodies that are not events hides sender mistakes, and 5xx makes them look like your outage: answer 400.",
	},
	frame:      hostile,
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		for _, kind := range []malformedKind{notJSON, jsonArray, jsonScalar, noEnvelope} {
			for _, b := range s.malformed(kind) {
				x := s.send(ctx, s.signed(b))
				if !x.answered() || x.att.Status != 400 {
					c.fail(fmt.Sprintf("A validly signed body that is not an event got %s, not 400.", x.outcome()), x)
				}
			}
		}
		return nil
	},
}
