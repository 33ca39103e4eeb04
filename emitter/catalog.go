package emitter

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wmsmock/wms-mock/internal/suggest"
)

// Severity is the fixed severity WMS attaches to each event.
type Severity string

// The three severities the vendor documents.
const (
	SeverityInfo  Severity = "INFO"
	SeverityWarn  Severity = "WARN"
	SeverityError Severity = "ERROR"
)

// Payload field names. Those for API_ERROR and CONSTRAINT_VIOLATION are not
// documented by the vendor; wms-mock picks these names and scenarios may
// override them.
const (
	FieldMeasurementID = "measurementId"
	FieldSNR           = "snr"
	FieldSequence      = "sequence"
	FieldState         = "state"
	FieldDetails       = "details"
	FieldErrorCode     = "errorCode"
	FieldConstraint    = "constraint"
)

// Presence says when a payload field must be present.
type Presence int

const (
	// Required fields are always present.
	Required Presence = iota
	// IfCreated fields are present once the session has a measurement; the
	// vendor's table says "Measurement ID (if created)".
	IfCreated
)

// FieldKind is the JSON type a payload field carries.
type FieldKind int

// Field kinds used by the catalog.
const (
	KindString FieldKind = iota
	KindUUID
	KindNumber
	KindInteger
)

// String names the kind as 'wms-mock list' shows it.
func (k FieldKind) String() string {
	switch k {
	case KindUUID:
		return "uuid"
	case KindNumber:
		return "number"
	case KindInteger:
		return "integer"
	default:
		return "string"
	}
}

// Field describes one payload field of an event.
type Field struct {
	Name     string
	Kind     FieldKind
	Presence Presence
	// Values, when set, lists every value the field may take.
	Values []string
	// Examples are values the emitter draws from when Values is empty; the
	// field may take others.
	Examples []string
	// Undocumented marks a key wms-mock chose because the vendor documents
	// the value but not its name, so real WMS traffic cannot be faulted for
	// using another.
	Undocumented bool
}

// Event is one entry of the vendor's event table.
type Event struct {
	Name     string
	Severity Severity
	// Fields lists the payload's fields in the order they are encoded.
	Fields []Field
	// Description is the vendor's meaning of the event, for 'wms-mock list'.
	Description string
}

// HasPayload reports whether the event ever carries a payload.
func (e Event) HasPayload() bool { return len(e.Fields) > 0 }

// Field returns the named payload field.
func (e Event) Field(name string) (Field, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// clone copies e deeply, so that no caller can change the shared catalog.
func (e Event) clone() Event {
	e.Fields = slices.Clone(e.Fields)
	for i := range e.Fields {
		e.Fields[i].Values = slices.Clone(e.Fields[i].Values)
		e.Fields[i].Examples = slices.Clone(e.Fields[i].Examples)
	}
	return e
}

// NeedsMeasurement reports whether the event cannot be sent before
// MEASUREMENT_CREATED, because its measurement ID is required.
func (e Event) NeedsMeasurement() bool {
	f, ok := e.Field(FieldMeasurementID)
	return ok && f.Presence == Required && e.Name != EventMeasurementCreated
}

// Event names used by the emitter's own logic.
const (
	EventMeasurementCreated   = "MEASUREMENT_CREATED"
	EventIntermediateResults  = "INTERMEDIATE_RESULTS"
	EventPageVisibilityChange = "PAGE_VISIBILITY_CHANGE"
)

// catalog is the table the emitter reads on its hot path. Nothing writes
// it after start-up: callers get deep copies.
var catalog = newCatalog()

// newCatalog returns the vendor's table in its documented order.
func newCatalog() []Event {
	var (
		measurementID        = Field{Name: FieldMeasurementID, Kind: KindUUID}
		measurementIfCreated = Field{Name: FieldMeasurementID, Kind: KindUUID, Presence: IfCreated}
		snr                  = Field{Name: FieldSNR, Kind: KindNumber}
		sequence             = Field{Name: FieldSequence, Kind: KindInteger}
		state                = Field{Name: FieldState, Kind: KindString, Values: []string{"VISIBLE", "HIDDEN"}}
		// The face and image constraints of the measurement SDK; that WMS
		// reports these names is assumed.
		constraint = Field{Name: FieldConstraint, Kind: KindString, Undocumented: true, Values: []string{
			"FaceNone", "FaceOffTarget", "FaceDirection", "FaceFar", "FaceMovement",
			"ImageBright", "ImageDark", "ImageQuality", "ImageBackLit", "LowFps"}}
		// The vendor names no API error codes; the platform's back-end
		// measurement errors are the likeliest (assumed).
		errorCode = Field{Name: FieldErrorCode, Kind: KindString, Undocumented: true, Examples: []string{
			"WORKER_ERROR", "LIVENESS_ERROR", "ANALYSIS_ERROR"}}
		lowSNR       = Field{Name: FieldDetails, Kind: KindString, Examples: []string{"LOW_SNR"}}
		generalError = Field{Name: FieldDetails, Kind: KindString, Examples: []string{"CAMERA_START_ERROR"}}
	)
	return []Event{
		{"WMS_LOADED", SeverityInfo, nil, "WMS loaded"},
		{"CONFIGURATION_LOADED", SeverityInfo, nil, "Config fetched using the provided Config ID"},
		{"CAMERA_PERMISSION_GRANTED", SeverityInfo, nil, "User granted the camera permission"},
		{"CAMERA_PERMISSION_DENIED", SeverityError, nil, "User denied the camera permission"},
		{"CAMERA_STARTED", SeverityInfo, nil, "Camera started, by the user or automatically"},
		{"MEASUREMENT_STARTED", SeverityInfo, nil, "Measurement started, by the user or automatically"},
		{EventMeasurementCreated, SeverityInfo, []Field{measurementID}, "Measurement was created"},
		{EventIntermediateResults, SeverityInfo, []Field{measurementID, snr, sequence}, "Intermediate results received"},
		{"SCAN_COMPLETED", SeverityInfo, []Field{measurementID}, "Scan completed and waiting for the final results"},
		{"RESULTS_RECEIVED", SeverityInfo, []Field{measurementID}, "Final results received"},
		{"REDIRECTING_TO_CALLBACK", SeverityInfo, []Field{measurementIfCreated}, "Starting the redirect to the callback URL"},
		{"MEASUREMENT_CANCELED", SeverityWarn, []Field{measurementID}, "Measurement was cancelled"},
		{"CONSTRAINT_VIOLATION", SeverityError, []Field{measurementIfCreated, constraint}, "A face constraint was violated, cancelling the measurement"},
		{"PAGE_UNLOADED", SeverityInfo, []Field{measurementIfCreated}, "The user closed the tab or navigated away from WMS"},
		{"WEBSOCKET_DISCONNECTED", SeverityWarn, []Field{measurementID}, "WebSocket disconnected"},
		{"WEBSOCKET_RECONNECTED", SeverityInfo, []Field{measurementID}, "WebSocket reconnected"},
		{"WEBSOCKET_RECONNECTION_FAILED", SeverityError, []Field{measurementID}, "WebSocket failed to reconnect"},
		{"API_ERROR", SeverityError, []Field{measurementIfCreated, errorCode}, "API threw an error"},
		{EventPageVisibilityChange, SeverityInfo, []Field{measurementIfCreated, state}, "The user minimised or restored the browser, or switched tab"},
		{"LOW_SNR", SeverityError, []Field{lowSNR}, "Measurement was cancelled due to low SNR"},
		{"GENERAL_ERROR", SeverityError, []Field{generalError}, "There was an error in starting the camera"},
	}
}

// ErrUnknownEvent is wrapped by every error about an event name that is not
// in the vendor's table.
var ErrUnknownEvent = errors.New("unknown event")

// Events returns the catalog in the vendor's documented order. The result
// is the caller's own: changing it changes no one else's catalog.
func Events() []Event { return newCatalog() }

// LookupEvent finds an event by its exact name. The error for an unknown
// name suggests the closest known names, since a typo is the usual cause.
func LookupEvent(name string) (Event, error) {
	if e := lookup(name); e != nil {
		return e.clone(), nil
	}
	if s := SuggestEvents(name); len(s) > 0 {
		return Event{}, fmt.Errorf("%w %q: did you mean %s? ('wms-mock list' shows all %d)", ErrUnknownEvent, name, strings.Join(s, " or "), len(catalog))
	}
	return Event{}, fmt.Errorf("%w %q: 'wms-mock list' shows the %d known events", ErrUnknownEvent, name, len(catalog))
}

// lookup finds an event in the shared catalog, for the emitter's own hot
// path; the result must not be changed.
func lookup(name string) *Event {
	for i := range catalog {
		if catalog[i].Name == name {
			return &catalog[i]
		}
	}
	return nil
}

// SuggestEvents returns up to two known event names close to name, closest
// first, in the catalog's upper-case spelling, so that every "did you mean"
// about an event (LookupEvent's, a scenario file's) offers the same
// names. Case is ignored: a lower-case typo finds its event.
func SuggestEvents(name string) []string { return suggest.Near(name, eventNames, 2) }

// eventNames lists the catalog's names, for suggestions.
var eventNames = func() []string {
	names := make([]string, len(catalog))
	for i, e := range catalog {
		names[i] = e.Name
	}
	return names
}()
