package conformance

import (
	"bytes"
	"context"
	"fmt"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// The signature specs that send nothing but forged MACs are data: each
// row is a spec, the event it forges and the forgeries it sends, in order,
// one fresh event of one session each. The failure message for a forgery
// the receiver accepted is the forgery's own: what was observed, then its
// likely causes.
var (
	specMissingMAC = forged(SpecInfo{
		ID: "missing-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects an event without the X-WMS-Content-MAC header",
		Correct: "refuses a request whose X-WMS-Content-MAC header is missing or empty, before it acts on the body.",
		Fix:     "verification skipped when the header is absent (`if (header) verify()`): refuse when it is missing or empty.",
	}, "WMS_LOADED", forgery.None, forgery.Empty)
	specWrongSecret = forged(SpecInfo{
		ID: "wrong-secret", Level: Must, Area: AreaSignature,
		Title:   "rejects an event signed with another secret",
		Correct: "computes HMAC-SHA256 over the raw body with its Config ID's MAC secret and refuses a request whose MAC differs.",
		Fix:     "no verification, or a hard-coded test secret: verify with the Config ID's secret.",
	}, emitter.EventMeasurementCreated, forgery.WrongSecret)
	specOneDigit = forged(SpecInfo{
		ID: "one-digit", Level: Must, Area: AreaSignature,
		Title:   "rejects the right MAC with one hex digit changed",
		Correct: "compares all 64 hex digits of the MAC, in constant time, not a prefix or a part of them.",
		Fix:     "only part of the digest is compared: compare all 32 bytes with a constant-time comparison (crypto.timingSafeEqual, hmac.Equal, hmac.compare_digest).",
	}, "WMS_LOADED", forgery.LastDigit, forgery.FirstDigit)
	specTruncatedMAC = forged(SpecInfo{
		ID: "truncated-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects a truncated MAC",
		Correct: "refuses a digest that is not exactly 64 hex digits: comparing with a prefix test, or up to the shorter length, accepts a forgery.",
		Fix:     "prefix comparison (`expected.startsWith(got)`) or comparing up to the shorter length: check the length, then compare.",
	}, "WMS_LOADED", forgery.Truncated)
	specEmptyMAC = forged(SpecInfo{
		ID: "empty-mac", Level: Must, Area: AreaSignature,
		Title:   "rejects the hmac-sha256= scheme with no digest",
		Correct: "refuses a header that carries the 'hmac-sha256=' scheme and no digest.",
		Fix:     "prefix comparison again: an empty digest is a prefix of every digest; check the length, then compare.",
	}, "WMS_LOADED", forgery.SchemeOnly)
	specEmptyKey = forged(SpecInfo{
		ID: "empty-key", Level: Must, Area: AreaSignature,
		Title:   "rejects a MAC made with the empty secret",
		Correct: "verifies only with its Config ID's secret, and refuses to start without one, so that a MAC anyone can compute with an empty key is never accepted.",
		Fix:     "a fallback to an empty secret when the environment variable is unset (`process.env.WMS_MAC_SECRET || ''`, `os.getenv(\"WMS_MAC_SECRET\", \"\")`): fail at start-up without the secret.",
	}, "WMS_LOADED", forgery.EmptyKey)
	specEmptyBody = forged(SpecInfo{
		ID: "empty-body", Level: Must, Area: AreaSignature,
		Title:   "rejects the MAC of an empty body",
		Correct: "hashes the raw body it received, so that the MAC of an empty body never matches a real event.",
		Fix:     "the raw body was consumed by a JSON parser before verification, so an empty or undefined body is hashed: keep the raw bytes (express.raw(), the verify option of express.json()) and hash those.",
	}, "WMS_LOADED", forgery.EmptyBody)
	specWrongScheme = forged(SpecInfo{
		ID: "wrong-scheme", Level: Should, Area: AreaSignature,
		Title:   "rejects a MAC without its hmac-sha256= scheme",
		Correct: "requires the exact 'hmac-sha256=' prefix before the digest, so that a header meant for another algorithm is never taken on trust.",
		Fix:     "the code takes whatever follows '=': require exactly `hmac-sha256=`.",
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
			s.refused(ctx, c, s.forger.Request(k, b), forgeryAccepted(k))
		}
		return nil
	}}
}

var specTamperedBody = spec{
	SpecInfo: SpecInfo{
		ID: "tampered-body", Level: Must, Area: AreaSignature,
		Title:   "rejects a body changed after signing",
		Correct: "hashes the body exactly as received and refuses it when the MAC does not match.",
		Fix:     "the MAC is not checked against the body received: hash the raw bytes of this request.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		b, id, err := s.measurementBody()
		if err != nil {
			return err
		}
		s.refused(ctx, c, s.forger.Tampered(b, forgeMeasurement(b, id)),
			"An event whose measurementId was changed after signing was accepted: the MAC is the original body's. Likely causes: the MAC is checked against something other than the body received (a copy made before the change), or the receiver does not verify the MAC at all.")
		return nil
	},
}

var specTamperedReplay = spec{
	SpecInfo: SpecInfo{
		ID: "tampered-replay", Level: Must, Area: AreaSignature,
		Title:   "rejects a changed body replayed under an accepted sessionId and sequence",
		Correct: "verifies the MAC before it looks for duplicates, so a forged body that reuses a known (sessionId, sequence) is refused, not acknowledged as a redelivery.",
		Fix:     "the duplicate check runs before verification, so a forgery is acknowledged as a redelivery: verify first, then deduplicate.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		b, id, err := s.measurementBody()
		if err != nil {
			return err
		}
		original := s.send(ctx, s.signed(b))
		forged := s.send(ctx, s.forger.Tampered(b, forgeMeasurement(b, id)))
		s.judgeRefusal(c, "A changed body sent under the (sessionId, sequence) of an event already delivered, with that event's MAC, was accepted. Likely causes: the receiver looks for duplicates before it verifies (a known (sessionId, sequence) is acknowledged as a redelivery), or it takes a MAC it has verified before without hashing this body, or it trusts a session once one of its events verified, or it does not verify the MAC at all.", original, forged)
		return nil
	},
}

// measurementBody is a fresh session's MEASUREMENT_CREATED, at the
// sequence a real session sends it, and its measurement ID: the event an
// attacker would most like to forge.
func (s *suite) measurementBody() ([]byte, string, error) {
	sess := s.newSession()
	_, b, err := s.event(sess, emitter.Emit{Event: emitter.EventMeasurementCreated, Sequence: at(5)})
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

// The session specs forge an event of a session whose previous event the
// receiver accepted: a receiver that trusts what it has verified once
// takes them.

var specOtherEvent = spec{
	SpecInfo: SpecInfo{
		ID: "other-event", Level: Must, Area: AreaSignature,
		Title:   "rejects an event carrying the MAC of another event of its session",
		Correct: "hashes every body it receives and compares the result with that request's own MAC, so that a MAC it has seen before proves nothing about another body.",
		Fix:     "the MAC is used as a deduplication or cache key and looked up before verifying, or a session is trusted after its first verified event: verify every request's own body, then deduplicate by (sessionId, sequence).",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		first, err := s.bodyAt(sess, "CAMERA_STARTED", 3)
		if err != nil {
			return err
		}
		next, err := s.bodyAt(sess, "MEASUREMENT_STARTED", 4)
		if err != nil {
			return err
		}
		sent := s.send(ctx, s.signed(first))
		borrowed := s.send(ctx, s.forger.Tampered(first, next))
		s.judgeRefusal(c, forgeryAccepted(forgery.OtherEvent), sent, borrowed)
		s.needAccepted(c, sent, "the event whose MAC the forgery carries")
		return nil
	},
}

var specTrustedSession = spec{
	SpecInfo: SpecInfo{
		ID: "trusted-session", Level: Must, Area: AreaSignature,
		Title:   "rejects a forged event of a session it has already accepted an event of",
		Correct: "verifies every event, whichever session it belongs to: a session whose first event verified is no reason to trust the next.",
		Fix:     "a \"trusted session\" cache (verify the first event of a session, then accept its later ones unchecked): verify every request.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		first, err := s.bodyAt(sess, "CAMERA_STARTED", 3)
		if err != nil {
			return err
		}
		sent := s.send(ctx, s.signed(first))
		// Another secret, rather than no MAC: a receiver that skips an
		// absent header is missing-mac's to find.
		k := forgery.WrongSecret
		b, err := s.validBody(sess, "MEASUREMENT_STARTED")
		if err != nil {
			return err
		}
		forged := s.send(ctx, s.forger.Request(k, b))
		s.judgeRefusal(c, fmt.Sprintf("%s The event belonged to a session whose previous event was accepted. Likely causes: the receiver verifies a session's first event and trusts the session afterwards (a \"trusted session\" cache), or %s.",
			k.Info().Accepted, k.Info().Causes), sent, forged)
		s.needAccepted(c, sent, "the session's valid event sent first")
		return nil
	},
}

// needAccepted leaves a spec whose forgery follows a valid event of the
// same session without a verdict when that event was refused and the
// forgery too: a receiver that trusts a session it accepted once cannot
// show it then.
func (s *suite) needAccepted(c *check, x exchange, what string) {
	if len(c.problems) == 0 && !x.accepted() {
		c.undecided = fmt.Sprintf("No verdict: the receiver refused the forgery, but also %s (%s), so the refusal does not show that it verifies events of a session it has accepted.", what, x.outcome())
	}
}

var specRejectStatus = spec{
	SpecInfo: SpecInfo{
		ID: "reject-status", Level: Should, Area: AreaSignature,
		Title:   "answers 401 or 403 to unsigned and forged events",
		Correct: "answers 401 (or 403) to a missing or wrong MAC, so that the sender and your logs tell a signature problem from a bad body.",
		Fix:     "the endpoint answers 400 or 500 for a bad signature: answer 401.",
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
