package wms

import (
	"fmt"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Level is how a Check came out.
type Level string

// Check levels. An error refuses the call-in with its outcome's error
// code; a warning is reported and the scan goes on, as WMS would let it.
const (
	LevelPass    Level = "pass"
	LevelWarning Level = "warning"
	LevelError   Level = "error"
)

// Check is one contract check of a call-in, kept in the session's Report
// whatever its result, as the receiver keeps its findings for events: the
// mock is a checker of the customer's call-in code as much as a stand-in
// for WMS.
type Check struct {
	// Name says what was checked: one of the Check* names.
	Name  string `json:"check"`
	Level Level  `json:"level"`
	// Message says what was found and, when it is not a pass, what to
	// change in the customer's code.
	Message string `json:"message"`
	// Refuses is the outcome an error refuses the call-in with.
	Refuses Outcome `json:"refuses,omitempty"`
}

// String is the check on one line, as the log shows it.
func (c Check) String() string { return fmt.Sprintf("%s %s: %s", c.Level, c.Name, c.Message) }

// The names of the checks, in the order they are made.
const (
	CheckConfigID        = "config-id"
	CheckSegments        = "segments"
	CheckSessionID       = "session-id"
	CheckSettings        = "settings"
	CheckProfileEncoding = "profile-encoding"
	CheckProfileDecrypt  = "profile-decrypt"
	CheckSignature       = "profile-signature"
	CheckProfileJSON     = "profile-json"
	CheckProfileKeys     = "profile-keys"
	CheckBMI             = "bmi"
	CheckAuthToken       = "auth-token"
	CheckRefreshToken    = "refresh-token"
	// The profile's own keys are checks too, each under the key's name:
	// identifier, age, height, weight, gender, smoking,
	// bloodpressuremedication, diabetes.
)

// checks collects a call-in's checks in order.
type checks []Check

func (cs *checks) pass(name, format string, a ...any) {
	*cs = append(*cs, Check{Name: name, Level: LevelPass, Message: fmt.Sprintf(format, a...)})
}

func (cs *checks) warn(name, format string, a ...any) {
	*cs = append(*cs, Check{Name: name, Level: LevelWarning, Message: fmt.Sprintf(format, a...)})
}

func (cs *checks) fail(name string, refuses Outcome, format string, a ...any) {
	*cs = append(*cs, Check{Name: name, Level: LevelError, Message: fmt.Sprintf(format, a...), Refuses: refuses})
}

// refusal is the first error's outcome, or "" when the call-in passes.
func (cs checks) refusal() (Outcome, string) {
	for _, c := range cs {
		if c.Level == LevelError {
			return c.Refuses, c.Message
		}
	}
	return "", ""
}

// shown quotes a value from the call-in for a message, clipped, so that
// a hostile path cannot flood a report or a log.
func shown(s string) string { return fmt.Sprintf("%q", humanize.Clip(s, 60)) }
