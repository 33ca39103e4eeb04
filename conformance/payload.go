package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

func specUnknownEvent(s *suite, ctx context.Context, c *check) {
	env := s.envelope(s.newSession(), emitter.Emit{Event: "MEASUREMENT_PAUSED", Severity: emitter.SeverityInfo})
	s.accepted(ctx, c, s.signed(body(env)),
		"A validly signed event named MEASUREMENT_PAUSED, which is not in the vendor's table,", "")
}

func specUnknownFields(s *suite, ctx context.Context, c *check) {
	env := s.envelope(s.newSession(), emitter.Emit{
		Event: emitter.EventMeasurementCreated,
		Payload: emitter.Payload{
			{Key: "quality", Value: 0.93},
			{Key: "device", Value: emitter.Payload{{Key: "platform", Value: "web"}, {Key: "camera", Value: "front"}}},
		},
	})
	b := body(env)
	b = append(b[:len(b)-1], `,"configId":"cfg-0001","region":["eu-west-1"]}`...)
	s.accepted(ctx, c, s.signed(b),
		"A validly signed MEASUREMENT_CREATED with extra fields (configId and region at the top, quality and device in the payload)", "")
}

// malformed are signed bodies that are not a WMS event, by kind.
func (s *suite) malformed(kind string) [][]byte {
	id := s.newSession().ID()
	now := time.Now().Unix()
	env := fmt.Sprintf(`{"timestamp":%d,"sessionId":%q,"sequence":0,"event":"WMS_LOADED","severity":"INFO"}`, now, id)
	switch kind {
	case "json":
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
	case "array":
		return [][]byte{[]byte("[" + env + "]")}
	case "scalar":
		return [][]byte{[]byte("null"), []byte("42"), []byte(`"WMS_LOADED"`)}
	case "envelope":
		return [][]byte{
			[]byte("{}"),
			[]byte(`{"hello":"world"}`),
			fmt.Appendf(nil, `{"timestamp":"now","sessionId":%d,"sequence":"zero","event":null,"severity":7}`, now),
		}
	}
	panic("unknown malformed kind " + kind)
}

// noServerError sends signed malformed bodies and records every one that
// got a 5xx or no answer at all.
func (s *suite) noServerError(ctx context.Context, c *check, kind, what string) {
	for _, b := range s.malformed(kind) {
		x := s.send(ctx, s.signed(b))
		switch {
		case !x.answered():
			c.fail(fmt.Sprintf("A validly signed %s got no answer: %s.", what, x.att.Message), x)
		case x.att.Status >= 500:
			c.fail(fmt.Sprintf("A validly signed %s got %s: the sender's mistake is not a server error.", what, x.outcome()), x)
		}
	}
}

func specMalformedJSON(s *suite, ctx context.Context, c *check) {
	s.noServerError(ctx, c, "json", "body that is not JSON")
}

func specMalformedArray(s *suite, ctx context.Context, c *check) {
	s.noServerError(ctx, c, "array", "JSON array")
}

func specMalformedScalar(s *suite, ctx context.Context, c *check) {
	s.noServerError(ctx, c, "scalar", "JSON scalar")
}

func specMalformedEnvelope(s *suite, ctx context.Context, c *check) {
	s.noServerError(ctx, c, "envelope", "JSON object without the envelope fields")
}

func specMalformedStatus(s *suite, ctx context.Context, c *check) {
	for _, kind := range []string{"json", "array", "scalar", "envelope"} {
		for _, b := range s.malformed(kind) {
			x := s.send(ctx, s.signed(b))
			if !x.answered() || x.att.Status != 400 {
				c.fail(fmt.Sprintf("A validly signed body that is not an event got %s, not 400.", x.outcome()), x)
			}
		}
	}
}
