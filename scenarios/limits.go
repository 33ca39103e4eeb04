package scenarios

import "time"

// Limits that keep a mistyped or hostile file from exhausting memory or
// time; each is far above what a real session needs. docs/scenarios.md
// lists them for the people who write scenarios.
const (
	maxFileSize   = 1 << 20
	maxRepeat     = 1000
	maxDeliveries = 10000 // requests sent, and events planned (dropped ones too)
	maxAfter      = 24 * time.Hour
	maxClock      = 7 * 24 * time.Hour // a session's length on its clock
	maxDelay      = 10 * time.Minute
	maxSkew       = 366 * 24 * time.Hour
	maxValueDepth = 16
	maxValueNodes = 10000
	maxStepFields = 64       // payload, extra and each fields of one step
	maxBodyBytes  = 16 << 20 // all the bodies of one session
	maxAliasNodes = 100000   // nodes that aliases add to the file's own
	maxAliasBytes = 1 << 20  // and text
	maxErrors     = 100
	maxNameLen    = 64 // longer names get no "did you mean" and are cut in messages
)
