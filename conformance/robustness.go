package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/wmsmock/wms-mock/emitter"
)

var specMethods = spec{
	SpecInfo: SpecInfo{
		ID: "methods", Level: Should, Area: AreaRobustness,
		Title:   "answers 405 to methods other than POST",
		Correct: "answers GET, PUT, PATCH and DELETE on the webhook URL with 405 Method Not Allowed, and never treats them as an event.",
		Fix:     "a catch-all route answering 200: route POST only.",
	},
	frame: hostile,
	run: func(s *suite, ctx context.Context, c *check) error {
		sess := s.newSession()
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r := emitter.Request{Method: m}
			if m == http.MethodPut || m == http.MethodPatch {
				var err error
				if r, err = s.validRequest(sess, "WMS_LOADED"); err != nil {
					return err
				}
				r.Method = m
			}
			x := s.send(ctx, r)
			if !x.answered() || x.att.Status != http.StatusMethodNotAllowed {
				c.fail(fmt.Sprintf("%s on the webhook URL got %s, not 405.", m, x.outcome()), x)
			}
		}
		return nil
	},
}

// oversizedBytes is the size of the oversized spec's body: several MiB,
// where an event is a few hundred bytes.
const oversizedBytes = 5 << 20

var specOversized = spec{
	SpecInfo: SpecInfo{
		ID: "oversized", Level: Must, Area: AreaRobustness,
		Title:   "refuses an oversized body and keeps serving",
		Correct: "caps the body it reads (1 MiB is plenty: an event is a few hundred bytes) and answers a larger one with 413 or closes the connection, then goes on serving.",
		Fix:     "no body limit: cap the body (1 MiB is plenty) before reading it.",
	},
	frame: survives,
	run: func(s *suite, ctx context.Context, c *check) error {
		_, b, err := s.event(s.newSession(), emitter.Emit{
			Event:   "GENERAL_ERROR",
			Payload: emitter.Payload{{Key: "trace", Value: string(bytes.Repeat([]byte("x"), oversizedBytes))}},
		})
		if err != nil {
			return err
		}
		x := s.send(ctx, s.signed(b))
		switch {
		case x.accepted():
			c.fail(fmt.Sprintf("A validly signed event of %d MiB was accepted: the receiver reads bodies of any size, so one client can exhaust its memory.", oversizedBytes>>20), x)
		case x.att.Class == emitter.FailTimeout:
			c.fail(fmt.Sprintf("A validly signed event of %d MiB got no answer within the deadline: the receiver neither refused it nor closed the connection.", oversizedBytes>>20), x)
		}
		return nil
	},
}
