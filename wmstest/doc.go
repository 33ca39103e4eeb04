// Package wmstest tests a NuraLogix WMS webhook receiver from its own Go
// tests. It builds the requests WMS sends, signed as WMS signs them, and it
// runs wms-mock's whole conformance suite against an http.Handler inside
// 'go test', with no network and no account.
//
// # The requests WMS sends
//
// WMS posts each event of a user's session as one JSON body, signed with
// the MAC secret of the Config ID: the header X-WMS-Content-MAC holds
// "hmac-sha256=" and the hex HMAC-SHA256 of the raw body bytes. NewRequest
// builds one of the 21 events (emitter.Events lists them) as that request:
//
//	req, err := wmstest.NewRequest(srv.URL+"/webhooks/wms", secret, "MEASUREMENT_CREATED")
//	resp, err := srv.Client().Do(req) // or, in-process: resp := wmstest.Serve(handler, req)
//
// The payload is what WMS sends: a v4 measurement ID, an SNR in dB, a face
// constraint. The header name is spelled on the wire as the vendor
// documents it, X-WMS-Content-MAC; Go's server hands it to a handler as
// X-Wms-Content-Mac, which r.Header.Get finds and r.Header["X-WMS-Content-MAC"]
// does not. Serve hands a request to a handler in-process as the server
// would; calling handler.ServeHTTP with the request as built skips that,
// and Header.Get would find no MAC.
//
// A Session builds the events of one session in an order the test
// chooses, numbered by their sequence from 0, every event after
// MEASUREMENT_CREATED naming its measurement. Journey builds a whole
// realistic session from the built-in library ("happy-path", "low-snr",
// "user-cancels", ...), its timestamps ending now. Redeliver makes a
// request again, byte for byte: a receiver must answer a redelivery 2xx
// and store the event once.
//
// # Forged requests
//
// WithForgery signs a request wrongly in one of the ways package forgery
// names (no header, an empty one, another secret, a changed or truncated
// digest, another scheme) while the body stays a valid event's. A
// receiver must answer each with 401 and store nothing, which a test
// asserts in a loop over forgery.Kinds.
//
// # The conformance suite
//
// Conformance runs the suite that 'wms-mock conformance' runs, against a
// handler served on a loopback port for the run:
//
//	func TestWebhookConformance(t *testing.T) {
//		wmstest.Conformance(t, webhook.Handler(secret), secret)
//	}
//
// It sends valid, forged, duplicated, reordered, malformed and oversized
// deliveries and a burst of concurrent sessions, about a second's work
// against a fast handler, and fails t when a must spec fails, with the
// report the CLI prints: for each failure, the request sent, the answer,
// and what a correct receiver does. A should failure is a warning, as in
// the CLI, logged for 'go test -v'. WithLevel and WithLabelFilter select
// specs as the CLI's --label-filter does; WithPath points the suite at the
// webhook's route in a whole router.
//
// # Reproducible bytes
//
// Without options, every session is fresh: its session ID, measurement ID
// and values are random, so that runs against a store that outlives them
// never collide. WithSeed and WithTime make the bytes, and so the MAC,
// the same on every run, for a golden file or a test that compares
// bodies.
//
// # Limits
//
// The suite runs in-process and keeps no state of its own between runs:
// Conformance may be called from parallel tests, under any 'go test'
// flags, and beside or inside a Ginkgo suite of the caller's, whose
// configuration it leaves alone. A handler call still running when the
// suite ends (one that ignores its request's context) is left behind
// after two seconds and logged, so that a hung handler cannot hang the
// test.
package wmstest
