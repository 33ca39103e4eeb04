package wms

import (
	"slices"

	"github.com/wmsmock/wms-mock/scenarios"
)

// Outcome is how a session ends for the browser: results, one kind of
// failure (each with its error code), or no redirect at all. Its values
// are the keys of Config.ErrorCodes and of error_codes: in a config file.
type Outcome string

// The outcomes of a journey, decided by its events (see JourneyOutcome).
const (
	// OutcomeResults redirects with results=VALUE.
	OutcomeResults Outcome = "results"
	// OutcomeClosed is the user closing the page: WMS never redirects.
	OutcomeClosed        Outcome = "closed"
	OutcomeCameraDenied  Outcome = "camera-denied"
	OutcomeCameraError   Outcome = "camera-error"
	OutcomeLowSNR        Outcome = "low-snr"
	OutcomeCancelled     Outcome = "cancelled"
	OutcomeConstraint    Outcome = "constraint-violation"
	OutcomeAPIError      Outcome = "api-error"
	OutcomeWebSocketLost Outcome = "websocket-lost"
	// OutcomeIncomplete is a journey that redirects with neither results
	// nor a failure event (an edge scenario cut short).
	OutcomeIncomplete Outcome = "incomplete"
)

// The outcomes of a call-in the mock refuses before any scan.
const (
	OutcomeInvalidBMI       Outcome = "invalid-bmi"
	OutcomeInvalidProfile   Outcome = "invalid-profile"
	OutcomeInvalidSignature Outcome = "invalid-signature"
	OutcomeInvalidToken     Outcome = "invalid-token"
	OutcomeMissingSession   Outcome = "missing-session-id"
	OutcomeInvalidURL       Outcome = "invalid-url"
	OutcomeSettingsError    Outcome = "settings-error"
)

// outcomeRow is one row of the error-code table: the default code and
// whether anyone has seen WMS send it.
type outcomeRow struct {
	outcome Outcome
	code    string
	seen    bool
	means   string
}

// outcomeTable is every outcome with an error code, in the order the docs
// list them. Only INVALID_BMI has been seen; the rest are assumed.
var outcomeTable = []outcomeRow{
	{OutcomeInvalidBMI, "INVALID_BMI", true, "the profile's height and weight make no sense"},
	{OutcomeInvalidProfile, "INVALID_PROFILE", false, "PROFILE_DATA does not decrypt, or its keys or values are not the documented ones"},
	{OutcomeInvalidSignature, "INVALID_PROFILE_SIGNATURE", false, "two-way mode: the profile's signature is missing or does not verify"},
	{OutcomeInvalidToken, "INVALID_TOKEN", false, "DFX_AUTH_TOKEN or DFX_REFRESH_TOKEN is empty"},
	{OutcomeMissingSession, "MISSING_SESSION_ID", false, "four segments, the older form without SESSION_ID, or an empty SESSION_ID"},
	{OutcomeInvalidURL, "INVALID_URL", false, "too few or too many path segments"},
	{OutcomeSettingsError, "SETTINGS_ERROR", false, "results encryption or two-way mode is on but no usable customer public key was found"},
	{OutcomeCameraDenied, "CAMERA_PERMISSION_DENIED", false, "the journey has CAMERA_PERMISSION_DENIED"},
	{OutcomeCameraError, "CAMERA_START_ERROR", false, "the journey has GENERAL_ERROR"},
	{OutcomeLowSNR, "LOW_SNR", false, "the journey has LOW_SNR"},
	{OutcomeConstraint, "CONSTRAINT_VIOLATION", false, "the journey has CONSTRAINT_VIOLATION"},
	{OutcomeCancelled, "MEASUREMENT_CANCELED", false, "the journey has MEASUREMENT_CANCELED"},
	{OutcomeAPIError, "API_ERROR", false, "the journey has API_ERROR"},
	{OutcomeWebSocketLost, "WEBSOCKET_CONNECTION_LOST", false, "the journey has WEBSOCKET_RECONNECTION_FAILED"},
	{OutcomeIncomplete, "SCAN_INCOMPLETE", false, "the journey redirects without RESULTS_RECEIVED or a failure event"},
}

// ErrorOutcomes returns every outcome that redirects with an error code,
// in the documented order, for a CLI listing or a config check.
func ErrorOutcomes() []Outcome {
	out := make([]Outcome, len(outcomeTable))
	for i, r := range outcomeTable {
		out[i] = r.outcome
	}
	return out
}

// DefaultErrorCode returns the code the mock sends for o unless
// Config.ErrorCodes says otherwise, or "" for an outcome without one.
func DefaultErrorCode(o Outcome) string {
	for _, r := range outcomeTable {
		if r.outcome == o {
			return r.code
		}
	}
	return ""
}

// failureEvents maps each event that ends a journey in failure to its
// outcome. The first of these or RESULTS_RECEIVED in a journey decides.
var failureEvents = map[string]Outcome{
	"CAMERA_PERMISSION_DENIED":      OutcomeCameraDenied,
	"GENERAL_ERROR":                 OutcomeCameraError,
	"LOW_SNR":                       OutcomeLowSNR,
	"CONSTRAINT_VIOLATION":          OutcomeConstraint,
	"MEASUREMENT_CANCELED":          OutcomeCancelled,
	"API_ERROR":                     OutcomeAPIError,
	"WEBSOCKET_RECONNECTION_FAILED": OutcomeWebSocketLost,
}

// JourneyOutcome decides how a scenario ends for the browser, from its
// steps rather than its name so that a user's own scenario ends as its
// events say: PAGE_UNLOADED with no REDIRECTING_TO_CALLBACK after it is a
// closed page; otherwise the first failure event or RESULTS_RECEIVED
// decides (a constraint violation that cancels the measurement is a
// constraint violation); a journey with neither is incomplete.
func JourneyOutcome(s *scenarios.Scenario) Outcome {
	events := make([]string, 0, len(s.Steps))
	for _, st := range s.Steps {
		if st.Event != "" {
			events = append(events, st.Event)
		}
	}
	unloaded := slices.Index(events, "PAGE_UNLOADED")
	if unloaded >= 0 && !slices.Contains(events[unloaded:], "REDIRECTING_TO_CALLBACK") {
		return OutcomeClosed
	}
	for _, e := range events {
		if o, ok := failureEvents[e]; ok {
			return o
		}
		if e == resultsEvent {
			return OutcomeResults
		}
	}
	return OutcomeIncomplete
}

// resultsEvent is the event after which WMS has results to send back.
const resultsEvent = "RESULTS_RECEIVED"
