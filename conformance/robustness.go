package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/wmsmock/wms-mock/emitter"
)

func specMethods(s *suite, ctx context.Context, c *check) {
	sess := s.newSession()
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r := emitter.Request{Method: m}
		if m == http.MethodPut || m == http.MethodPatch {
			r = s.validRequest(sess, "WMS_LOADED")
			r.Method = m
		}
		x := s.send(ctx, r)
		if !x.answered() || x.att.Status != http.StatusMethodNotAllowed {
			c.fail(fmt.Sprintf("%s on the webhook URL got %s, not 405.", m, x.outcome()), x)
		}
	}
}

// oversizedBytes is the size of the oversized spec's body: several MiB,
// where an event is a few hundred bytes.
const oversizedBytes = 5 << 20

func specOversized(s *suite, ctx context.Context, c *check) {
	env := s.envelope(s.newSession(), emitter.Emit{
		Event:   "GENERAL_ERROR",
		Payload: emitter.Payload{{Key: "trace", Value: string(bytes.Repeat([]byte("x"), oversizedBytes))}},
	})
	x := s.send(ctx, s.signed(body(env)))
	switch {
	case x.accepted():
		c.fail(fmt.Sprintf("A validly signed event of %d MiB was accepted: the receiver reads bodies of any size, so one client can exhaust its memory.", oversizedBytes>>20), x)
	case x.att.Class == emitter.FailTimeout:
		c.fail(fmt.Sprintf("A validly signed event of %d MiB got no answer within the deadline: the receiver neither refused it nor closed the connection.", oversizedBytes>>20), x)
	}
}
