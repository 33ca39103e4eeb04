package wmstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/wmstest"
)

// exampleSecret is the MAC secret the examples sign with; a test uses the
// one its handler verifies with.
var exampleSecret = []byte("the MAC secret of your Config ID")

// exampleHandler stands in for your webhook handler: it is wms-mock's
// reference receiver, which does everything the suite asks.
func exampleHandler() http.Handler {
	signer, err := emitter.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	rc, err := receiver.New(signer)
	if err != nil {
		log.Fatal(err)
	}
	return rc
}

// exampleT stands in for the *testing.T that a test passes to
// Conformance, which an Example does not get: it keeps whether the test
// failed, and prints why it stopped.
type exampleT struct {
	testing.TB
	failed bool
}

func (t *exampleT) Helper()                   {}
func (t *exampleT) Context() context.Context  { return context.Background() }
func (t *exampleT) Logf(string, ...any)       {}
func (t *exampleT) Errorf(string, ...any)     { t.failed = true }
func (t *exampleT) Fatalf(f string, a ...any) { t.failed = true; fmt.Printf(f+"\n", a...) }
func (t *exampleT) String() string            { return fmt.Sprintf("test failed: %v", t.failed) }

// envelope reads a request's event and sequence, leaving its body to be
// sent.
func envelope(r *http.Request) (event string, sequence int64) {
	body, err := r.GetBody()
	if err != nil {
		log.Fatal(err)
	}
	var env struct {
		Event    string
		Sequence int64
	}
	if err := json.NewDecoder(body).Decode(&env); err != nil {
		log.Fatal(err)
	}
	return env.Event, env.Sequence
}

// A signed request for one event, byte for byte as WMS sends it: with
// WithSeed and WithTime, the same bytes on every run.
func ExampleNewRequest() {
	req, err := wmstest.NewRequest("https://example.com/webhooks/wms", exampleSecret, "MEASUREMENT_CREATED",
		wmstest.WithSeed(42), wmstest.WithTime(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	fmt.Println(req.Method, req.URL)
	fmt.Println("Content-Type:", req.Header.Get("Content-Type"))
	fmt.Println("X-WMS-Content-MAC:", req.Header["X-WMS-Content-MAC"][0])
	fmt.Println(string(body))
	// Output:
	// POST https://example.com/webhooks/wms
	// Content-Type: application/json
	// X-WMS-Content-MAC: hmac-sha256=83b1cdf3955b5bec21fd58b575fa044d3c4371a10411dda318b877dd7c8308e1
	// {"timestamp":1767258000,"sessionId":"mdzi1qd64f0bajtgp453qafjn","sequence":0,"event":"MEASUREMENT_CREATED","severity":"INFO","payload":{"measurementId":"279dd2d7-96e7-471e-98ab-1c656945b921"}}
}

// In a test, hand the request to your handler with Serve, or send it to a
// server with http.Client.Do.
func ExampleServe() {
	req, err := wmstest.NewRequest("/webhooks/wms", exampleSecret, "SCAN_COMPLETED")
	if err != nil {
		log.Fatal(err)
	}
	resp := wmstest.Serve(exampleHandler(), req)
	answer, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(answer)))
	// Output: 200 {"verdict":"accepted"}
}

// The events of one session, in an order of the test's choosing: the
// sequence counts up and the measurement ID carries over.
func ExampleSession() {
	s, err := wmstest.NewSession(exampleSecret, wmstest.WithSessionID("order-1234"))
	if err != nil {
		log.Fatal(err)
	}
	h := exampleHandler()
	for _, event := range []string{"WMS_LOADED", "MEASUREMENT_CREATED", "INTERMEDIATE_RESULTS", "RESULTS_RECEIVED"} {
		req, err := s.Request("/webhooks/wms", event)
		if err != nil {
			log.Fatal(err)
		}
		_, sequence := envelope(req)
		fmt.Println(sequence, event, wmstest.Serve(h, req).StatusCode)
	}
	fmt.Println(s.ID(), "measured:", s.MeasurementID() != "")
	// Output:
	// 0 WMS_LOADED 200
	// 1 MEASUREMENT_CREATED 200
	// 2 INTERMEDIATE_RESULTS 200
	// 3 RESULTS_RECEIVED 200
	// order-1234 measured: true
}

// A whole built-in journey, sent to a server: every request must get a
// 2xx. Redeliver sends one again, as a sender that got no answer does.
func ExampleJourney() {
	srv := httptest.NewServer(exampleHandler())
	defer srv.Close()
	reqs, err := wmstest.Journey(srv.URL+"/webhooks/wms", exampleSecret, "happy-path")
	if err != nil {
		log.Fatal(err)
	}
	reqs = append(reqs, wmstest.Redeliver(reqs[len(reqs)-1]))
	for _, req := range reqs {
		event, _ := envelope(req)
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(event, resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	// Output:
	// WMS_LOADED 200 {"verdict":"accepted"}
	// CONFIGURATION_LOADED 200 {"verdict":"accepted"}
	// CAMERA_PERMISSION_GRANTED 200 {"verdict":"accepted"}
	// CAMERA_STARTED 200 {"verdict":"accepted"}
	// MEASUREMENT_STARTED 200 {"verdict":"accepted"}
	// MEASUREMENT_CREATED 200 {"verdict":"accepted"}
	// INTERMEDIATE_RESULTS 200 {"verdict":"accepted"}
	// INTERMEDIATE_RESULTS 200 {"verdict":"accepted"}
	// INTERMEDIATE_RESULTS 200 {"verdict":"accepted"}
	// INTERMEDIATE_RESULTS 200 {"verdict":"accepted"}
	// INTERMEDIATE_RESULTS 200 {"verdict":"accepted"}
	// SCAN_COMPLETED 200 {"verdict":"accepted"}
	// RESULTS_RECEIVED 200 {"verdict":"accepted"}
	// REDIRECTING_TO_CALLBACK 200 {"verdict":"accepted"}
	// REDIRECTING_TO_CALLBACK 200 {"verdict":"duplicate"}
}

// Forged requests: a receiver must answer each with 401, and store
// nothing.
func ExampleWithForgery() {
	h := exampleHandler()
	for _, k := range []forgery.Kind{forgery.None, forgery.WrongSecret, forgery.Truncated, forgery.SchemeSHA256} {
		req, err := wmstest.NewRequest("/webhooks/wms", exampleSecret, "WMS_LOADED", wmstest.WithForgery(k))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d\n", k.Info().Label, wmstest.Serve(h, req).StatusCode)
	}
	// Output:
	// no MAC: 401
	// wrong secret: 401
	// truncated MAC: 401
	// MAC scheme sha256=: 401
}

// The whole conformance suite against a handler. In a test:
//
//	func TestWebhookConformance(t *testing.T) {
//		wmstest.Conformance(t, webhook.Handler(secret), secret)
//	}
func ExampleConformance() {
	t := &exampleT{} // a test passes its *testing.T
	sum := wmstest.Conformance(t, exampleHandler(), exampleSecret)
	fmt.Println(t)
	fmt.Println("every spec passed:", sum.Passed == len(conformance.Specs()))
	// Output:
	// test failed: false
	// every spec passed: true
}

// Some of the suite: the must specs of the signature area, against a
// handler that forgot to verify the MAC. In a real test, t fails with the
// report; Results name the failed specs.
func ExampleWithLabelFilter() {
	accepts := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK) // no MAC check: forged events are accepted
	})
	t := &exampleT{}
	sum := wmstest.Conformance(t, accepts, exampleSecret,
		wmstest.WithLevel(conformance.Must), wmstest.WithLabelFilter("signature"))
	fmt.Println(t)
	for _, r := range sum.Results {
		fmt.Println(r.Verdict, r.ID)
	}
	// Output:
	// test failed: true
	// failed missing-mac
	// failed wrong-secret
	// failed tampered-body
	// failed tampered-replay
	// failed one-digit
	// failed truncated-mac
	// failed empty-mac
	// failed empty-key
	// failed empty-body
	// failed other-event
	// failed trusted-session
	// passed raw-whitespace
	// passed raw-key-order
	// passed raw-escapes
}
