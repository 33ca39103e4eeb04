package inspector

import "slices"

// Outcome is how a session's journey ended, as far as its events tell.
type Outcome struct {
	Label string `json:"label"`
	// Tone colours the label: "ok", "bad", "warn", or "live" while the
	// journey may still go on.
	Tone string `json:"tone"`
}

// endings are the events that say how a journey ended, in the order they
// decide it: results win over an earlier failure the user retried past,
// and the failure WMS names wins over the cancellation that follows it
// (a constraint violation cancels the measurement, for one).
var endings = []struct {
	event string
	Outcome
}{
	{"RESULTS_RECEIVED", Outcome{"results received", "ok"}},
	{"CAMERA_PERMISSION_DENIED", Outcome{"camera denied", "bad"}},
	{"GENERAL_ERROR", Outcome{"camera error", "bad"}},
	{"LOW_SNR", Outcome{"low SNR", "bad"}},
	{"CONSTRAINT_VIOLATION", Outcome{"constraint violated", "bad"}},
	{"WEBSOCKET_RECONNECTION_FAILED", Outcome{"websocket lost", "bad"}},
	{"API_ERROR", Outcome{"API error", "bad"}},
	{"MEASUREMENT_CANCELED", Outcome{"cancelled", "warn"}},
	{"PAGE_UNLOADED", Outcome{"page closed", "warn"}},
	{"REDIRECTING_TO_CALLBACK", Outcome{"redirected", "warn"}},
}

// outcomeOf names the outcome of a journey that went through the events
// names; one with none of the endings is still in progress.
func outcomeOf(names []string) Outcome {
	for _, e := range endings {
		if slices.Contains(names, e.event) {
			return e.Outcome
		}
	}
	return Outcome{"in progress", "live"}
}
