package emitter

import (
	"bytes"
	"context"
	"net/http"
	"time"
)

// BodyPrefixLen is how many bytes of an answer an Attempt keeps, whichever
// sender made it: enough for a report to show why a receiver refused a
// delivery, little enough that a load run recording every answer stays
// small.
const BodyPrefixLen = 512

// Request is one HTTP request to the webhook. It is a plain value rather
// than an *http.Request so that one request (a forgery, a duplicate) can be
// built once and sent again by any Client. Header is sent as is, keys
// unchanged, so that HeaderMAC keeps its documented spelling, which
// Header.Set would canonicalise; Content-Type and User-Agent are added when
// absent.
type Request struct {
	// Method defaults to POST, the only method WMS uses; others are for
	// testing how a receiver treats them.
	Method string
	Body   []byte
	Header http.Header
}

// SignedRequest is the request WMS sends for body: a POST with a valid MAC.
// Callers that fault a delivery start from it or build a Request by hand.
func SignedRequest(s *Signer, body []byte) Request {
	return Request{Body: body, Header: http.Header{HeaderMAC: {s.MAC(body)}}}
}

// Attempt is the recorded outcome of one HTTP exchange. Failures are data,
// not errors, so that a run can count, report and judge them like answers.
type Attempt struct {
	// Status is the HTTP status, 0 when no answer arrived.
	Status int `json:"status"`
	// Latency runs from sending the request to reading the whole answer.
	Latency time.Duration `json:"latency_ns"`
	// Class is empty when an answer arrived in full.
	Class FailureClass `json:"class,omitempty"`
	// Message is a one-line explanation of Class that says what to check.
	Message string `json:"message,omitempty"`
	// Body holds the first bytes of the answer.
	Body []byte `json:"-"`
	// BodySize is how many bytes of the answer were read.
	BodySize int64 `json:"body_size"`
}

// OK reports whether the attempt got a 2xx answer, the only success: a 3xx
// is not followed and counts as a failure.
func (a Attempt) OK() bool { return a.Class == "" && a.Status >= 200 && a.Status < 300 }

// Outcome is what a delivery came to: the last attempt, which decides it,
// and every attempt when retries were on, so that a report can show how
// the receiver behaved on each try.
type Outcome struct {
	Attempt
	// Attempts lists every attempt, the last one included; nil when
	// retries are off.
	Attempts []Attempt `json:"attempts,omitempty"`
}

// UserAgent is the User-Agent of every request the emitter sends, unless
// the Request sets one.
const UserAgent = "wms-mock/" + Version

// HTTPRequest is r as WMS sends it to url. Its header map is a copy with
// the keys as given, so that HeaderMAC keeps its documented spelling
// (Header.Set would canonicalise it); Content-Type application/json and
// UserAgent are added when r has none.
func (r Request) HTTPRequest(ctx context.Context, url string) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.Header = make(http.Header, len(r.Header)+2)
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if _, ok := r.Header["Content-Type"]; !ok {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	if _, ok := r.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{UserAgent}
	}
	return req, nil
}
