package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/receiver"
	"github.com/wmsmock/wms-mock/scenarios"
	"github.com/wmsmock/wms-mock/wms"
)

// demoCallback is the callback URL of the demo's Config ID. Nothing
// listens there: the demo reads the redirect instead of following it, as
// a browser test would assert on the URL it lands on.
const demoCallback = "http://127.0.0.1:9/callback"

// roundTrip is what the demo's one call-in → callback round trip showed.
type roundTrip struct {
	ok      bool
	line    string // the one line of the summary
	webhook int    // events the receiver got for the session
}

// playRoundTrip runs the mock WMS on loopback for one Config ID whose
// webhook is the demo's receiver, makes a call-in as a customer's app
// would (a fake profile encrypted with the mock's public key), and checks
// that the callback's results belong to the session the webhooks carried.
func playRoundTrip(ctx context.Context, out io.Writer, webhook string, signer *emitter.Signer, rcv *receiver.Receiver, seed uint64) roundTrip {
	fmt.Fprintln(out, "\nMock WMS round trip: call-in, the scan's webhooks, the redirect to the callback:")
	rt, err := roundTripOnce(ctx, webhook, signer, rcv, seed)
	if err != nil {
		rt = roundTrip{line: "FAILED: " + firstLine(err.Error())}
	}
	fmt.Fprintf(out, "  %s\n", rt.line)
	return rt
}

func roundTripOnce(ctx context.Context, webhook string, signer *emitter.Signer, rcv *receiver.Receiver, seed uint64) (roundTrip, error) {
	srv, err := wms.New(wms.Config{IDs: []wms.ConfigID{{ID: "DEMO", Callback: demoCallback, Webhook: webhook, Signer: signer}}},
		wms.WithSeed(seed), wms.WithPace(scenarios.PaceFast))
	if err != nil {
		return roundTrip{}, err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return roundTrip{}, fmt.Errorf("cannot listen on loopback: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()

	profile, _ := json.Marshal(wms.FakeProfile(seed))
	data, err := wms.EncryptProfile(srv.PublicKey(), profile)
	if err != nil {
		return roundTrip{}, err
	}
	session := "demo-" + scenarios.NewSessionID(freshSessionSeed())[:20]
	callIn := wms.CallInURL("http://"+ln.Addr().String(), wms.CallIn{ConfigID: "DEMO", ProfileData: data, AuthToken: "demo-token", RefreshToken: "demo-refresh", SessionID: session})
	loc, err := callInRedirect(ctx, callIn)
	if err != nil {
		return roundTrip{}, err
	}
	results, err := wms.DecodeResults(loc.Query().Get("results"))
	if err != nil {
		return roundTrip{}, fmt.Errorf("the callback got no readable results (%s): %w", loc.RawQuery, err)
	}
	events := rcv.Events(session)
	measurement := ""
	for _, e := range events {
		var payload struct {
			MeasurementID string `json:"measurementId"`
		}
		if e.Event == emitter.EventMeasurementCreated && json.Unmarshal(e.Payload, &payload) == nil {
			measurement = payload.MeasurementID
		}
	}
	rt := roundTrip{webhook: len(events)}
	switch {
	case len(events) == 0:
		return rt, errors.New("the receiver got no webhook for the session")
	case results["sessionId"] != session || results["measurementId"] != measurement:
		return rt, fmt.Errorf("the results are for session %v, measurement %v; the webhooks carried %s, %s", results["sessionId"], results["measurementId"], session, measurement)
	}
	rt.ok = true
	rt.line = fmt.Sprintf("%d webhooks, then 303 to the callback with results (HR %v bpm, SNR %v dB) for the webhooks' measurement: ok",
		len(events), results["HR_BPM"], results["SNR"])
	return rt, nil
}

// callInRedirect makes the call-in and returns where the mock sends the
// browser, without following it.
func callInRedirect(ctx context.Context, callIn string) (*url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, callIn, nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("the call-in was answered %d, not a 303 to the callback", resp.StatusCode)
	}
	return resp.Location()
}
