package receiver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// BodyTimeout bounds how long a body may take to arrive once its headers
// are in, and so how long a slow client can hold its share of the body
// budget. A real event is a few hundred bytes sent at once. The receiver
// sets it on the connection itself, so it holds in any http.Server.
const BodyTimeout = 10 * time.Second

// firstRead is the first buffer a body gets: a real event fits in it, and
// a client that announces a large body and sends nothing holds no more.
const firstRead = 1 << 10

// retryAfter is the Retry-After of a refusal for want of budget: bodies
// hold their share for BodyTimeout at most, most of them far less.
const retryAfter = time.Second

// errLongerThanLength is a body, handed to the handler in process, that
// goes on past its Content-Length.
var errLongerThanLength = errors.New("the body is longer than its Content-Length")

// readBody reads r's body into memory, taking each buffer from the budget
// before allocating it, and stops at the cap. The caller releases h once
// it is done with the body, whatever the error.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request, start time.Time) (body []byte, h *hold, err error) {
	ctl := http.NewResponseController(w)
	var cut func()
	if ctl.SetReadDeadline(start.Add(rc.bodyTimeout)) == nil {
		cut = func() { _ = ctl.SetReadDeadline(time.Unix(1, 0)) }
	}
	h = rc.budget.open(cut)
	defer func() {
		if shed := h.arrived(); shed != nil {
			body, err = nil, shed
		}
	}()

	src := http.MaxBytesReader(w, r.Body, rc.maxBody)
	limit := rc.maxBody // New refused a Content-Length over it
	if r.ContentLength >= 0 {
		limit = r.ContentLength
	}
	var buf []byte
	for {
		if len(buf) == cap(buf) && int64(cap(buf)) < limit {
			size := min(max(2*cap(buf), firstRead), int(limit))
			if err := h.grow(int64(size - cap(buf))); err != nil {
				return nil, h, err
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		if len(buf) == cap(buf) {
			// The buffer holds all the body may be: one more read says
			// whether it ends there.
			var probe [1]byte
			n, err := src.Read(probe[:])
			switch {
			case n > 0:
				return nil, h, errLongerThanLength
			case err == io.EOF:
				return buf, h, nil
			case err != nil:
				return nil, h, err
			}
			continue
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, h, nil
		case err != nil:
			return nil, h, err
		}
	}
}

// unread is the answer to a body that could not be read whole.
func (rc *Receiver) unread(err error) outcome {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return rc.tooLarge()
	}
	busy := func(verdict, why string) outcome {
		return outcome{status: http.StatusServiceUnavailable, verdict: verdict, retryAfter: retryAfter, hangUp: true,
			reason: fmt.Sprintf("%s: the receiver holds as many request bodies as it may (%d bytes); retry later", why, rc.budget.limit)}
	}
	switch {
	case errors.Is(err, errShed):
		return busy("shed", errShed.Error())
	case errors.Is(err, errBudgetFull):
		return busy("busy", errBudgetFull.Error())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return outcome{status: http.StatusRequestTimeout, verdict: "timeout", hangUp: true,
			reason: fmt.Sprintf("the body did not arrive within %s: send it at once", rc.bodyTimeout)}
	}
	return outcome{status: http.StatusBadRequest, verdict: "unreadable", reason: "could not read the body: " + err.Error(), hangUp: true}
}

// tooLarge refuses a body over the cap, and stops reading it.
func (rc *Receiver) tooLarge() outcome {
	return outcome{status: http.StatusRequestEntityTooLarge, verdict: "too-large", hangUp: true,
		reason: fmt.Sprintf("the body is over %d bytes", rc.maxBody)}
}

// prepareRefusal tells the client how to go on after o, before the answer
// is written.
func prepareRefusal(w http.ResponseWriter, o outcome) {
	if o.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(o.retryAfter/time.Second)))
	}
	if o.hangUp {
		// What is left of the body is not worth reading: net/http would
		// drain it, as slowly as the client sends it, to reuse the
		// connection. Closing is cheaper.
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetReadDeadline(time.Unix(1, 0))
	}
}
