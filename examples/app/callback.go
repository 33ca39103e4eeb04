package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// failures explains each error=CODE and names the webhook event that
// should have announced it ("" for a call-in WMS refused before any scan,
// which sends no event). Only INVALID_BMI has been seen from WMS; the other
// codes are the mock's documented assumptions (docs/wms.md).
var failures = map[string]struct{ meaning, event string }{
	"INVALID_BMI":               {"The height and weight make no sense together (height in cm, weight in kg).", ""},
	"INVALID_PROFILE":           {"WMS could not read the profile: it did not decrypt, or a key or value is not the documented one.", ""},
	"INVALID_PROFILE_SIGNATURE": {"Two-way mode: the profile's signature is missing or does not verify.", ""},
	"INVALID_TOKEN":             {"The DeepAffex token or refresh token is missing.", ""},
	"MISSING_SESSION_ID":        {"The call-in URL has no session ID.", ""},
	"INVALID_URL":               {"The call-in URL does not have its five segments.", ""},
	"SETTINGS_ERROR":            {"Results encryption or two-way mode is on, but WMS found no usable public key of ours.", ""},
	"CAMERA_PERMISSION_DENIED":  {"The user did not allow the camera.", "CAMERA_PERMISSION_DENIED"},
	"CAMERA_START_ERROR":        {"The camera did not start (in use by another app?).", "GENERAL_ERROR"},
	"LOW_SNR":                   {"The signal was too weak to measure (too dark, or too much movement).", "LOW_SNR"},
	"CONSTRAINT_VIOLATION":      {"The face left the frame or moved too much, so the measurement stopped.", "CONSTRAINT_VIOLATION"},
	"MEASUREMENT_CANCELED":      {"The measurement was cancelled.", "MEASUREMENT_CANCELED"},
	"API_ERROR":                 {"The DeepAffex service answered with an error.", "API_ERROR"},
	"WEBSOCKET_CONNECTION_LOST": {"The connection to the service was lost and did not come back.", "WEBSOCKET_RECONNECTION_FAILED"},
	"SCAN_INCOMPLETE":           {"The scan ended without results or a reason.", "REDIRECTING_TO_CALLBACK"},
}

// measures are the results shown, each a DeepAffex point ID with the
// legacy key WMS also sends as a fallback.
var measures = []struct{ label, point, legacy, unit string }{
	{"Heart rate", "HR_BPM", "ppm", "bpm"},
	{"Systolic pressure", "BP_SYSTOLIC", "systolic", "mmHg"},
	{"Diastolic pressure", "BP_DIASTOLIC", "diastolic", "mmHg"},
	{"Breathing rate", "BR_BPM", "breathing", "breaths/min"},
	{"Heart rate variability", "HRV_SDNN", "", "ms"},
	{"Body mass index", "BMI_CALC", "bmi", "kg/m²"},
	{"Signal-to-noise ratio", "SNR", "snr", "dB"},
	{"Mental stress index", "MSI", "msi", "of 5"},
	{"Health score", "HEALTH_SCORE", "healthScore", "of 100"},
	{"Cardiovascular risk", "BP_CVD", "cvdRisk", "%"},
	{"Facial skin age", "AGE", "age", "years"},
}

type measure struct{ Label, Value, Unit string }

type check struct {
	OK   bool
	Text string
}

// eventRow is one event of the timeline. Same says whether its
// measurement ID is the results' one.
type eventRow struct {
	Sequence                                   int64
	Time, Event, Severity, Measurement, Detail string
	Same                                       bool
}

// callbackPage is what the callback page shows.
type callbackPage struct {
	Session, Measurement, Identifier string
	Measures                         []measure
	Notes                            map[string]any
	Raw                              string
	Code, Meaning                    string
	Problem                          string // results that could not be read
	Events                           []eventRow
	Checks                           []check
	Match                            bool
}

// callback is where WMS sends the browser back: ?results=VALUE, VALUE the
// standard base64 of a JSON object, or ?error=CODE.
func (a *app) callback(w http.ResponseWriter, r *http.Request) {
	var page callbackPage
	started := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		started = c.Value
	}
	page.Session = started
	q := r.URL.Query() // percent-decoded once: the base64 comes back as sent
	switch {
	case q.Has("results"):
		res, err := decodeResults(q.Get("results"))
		if err != nil {
			page.Problem = err.Error()
			break
		}
		page.fill(res)
		page.Checks = append(page.Checks, verdict(page.Session != "" && page.Session == started, "The results are for the session this browser started.",
			fmt.Sprintf("The results are for session %q, but this browser started %q.", page.Session, started)))
		page.Checks = append(page.Checks, matchResults(page.Measurement, a.events.get(page.Session))...)
	case q.Has("error"):
		page.Code = q.Get("error")
		f, known := failures[page.Code]
		page.Meaning = f.meaning
		if !known {
			page.Meaning = "WMS sent an error code this app does not know."
		}
		page.Checks = append(page.Checks, verdict(started != "", "This browser started the session below (an error carries no session ID: the cookie tells).",
			"This browser started no session (it has no session cookie), so the error matches none."))
		if known {
			page.Checks = append(page.Checks, matchFailure(f.event, a.events.get(started)))
		}
	default:
		problem(w, http.StatusBadRequest, "The callback has neither results= nor error=.", "Start a scan from the start page: WMS sends the browser here when it ends.")
		return
	}
	for _, e := range a.events.get(page.Session) {
		id, _ := e.Payload["measurementId"].(string)
		var detail []string
		for _, k := range slices.Sorted(maps.Keys(e.Payload)) {
			if k != "measurementId" {
				detail = append(detail, fmt.Sprintf("%s %v", k, e.Payload[k]))
			}
		}
		page.Events = append(page.Events, eventRow{*e.Sequence, time.Unix(e.Timestamp, 0).Format("15:04:05"),
			e.Event, e.Severity, id, strings.Join(detail, " · "), id != "" && id == page.Measurement})
	}
	page.Match = len(page.Checks) > 0 && !slices.ContainsFunc(page.Checks, func(c check) bool { return !c.OK })
	render(w, http.StatusOK, "callback", page)
}

// decodeResults reads results=VALUE. With results encryption on (set in
// the Config ID or the settings endpoint), VALUE is an encrypted object to
// open with our private key first; this example leaves that mode out.
func decodeResults(value string) (map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, errors.New("results= is not standard base64 (a '+' turned into a space means it was decoded twice)")
	}
	var res map[string]any
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, errors.New("results= does not hold a JSON object")
	}
	if _, sealed := res["sig"]; sealed && res["alg"] != nil {
		return nil, errors.New("the results are encrypted: turn results encryption off for this example")
	}
	return res, nil
}

// fill takes the echoes and the measures out of the results.
func (p *callbackPage) fill(res map[string]any) {
	p.Session, _ = res["sessionId"].(string)
	p.Measurement, _ = res["measurementId"].(string)
	p.Identifier, _ = res["identifier"].(string)
	p.Notes, _ = res["Notes"].(map[string]any)
	for _, m := range measures {
		v, ok := res[m.point].(float64)
		if !ok {
			v, ok = res[m.legacy].(float64)
		}
		if ok {
			p.Measures = append(p.Measures, measure{m.label, strconv.FormatFloat(v, 'f', -1, 64), m.unit})
		}
	}
	pretty, _ := json.MarshalIndent(res, "", "  ")
	p.Raw = string(pretty)
}

// matchResults checks the results against the session's webhook events:
// the scan announced its results, under the same measurement ID.
func matchResults(measurement string, events []event) []check {
	var ids []string // the measurement IDs the webhooks carry
	for _, e := range events {
		if id, _ := e.Payload["measurementId"].(string); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return []check{
		verdict(len(events) > 0, fmt.Sprintf("%d webhook events were received for this session.", len(events)),
			"No webhook event was received for this session."),
		verdict(slices.ContainsFunc(events, func(e event) bool { return e.Event == "RESULTS_RECEIVED" }),
			"A RESULTS_RECEIVED event announced the results.", "No RESULTS_RECEIVED event announced the results."),
		verdict(slices.Equal(ids, []string{measurement}), "The webhooks carry the results' measurement ID, and no other.",
			fmt.Sprintf("The results' measurement ID is %q, the webhooks carry %q.", measurement, ids)),
	}
}

// matchFailure checks that the webhooks announced the failure, or, for a
// call-in WMS refused, that no scan took place.
func matchFailure(want string, events []event) check {
	if want == "" {
		return verdict(len(events) == 0, "WMS refused the call-in: no scan took place and no webhook event came.",
			fmt.Sprintf("WMS refused the call-in, yet %d webhook events came for this session.", len(events)))
	}
	return verdict(slices.ContainsFunc(events, func(e event) bool { return e.Event == want }),
		fmt.Sprintf("A %s event announced the failure (%d webhook events in all).", want, len(events)),
		fmt.Sprintf("No %s event announced the failure (%d webhook events in all).", want, len(events)))
}

// verdict is a check that says yes or no, as it turned out.
func verdict(ok bool, yes, no string) check {
	if ok {
		return check{true, yes}
	}
	return check{false, no}
}
