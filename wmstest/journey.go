package wmstest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Journey is a whole realistic session as the requests WMS posts to url,
// in the order it posts them, each signed with secret. name is a built-in
// journey ("happy-path", "low-snr", "user-cancels": scenarios.Journeys
// lists them, and 'wms-mock list' shows them) or the path of a scenario
// file. Together the built-in journeys send all 21 events.
//
// The session's timestamps follow the scenario's timeline (about 40
// seconds for happy-path) and end now, so that none lies in the future;
// WithTime sets the first instead. A receiver that passes must answer 2xx
// to every request. A scenario with delivery faults (duplicates, forged
// MACs, raw bodies) or an expected answer other than 2xx is refused: its
// requests need their expectations, which Conformance with WithScenarios
// checks. Journey takes WithSeed, WithTime, WithSessionID and
// WithForgery.
func Journey(url string, secret []byte, name string, opts ...Option) ([]*http.Request, error) {
	c, err := apply("Journey", forJourney, opts)
	if err != nil {
		return nil, err
	}
	signer, err := newSigner("Journey", secret)
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Find(name)
	if err != nil {
		return nil, fmt.Errorf("wmstest.Journey: %w", err)
	}
	start := c.at
	if start.IsZero() {
		start = time.Now().Add(-sc.Duration())
	}
	ds, err := sc.Expand(scenarios.ExpandOptions{Seed: c.seed, Start: start, Signer: signer, SessionID: c.session})
	if err != nil {
		return nil, fmt.Errorf("wmstest.Journey: %w", err)
	}
	var forger *forgery.Forger
	if c.forgery != forgery.Valid {
		forger = forgery.New(signer)
	}
	reqs := make([]*http.Request, 0, len(ds))
	for _, d := range ds {
		if d.Fault != "" || d.Expect != scenarios.Expect2xx {
			return nil, fmt.Errorf("wmstest.Journey: %s:%d (%s) %s: Journey plays fault-free sessions, every request answered 2xx; pass this scenario to Conformance with WithScenarios instead",
				sc.File, d.Line, eventOf(d), unlikeWMS(d))
		}
		r := d.Request
		if forger != nil {
			r = forger.Request(c.forgery, r.Body)
		}
		req, err := httpRequest(url, r)
		if err != nil {
			return nil, fmt.Errorf("wmstest.Journey: %w", err)
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}

// eventOf names a delivery's event for a message.
func eventOf(d scenarios.Delivery) string {
	if d.Event == "" {
		return "a raw body"
	}
	return d.Event
}

// unlikeWMS says why a delivery is not one a fault-free session makes.
func unlikeWMS(d scenarios.Delivery) string {
	if d.Fault != "" {
		return "is sent wrong on purpose (" + d.Fault + ")"
	}
	return "expects a " + d.Expect.String() + " answer"
}
