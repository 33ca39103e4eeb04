package wms

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/internal/suggest"
)

// Profile is PROFILE_DATA's JSON, keys and values as the docs give them.
type Profile struct {
	// Identifier is the customer's partner ID, 2 to 148 characters.
	Identifier string  `json:"identifier"`
	Age        int     `json:"age"`
	Height     float64 `json:"height"` // cm
	Weight     float64 `json:"weight"` // kg
	Gender     string  `json:"gender"` // male or female
	// Smoking and BloodPressureMedication are "0" or "1"; Diabetes is
	// "0", "type1" or "type2". The mock takes the three as optional
	// (assumed): results then note NOTE_MISSING_MEDICAL_INFO.
	Smoking                 string `json:"smoking,omitempty"`
	BloodPressureMedication string `json:"bloodpressuremedication,omitempty"`
	Diabetes                string `json:"diabetes,omitempty"`
}

// JSON is the profile as the sample's JSON.stringify gives it.
func (p Profile) JSON() []byte {
	b, _ := json.Marshal(p) // strings and numbers always marshal
	return b
}

// Profile keys, in the documented order.
const (
	keyIdentifier = "identifier"
	keyAge        = "age"
	keyHeight     = "height"
	keyWeight     = "weight"
	keyGender     = "gender"
	keySmoking    = "smoking"
	keyBPMed      = "bloodpressuremedication"
	keyDiabetes   = "diabetes"
)

var profileKeys = []string{keyIdentifier, keyAge, keyHeight, keyWeight, keyGender, keySmoking, keyBPMed, keyDiabetes}

// medicalKeys are the keys the mock takes as optional.
var medicalKeys = []string{keySmoking, keyBPMed, keyDiabetes}

// enumerations of the documented string values.
var enums = map[string][]string{
	keyGender:   {"male", "female"},
	keySmoking:  {"0", "1"},
	keyBPMed:    {"0", "1"},
	keyDiabetes: {"0", "type1", "type2"},
}

// profileCheck is one profile's checks under way.
type profileCheck struct {
	cs     *checks
	limits Limits
	p      Profile
	seen   map[string]bool
	height bool
	weight bool
}

// checkProfile checks a decrypted profile's JSON: an object, each key
// lowercase, documented and given once, each value of its documented type
// and range. It returns what it could read (nil when data is not a JSON
// object), and whether the optional medical keys were all given.
func checkProfile(data []byte, limits Limits, cs *checks) (*Profile, bool) {
	pc := &profileCheck{cs: cs, limits: limits, seen: map[string]bool{}}
	if !pc.walk(data) {
		return nil, false
	}
	for _, k := range profileKeys {
		if pc.seen[k] || slices.Contains(medicalKeys, k) {
			continue
		}
		refuses := OutcomeInvalidProfile
		if k == keyHeight || k == keyWeight {
			refuses = OutcomeInvalidBMI
		}
		cs.fail(k, refuses, "the profile has no %q: the documented profile has %s", k, strings.Join(profileKeys, ", "))
	}
	medical := true
	for _, k := range medicalKeys {
		if !pc.seen[k] {
			medical = false
			cs.warn(k, "the profile has no %q: the results will note NOTE_MISSING_MEDICAL_INFO", k)
		}
	}
	if pc.height && pc.weight {
		bmi := pc.p.Weight / (pc.p.Height * pc.p.Height / 10000)
		if limits.BMI.has(bmi) {
			cs.pass(CheckBMI, "BMI %.1f from height and weight", bmi)
		} else {
			cs.fail(CheckBMI, OutcomeInvalidBMI, "height %g cm and weight %g kg make a BMI of %.1f, outside %g to %g: send height in cm and weight in kg", pc.p.Height, pc.p.Weight, bmi, limits.BMI.Min, limits.BMI.Max)
		}
	}
	return &pc.p, medical
}

// walk reads the object key by key, so that a duplicate or a key's case
// is seen, which decoding into a struct would hide.
func (pc *profileCheck) walk(data []byte) bool {
	// The keys' and values' checks wait until the whole is known to be
	// JSON, so that the report reads from the outside in.
	outer := pc.cs
	var inner checks
	pc.cs = &inner
	defer func() { pc.cs = outer }()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		outer.fail(CheckProfileJSON, OutcomeInvalidProfile, "the decrypted profile is not a JSON object: encrypt JSON.stringify(profile)")
		return false
	}
	keysOK := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		if !pc.key(key) {
			keysOK = false
			continue
		}
		pc.value(key, raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		outer.fail(CheckProfileJSON, OutcomeInvalidProfile, "the decrypted profile is not valid JSON: encrypt JSON.stringify(profile)")
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		outer.fail(CheckProfileJSON, OutcomeInvalidProfile, "the decrypted profile has data after its JSON object: encrypt JSON.stringify(profile) alone")
		return false
	}
	outer.pass(CheckProfileJSON, "the profile is a JSON object")
	if keysOK {
		outer.pass(CheckProfileKeys, "every key is lowercase, documented and given once")
	}
	*outer = append(*outer, inner...)
	return true
}

// key checks one key's name and reports whether its value should be read.
func (pc *profileCheck) key(key string) bool {
	switch {
	case pc.seen[key]:
		pc.cs.fail(CheckProfileKeys, OutcomeInvalidProfile, "the profile gives %s twice: give each key once", shown(key))
		return false
	case slices.Contains(profileKeys, key):
		pc.seen[key] = true
		return true
	case slices.Contains(profileKeys, strings.ToLower(key)):
		pc.cs.fail(CheckProfileKeys, OutcomeInvalidProfile, "the profile key %s must be lowercase: write %q", shown(key), strings.ToLower(key))
	default:
		hint := ""
		if near := suggest.Closest(key, profileKeys); near != "" {
			hint = ": did you mean " + near + "?"
		}
		pc.cs.fail(CheckProfileKeys, OutcomeInvalidProfile, "the profile key %s is not documented (the keys are %s)%s", shown(key), strings.Join(profileKeys, ", "), hint)
	}
	return false
}

// value checks one documented key's value.
func (pc *profileCheck) value(key string, raw json.RawMessage) {
	cs, l := pc.cs, pc.limits
	switch key {
	case keyIdentifier:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			cs.fail(key, OutcomeInvalidProfile, "identifier must be a string, got %s", shown(string(raw)))
			return
		}
		pc.p.Identifier = s
		if n := utf8.RuneCountInString(s); n < 2 || n > 148 {
			cs.fail(key, OutcomeInvalidProfile, "identifier has %d characters, want 2 to 148", n)
			return
		}
		cs.pass(key, "identifier %s", shown(s))
	case keyAge:
		if n, ok := pc.number(key, raw, OutcomeInvalidProfile); ok {
			switch {
			case n != math.Trunc(n):
				cs.fail(key, OutcomeInvalidProfile, "age %g must be a whole number of years", n)
			case !l.Age.has(n):
				cs.fail(key, OutcomeInvalidProfile, "age %g is outside %g to %g", n, l.Age.Min, l.Age.Max)
			default:
				pc.p.Age = int(n)
				cs.pass(key, "age %g", n)
			}
		}
	case keyHeight, keyWeight:
		pc.measure(key, raw)
	default:
		pc.enum(key, raw)
	}
}

// measure checks height or weight: a number in its plausible range, or
// INVALID_BMI as WMS was seen to answer.
func (pc *profileCheck) measure(key string, raw json.RawMessage) {
	n, ok := pc.number(key, raw, OutcomeInvalidBMI)
	if !ok {
		return
	}
	r, unit := pc.limits.Height, "cm"
	if key == keyWeight {
		r, unit = pc.limits.Weight, "kg"
	}
	if key == keyHeight {
		pc.p.Height, pc.height = n, true
	} else {
		pc.p.Weight, pc.weight = n, true
	}
	if !r.has(n) {
		pc.cs.fail(key, OutcomeInvalidBMI, "%s %g is outside %g to %g %s", key, n, r.Min, r.Max, unit)
		return
	}
	pc.cs.pass(key, "%s %g %s", key, n, unit)
}

// number reads a JSON number, refusing a numeric string, which the
// sample never sends.
func (pc *profileCheck) number(key string, raw json.RawMessage, refuses Outcome) (float64, bool) {
	var n json.Number
	// json.Number takes a quoted number too; the sample sends a bare one.
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		pc.cs.fail(key, refuses, "%s must be a JSON number (as in \"%s\":44), got %s", key, key, shown(string(raw)))
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		pc.cs.fail(key, refuses, "%s %s is not a usable number", key, shown(string(n)))
		return 0, false
	}
	return f, true
}

// enum checks a key whose value is one of a few documented strings.
func (pc *profileCheck) enum(key string, raw json.RawMessage) {
	want := enums[key]
	var s string
	if json.Unmarshal(raw, &s) != nil || !slices.Contains(want, s) {
		pc.cs.fail(key, OutcomeInvalidProfile, "%s is %s, want one of the strings %q", key, shown(string(raw)), want)
		return
	}
	switch key {
	case keyGender:
		pc.p.Gender = s
	case keySmoking:
		pc.p.Smoking = s
	case keyBPMed:
		pc.p.BloodPressureMedication = s
	case keyDiabetes:
		pc.p.Diabetes = s
	}
	pc.cs.pass(key, "%s %q", key, s)
}
