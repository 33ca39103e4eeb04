package wms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/seed"
	"github.com/wmsmock/wms-mock/scenarios"
)

// journey is one session's scan: its scenario played through the same
// scenarios.Runner as 'wms-mock run', then the redirect it ends with.
type journey struct {
	s    *Server
	sess *session
	e    *entry
	sc   *scenarios.Scenario
	cust customer
	in   resultInputs
}

// newJourney picks the session's scenario: the one chosen for it with PUT,
// else its Config ID's, else DefaultScenario.
func (s *Server) newJourney(sess *session, e *entry, cust customer, p *Profile, medical bool) *journey {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sc, from := e.scenario, "config"
	if e.Scenario == "" {
		from = "default"
	}
	if chosen := s.scenarios[sess.rep.Chosen]; chosen != nil {
		sc, from = chosen, "session"
	}
	sess.rep.Scenario, sess.rep.ScenarioFrom, sess.rep.Pace = sc.Name, from, s.pace.String()
	in := resultInputs{medical: medical, sessionID: sess.rep.SessionID, seed: seed.Mix(s.seed ^ hashString(sess.key) ^ seed.Mix(sess.attempt))}
	if p != nil {
		in.profile = *p
	}
	return &journey{s: s, sess: sess, e: e, sc: sc, cust: cust, in: in}
}

// play sends the journey's webhooks, each stamped when it is sent, and
// ends the session with its redirect. It returns when the last delivery
// has been answered (or has failed), or when ctx ends.
func (j *journey) play(ctx context.Context) {
	opts := scenarios.ExpandOptions{Seed: j.in.seed, Signer: j.e.Signer, SessionID: j.sess.rep.SessionID}
	ds, err := j.sc.Expand(opts)
	if err != nil { // Parse has checked the scenario: only a bug gets here
		j.s.log.Error("expand the scenario", "scenario", j.sc.Name, "error", err)
		j.finish(OutcomeIncomplete)
		return
	}
	total := j.s.pace.Real(j.sc.Duration())
	for _, d := range ds {
		total += d.Delay
	}
	j.sess.mu.Lock()
	j.sess.planned, j.sess.total = len(ds), total
	j.sess.mu.Unlock()
	// Each delivery is stamped with the moment it is sent, as a real WMS
	// stamps an event when it happens: at fast pace a whole journey takes
	// milliseconds, and its timestamps must not run 30 seconds ahead.
	runner := scenarios.Runner{Sender: j.e.client, Pace: j.s.pace, Stamp: true}
	_ = runner.Play(ctx, ds, func(res scenarios.Result) {
		j.record(res, sentBody{body: res.Delivery.Request.Body, at: time.Now().Add(-res.Outcome.Latency)})
	})
	j.finish(JourneyOutcome(j.sc))
}

// record keeps one delivery in the report and notes what the results must
// echo.
func (j *journey) record(res scenarios.Result, sent sentBody) {
	var env struct {
		Timestamp int64 `json:"timestamp"`
		Payload   struct {
			MeasurementID string   `json:"measurementId"`
			SNR           *float64 `json:"snr"`
		} `json:"payload"`
	}
	_ = json.Unmarshal(sent.body, &env) // a raw body on purpose is not an event
	d, out := res.Delivery, res.Outcome
	rep := DeliveryReport{
		Event: d.Event, Sequence: d.Sequence, Timestamp: env.Timestamp, Fault: d.Fault,
		Status: out.Status, Class: out.Class, Message: out.Message,
		LatencyMS: float64(out.Latency.Microseconds()) / 1000, Passed: res.Passed, SentAt: sent.at,
	}
	if id := env.Payload.MeasurementID; id != "" && j.in.measurementID == "" {
		j.in.measurementID = id
	}
	j.sess.mu.Lock()
	defer j.sess.mu.Unlock()
	j.sess.rep.Deliveries = append(j.sess.rep.Deliveries, rep)
	j.sess.sent++
	j.sess.last = d.Event
	if d.Event == emitter.EventIntermediateResults && env.Payload.SNR != nil {
		j.in.snr, j.in.hasSNR = *env.Payload.SNR, true
		v := *env.Payload.SNR
		j.sess.snr = &v
	}
}

// finish ends the session with the redirect its outcome calls for.
func (j *journey) finish(o Outcome) {
	switch o {
	case OutcomeClosed:
		j.sess.end(o, "", "", nil, false)
	case OutcomeResults:
		results, _ := buildResults(j.in).MarshalJSON()
		value := base64.StdEncoding.EncodeToString(results)
		if j.cust.encrypt {
			v, err := EncryptResults(j.cust.key, j.s.key, results)
			if err != nil {
				j.s.log.Warn("encrypt the results", "session", j.sess.key, "error", err)
				j.s.refuse(j.sess, j.e, OutcomeSettingsError)
				return
			}
			value = v
		}
		j.sess.end(o, "", withQuery(j.e.Callback, "results", value), results, j.cust.encrypt)
	default:
		j.s.refuse(j.sess, j.e, o)
		return
	}
	j.s.log.Info("session ended", "session", j.sess.key, "outcome", o)
}

// refuse ends a session with error=CODE for its outcome.
func (s *Server) refuse(sess *session, e *entry, o Outcome) {
	code := s.codes[o]
	sess.end(o, code, withQuery(e.Callback, "error", code), nil, false)
	s.log.Info("session ended", "session", sess.key, "outcome", o, "error", code)
}

// withQuery adds key=value to a callback URL, before any fragment, after
// any query it already has. The value is query-escaped, so that a
// callback reading it with URLSearchParams gets the exact base64 back.
func withQuery(callback, key, value string) string {
	frag := ""
	if i := strings.IndexByte(callback, '#'); i >= 0 {
		callback, frag = callback[:i], callback[i:]
	}
	sep := "?"
	switch {
	case strings.HasSuffix(callback, "?") || strings.HasSuffix(callback, "&"):
		sep = ""
	case strings.Contains(callback, "?"):
		sep = "&"
	}
	return callback + sep + key + "=" + url.QueryEscape(value) + frag
}

// sentBody is a delivery's body as sent, and when.
type sentBody struct {
	body []byte
	at   time.Time
}

// hashString is FNV-1a, to mix a session's key into its seed.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
