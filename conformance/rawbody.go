package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
)

// The raw-* specs send validly signed bodies that a receiver verifying
// anything but the raw bytes refuses.

var specRawWhitespace = spec{
	SpecInfo: SpecInfo{
		ID: "raw-whitespace", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with extra whitespace",
		Correct: "verifies the MAC over the raw body bytes as received, never over JSON parsed and serialised again.",
		Fix:     "the MAC is computed over JSON.stringify(req.body) or a re-marshalled struct: compute it over the raw body bytes, before any parsing (in Express, express.raw() or the verify option of express.json()).",
	},
	needsValid: true,
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
			"A validly signed event laid out with newlines and indentation", "the receiver verifies JSON parsed and serialised again, not the raw bytes it received")
		return nil
	},
}

var specRawKeyOrder = spec{
	SpecInfo: SpecInfo{
		ID: "raw-key-order", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with its keys in another order",
		Correct: "verifies the MAC over the raw body bytes as received, and reads fields by name, not by position.",
		Fix:     "verification over re-serialised JSON, or a parser that reads fields by position: hash the raw bytes, read fields by name.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		env, _, err := s.event(sess, emitter.Emit{Event: emitter.EventMeasurementCreated, Sequence: at(5)})
		if err != nil {
			return err
		}
		b := fmt.Appendf(nil, `{"payload":{"measurementId":%q},"severity":%q,"event":%q,"sequence":%d,"sessionId":%q,"timestamp":%d}`,
			sess.MeasurementID(), env.Severity, env.Event, env.Sequence, env.SessionID, env.Timestamp)
		s.accepted(ctx, c, s.signed(b),
			"A validly signed event with its keys in reverse order", "the receiver verifies JSON serialised again rather than the raw bytes it received, or reads fields by position")
		return nil
	},
}

var specRawEscapes = spec{
	SpecInfo: SpecInfo{
		ID: "raw-escapes", Level: Must, Area: AreaSignature,
		Title:   "accepts a validly signed body with \\u escapes, non-ASCII ones included",
		Correct: "verifies the MAC over the raw body bytes as received and decodes \\u escapes, non-ASCII characters included, as any JSON parser does.",
		Fix:     "verification over re-serialised JSON (it decodes the escapes), or a check that refuses non-ASCII text: hash the raw bytes, store text as UTF-8.",
	},
	needsValid: true,
	run: func(s *suite, ctx context.Context, c *check) error {
		_, b, err := s.event(s.newSession(), emitter.Emit{
			Event:    "GENERAL_ERROR",
			Sequence: at(3),
			Payload:  emitter.Payload{{Key: emitter.FieldDetails, Value: "CAMERA_START_ERROR (caméra déjà utilisée — 📷)"}},
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
