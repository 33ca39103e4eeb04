package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// The signature specs that send nothing but forged MACs are data: each
// row is a spec, the event it forges and the forgeries it sends, in order,
// one fresh event of one session each. The failure message for a forgery
// the receiver accepted is the forgery's own Accepted sentence.
var (
	specMissingMAC = forged(SpecInfo{
		ID: "missing-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects an event without the X-WMS-Content-MAC header",
		Correct: "refuses a request whose X-WMS-Content-MAC header is missing or empty, before it acts on the body.",
	}, "WMS_LOADED", forgery.None, forgery.Empty)
	specWrongSecret = forged(SpecInfo{
		ID: "wrong-secret", Level: Must, Area: AreaSignature,
		Title:   "rejects an event signed with another secret",
		Correct: "computes HMAC-SHA256 over the raw body with its Config ID's MAC secret and refuses a request whose MAC differs.",
	}, emitter.EventMeasurementCreated, forgery.WrongSecret)
	specOneDigit = forged(SpecInfo{
		ID: "one-digit", Level: Must, Area: AreaSignature,
		Title:   "rejects the right MAC with one hex digit changed",
		Correct: "compares all 64 hex digits of the MAC, in constant time, not a prefix or a part of them.",
	}, "WMS_LOADED", forgery.LastDigit, forgery.FirstDigit)
	specTruncatedMAC = forged(SpecInfo{
		ID: "truncated-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects a truncated MAC",
		Correct: "refuses a digest that is not exactly 64 hex digits: comparing with a prefix test, or up to the shorter length, accepts a forgery.",
	}, "WMS_LOADED", forgery.Truncated)
	specEmptyMAC = forged(SpecInfo{
		ID: "empty-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects the hmac-sha256= scheme with no digest",
		Correct: "refuses a header that carries the 'hmac-sha256=' scheme and no digest.",
	}, "WMS_LOADED", forgery.SchemeOnly)
	specWrongScheme = forged(SpecInfo{
		ID: "wrong-scheme", Level: Should, Area: AreaSignature,
		Title:   "rejects a MAC without its hmac-sha256= scheme",
		Correct: "requires the exact 'hmac-sha256=' prefix before the digest, so that a header meant for another algorithm is never taken on trust.",
	}, "WMS_LOADED", forgery.Malformed, forgery.SchemeSHA256, forgery.SchemeSHA1)
)

// forged is the spec of one row of the table above: a hostile spec that
// requires each forgery refused.
func forged(info SpecInfo, event string, kinds ...forgery.Kind) spec {
	return spec{SpecInfo: info, frame: hostile, run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		for _, k := range kinds {
			b, err := s.validBody(sess, event)
			if err != nil {
				return err
			}
			s.refused(ctx, c, s.forger.Request(k, b), k.Info().Accepted)
		}
		return nil
	}}
}

var specTamperedBody = spec{
	SpecInfo: SpecInfo{
		ID: "tampered-body", Level: Must, Area: AreaSignature,
		Title:   "rejects a body changed after signing",
		Correct: "hashes the body exactly as received and refuses it when the MAC does not match.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		b, id, err := s.measurementBody()
		if err != nil {
			return err
		}
		s.refused(ctx, c, s.forger.Tampered(b, forgeMeasurement(b, id)),
			"An event whose measurementId was changed after signing was accepted: the MAC is the original body's.")
		return nil
	},
}

var specTamperedReplay = spec{
	SpecInfo: SpecInfo{
		ID: "tampered-replay", Level: Must, Area: AreaSignature,
		Title:   "rejects a changed body replayed under an accepted sessionId and sequence",
		Correct: "verifies the MAC before it looks for duplicates, so a forged body that reuses a known (sessionId, sequence) is refused, not acknowledged as a redelivery.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		b, id, err := s.measurementBody()
		if err != nil {
			return err
		}
		original := s.send(ctx, s.signed(b))
		forged := s.send(ctx, s.forger.Tampered(b, forgeMeasurement(b, id)))
		s.judgeRefusal(c, "A changed body sent under the (sessionId, sequence) of an event already delivered, with that event's MAC, was accepted: the receiver looks for duplicates before it verifies, so anyone can forge a redelivery.", original, forged)
		return nil
	},
}

// measurementBody is a fresh MEASUREMENT_CREATED and its measurement ID:
// the event an attacker would most like to forge.
func (s *suite) measurementBody() ([]byte, string, error) {
	sess := s.newSession()
	b, err := s.validBody(sess, emitter.EventMeasurementCreated)
	return b, sess.MeasurementID(), err
}

// forgeMeasurement replaces the measurement ID in a signed body.
func forgeMeasurement(b []byte, id string) []byte {
	forged := "00000000-0000-4000-8000-000000000000"
	if id == forged {
		forged = "11111111-1111-4111-8111-111111111111"
	}
	return bytes.Replace(b, []byte(id), []byte(forged), 1)
}

var specRejectStatus = spec{
	SpecInfo: SpecInfo{
		ID: "reject-status", Level: Should, Area: AreaSignature,
		Title:   "answers 401 or 403 to unsigned and forged events",
		Correct: "answers 401 (or 403) to a missing or wrong MAC, so that the sender and your logs tell a signature problem from a bad body.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		var bodies [4][]byte
		for i := range bodies {
			var err error
			if bodies[i], err = s.validBody(sess, "WMS_LOADED"); err != nil {
				return err
			}
		}
		changed := append(bytes.TrimSuffix(bodies[2], []byte("}")), `,"forged":true}`...)
		cases := []struct {
			what string
			req  emitter.Request
		}{
			{"no MAC header", s.forger.Request(forgery.None, bodies[0])},
			{"a MAC made with another secret", s.forger.Request(forgery.WrongSecret, bodies[1])},
			{"a body changed after signing", s.forger.Tampered(bodies[2], changed)},
			{"a MAC with one hex digit changed", s.forger.Request(forgery.LastDigit, bodies[3])},
		}
		for _, tc := range cases {
			x := s.send(ctx, tc.req)
			if !x.answered() || (x.att.Status != 401 && x.att.Status != 403) {
				c.fail(fmt.Sprintf("An event with %s got %s, not 401 or 403.", tc.what, x.outcome()), x)
			}
		}
		return nil
	},
}

// The raw-* specs send validly signed bodies that a receiver verifying
// anything but the raw bytes refuses.

var specRawWhitespace = spec{
	SpecInfo: SpecInfo{
		ID: "raw-whitespace", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with extra whitespace",
		Correct: "verifies the MAC over the raw body bytes as received, never over JSON parsed and serialised again.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		b, _, err := s.measurementBody()
		if err != nil {
			return err
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, b, "", "  "); err != nil {
			return err
		}
		pretty.WriteByte('\n')
		s.accepted(ctx, c, s.signed(pretty.Bytes()),
			"A validly signed event laid out with newlines and indentation", "the receiver does not verify the raw bytes it received")
		return nil
	},
}

var specRawKeyOrder = spec{
	SpecInfo: SpecInfo{
		ID: "raw-key-order", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with its keys in another order",
		Correct: "verifies the MAC over the raw body bytes as received, and reads fields by name, not by position.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		env, _, err := s.event(sess, emitter.Emit{Event: emitter.EventMeasurementCreated})
		if err != nil {
			return err
		}
		b := fmt.Appendf(nil, `{"payload":{"measurementId":%q},"severity":%q,"event":%q,"sequence":%d,"sessionId":%q,"timestamp":%d}`,
			sess.MeasurementID(), env.Severity, env.Event, env.Sequence, env.SessionID, env.Timestamp)
		s.accepted(ctx, c, s.signed(b),
			"A validly signed event with its keys in reverse order", "the receiver does not verify the raw bytes it received, or reads fields by position")
		return nil
	},
}

var specRawEscapes = spec{
	SpecInfo: SpecInfo{
		ID: "raw-escapes", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with \\u escapes, non-ASCII ones included",
		Correct: "verifies the MAC over the raw body bytes as received and decodes \\u escapes, non-ASCII characters included, as any JSON parser does.",
	},
	run: func(s *suite, ctx context.Context, c *check) error {
		_, b, err := s.event(s.newSession(), emitter.Emit{
			Event:   "GENERAL_ERROR",
			Payload: emitter.Payload{{Key: emitter.FieldDetails, Value: "CAMERA_START_ERROR (caméra déjà utilisée — 📷)"}},
		})
		if err != nil {
			return err
		}
		// The emitter already escapes the non-ASCII characters; escape the
		// event name's ASCII letters too.
		b = bytes.Replace(b, []byte(`"event":"GENERAL_ERROR"`), []byte(`"event":"`+escapeAll("GENERAL_ERROR")+`"`), 1)
		s.accepted(ctx, c, s.signed(b),
			`A validly signed event written with \u escapes (an escaped event name, and accented letters and an emoji in details)`, "")
		return nil
	},
}
