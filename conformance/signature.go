package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
)

// refused sends a request a correct receiver must not accept and records
// a problem when it does.
func (s *suite) refused(ctx context.Context, c *check, r emitter.Request, what string) exchange {
	x := s.send(ctx, r)
	s.judgeRefusal(c, what, x)
	return x
}

// judgeRefusal records a problem, shown with all of xs, unless the last of
// xs (a request a correct receiver must refuse) got an answer that is not
// a 2xx. Without an answer the suite cannot tell a refusal from a receiver
// that hung or crashed while acting on the request, so that is a problem
// too. A refusal shows that the receiver verifies only if it accepts valid
// events: when the probe got no 2xx either, the spec reaches no verdict
// (unless another of its requests was accepted, which is a problem). A
// delivery the run itself cancelled leaves the spec without a verdict
// whatever it recorded: see runChecked.
func (s *suite) judgeRefusal(c *check, what string, xs ...exchange) {
	switch x := xs[len(xs)-1]; {
	case x.att.Status == 0:
		c.fail(fmt.Sprintf("A request the receiver must refuse got %s, so the suite cannot tell whether it was refused: a correct receiver answers it with a 401 or 403.", x.outcome()), xs...)
	case x.att.Status >= 200 && x.att.Status < 300:
		c.fail(what, xs...)
	case !s.probe.accepted():
		c.undecided = fmt.Sprintf("No verdict: the receiver refused this spec's forgeries, but it also refused the plain valid event sent before the first spec (%s), so the refusals do not show that it verifies the MAC.", s.probe.outcome())
	}
}

// measurementBody is a fresh MEASUREMENT_CREATED and its measurement ID:
// the event an attacker would most like to forge.
func (s *suite) measurementBody() ([]byte, string) {
	sess := s.newSession()
	b := s.validBody(sess, emitter.EventMeasurementCreated)
	return b, sess.MeasurementID()
}

// forgeMeasurement replaces the measurement ID in a signed body.
func forgeMeasurement(b []byte, id string) []byte {
	forged := "00000000-0000-4000-8000-000000000000"
	if id == forged {
		forged = "11111111-1111-4111-8111-111111111111"
	}
	return bytes.Replace(b, []byte(id), []byte(forged), 1)
}

func specMissingMAC(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	s.refused(ctx, c, unsigned(s.validBody(sess, "WMS_LOADED")),
		"An event without the "+emitter.HeaderMAC+" header was accepted.")
	s.refused(ctx, c, withMAC(s.validBody(sess, "CONFIGURATION_LOADED"), ""),
		"An event with an empty "+emitter.HeaderMAC+" header was accepted.")
}

func specWrongSecret(s *suite, ctx context.Context, c *check) {
	b, _ := s.measurementBody()
	s.refused(ctx, c, emitter.SignedRequest(s.other, b),
		"An event signed with a secret other than the Config ID's was accepted.")
}

func specTamperedBody(s *suite, ctx context.Context, c *check) {
	b, id := s.measurementBody()
	s.refused(ctx, c, withMAC(forgeMeasurement(b, id), s.signer.MAC(b)),
		"An event whose measurementId was changed after signing was accepted: the MAC is the original body's.")
}

func specTamperedReplay(s *suite, ctx context.Context, c *check) {
	b, id := s.measurementBody()
	mac := s.signer.MAC(b)
	original := s.send(ctx, withMAC(b, mac))
	forged := s.send(ctx, withMAC(forgeMeasurement(b, id), mac))
	s.judgeRefusal(c, "A changed body sent under the (sessionId, sequence) of an event already delivered, with that event's MAC, was accepted: the receiver looks for duplicates before it verifies, so anyone can forge a redelivery.", original, forged)
}

func specOneDigit(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	for _, i := range []int{63, 0} {
		b := s.validBody(sess, "WMS_LOADED")
		s.refused(ctx, c, withMAC(b, changeDigit(s.signer.MAC(b), i)),
			fmt.Sprintf("An event whose MAC had hex digit %d of 64 changed was accepted.", i+1))
	}
}

func specTruncatedMAC(s *suite, ctx context.Context, c *check) {
	b := s.validBody(s.newSession(), "WMS_LOADED")
	mac := s.signer.MAC(b)
	s.refused(ctx, c, withMAC(b, mac[:len(emitter.MACScheme)+32]),
		"An event whose MAC was cut to its first 32 hex digits was accepted.")
}

func specEmptyMAC(s *suite, ctx context.Context, c *check) {
	b := s.validBody(s.newSession(), "WMS_LOADED")
	s.refused(ctx, c, withMAC(b, emitter.MACScheme),
		"An event whose MAC header held the scheme and no digest was accepted.")
}

func specWrongScheme(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	for _, scheme := range []string{"", "sha256=", "hmac-sha1="} {
		b := s.validBody(sess, "WMS_LOADED")
		digest := s.signer.MAC(b)[len(emitter.MACScheme):]
		s.refused(ctx, c, withMAC(b, scheme+digest),
			fmt.Sprintf("An event whose MAC header had the right digest behind the scheme %q instead of %q was accepted.", scheme, emitter.MACScheme))
	}
}

func specRejectStatus(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	next := func() []byte { return s.validBody(sess, "WMS_LOADED") }
	b1, b2, b3, b4 := next(), next(), next(), next()
	cases := []struct {
		what string
		req  emitter.Request
	}{
		{"no MAC header", unsigned(b1)},
		{"a MAC made with another secret", emitter.SignedRequest(s.other, b2)},
		{"a body changed after signing", withMAC(append(bytes.TrimSuffix(b3, []byte("}")), `,"forged":true}`...), s.signer.MAC(b3))},
		{"a MAC with one hex digit changed", withMAC(b4, changeDigit(s.signer.MAC(b4), 63))},
	}
	for _, tc := range cases {
		x := s.send(ctx, tc.req)
		if !x.answered() || (x.att.Status != 401 && x.att.Status != 403) {
			c.fail(fmt.Sprintf("An event with %s got %s, not 401 or 403.", tc.what, x.outcome()), x)
		}
	}
}

func specRawWhitespace(s *suite, ctx context.Context, c *check) {
	b, _ := s.measurementBody()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b, "", "  "); err != nil {
		c.fail("internal error: " + err.Error())
		return
	}
	pretty.WriteByte('\n')
	s.accepted(ctx, c, s.signed(pretty.Bytes()),
		"A validly signed event laid out with newlines and indentation", "the receiver does not verify the raw bytes it received")
}

func specRawKeyOrder(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	env := s.envelope(sess, emitter.Emit{Event: emitter.EventMeasurementCreated})
	b := fmt.Appendf(nil, `{"payload":{"measurementId":%q},"severity":%q,"event":%q,"sequence":%d,"sessionId":%q,"timestamp":%d}`,
		sess.MeasurementID(), env.Severity, env.Event, env.Sequence, env.SessionID, env.Timestamp)
	s.accepted(ctx, c, s.signed(b),
		"A validly signed event with its keys in reverse order", "the receiver does not verify the raw bytes it received, or reads fields by position")
}

func specRawEscapes(s *suite, ctx context.Context, c *check) {
	env := s.envelope(s.newSession(), emitter.Emit{
		Event:   "GENERAL_ERROR",
		Payload: emitter.Payload{{Key: emitter.FieldDetails, Value: "CAMERA_START_ERROR (caméra déjà utilisée — 📷)"}},
	})
	// The emitter already escapes the non-ASCII characters; escape the
	// event name's ASCII letters too.
	b := bytes.Replace(body(env), []byte(`"event":"GENERAL_ERROR"`), []byte(`"event":"`+escapeAll("GENERAL_ERROR")+`"`), 1)
	s.accepted(ctx, c, s.signed(b),
		`A validly signed event written with \u escapes (an escaped event name, and accented letters and an emoji in details)`, "")
}

// accepted sends a request a correct receiver must accept and records a
// problem when it does not: what was sent, and why, the usual cause, if
// any (see notAccepted).
func (s *suite) accepted(ctx context.Context, c *check, r emitter.Request, what, why string) exchange {
	x := s.send(ctx, r)
	if !x.accepted() {
		c.fail(s.notAccepted(what, why), x)
	}
	return x
}

// notAccepted is the sentence for a valid event that got no 2xx: what was
// sent, then why, the usual cause. When the plain valid event sent before
// the first spec got no 2xx either, that usual cause is unproven, and the
// sentence points at the plain event's refusal instead.
func (s *suite) notAccepted(what, why string) string {
	switch {
	case !s.probe.accepted():
		return fmt.Sprintf("%s was not accepted, but neither was the plain valid event sent before the first spec (%s): fix that first, as it is the likely cause here too.", what, s.probe.outcome())
	case why == "":
		return what + " was not accepted."
	default:
		return what + " was not accepted: " + why + "."
	}
}
