package emitter

import (
	"net/http"
	"time"
)

// bodyPrefixLen is how many bytes of an answer an Attempt keeps: enough for
// a report to show why a receiver refused a delivery, little enough that a
// load run recording every answer stays small.
const bodyPrefixLen = 512

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
