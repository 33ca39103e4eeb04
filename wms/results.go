package wms

import (
	"math"
	"math/rand/v2"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/wmsmock/wms-mock/emitter"
)

// resultInputs are the facts the results must agree with: the profile,
// the session as it stood in the path, and what the webhooks carried.
type resultInputs struct {
	profile       Profile
	medical       bool
	sessionID     string
	measurementID string
	snr           float64
	hasSNR        bool
	seed          uint64
}

// noteMissingMedical is the note seen on points that need the medical
// keys of the profile.
const noteMissingMedical = "NOTE_MISSING_MEDICAL_INFO"

// buildResults makes the results object in the shape seen on a real
// callback: legacy camelCase keys, the same values under DeepAffex point
// IDs, a Notes map, and the echoes. Values are fake but hang together:
// BMI is the profile's, SNR the last intermediate result's, blood pressure
// and risk rise with age and BMI, and the same seed gives the same values.
func buildResults(in resultInputs) emitter.Payload {
	f := gofakeit.NewFaker(rand.NewPCG(in.seed, in.seed^0x2545f4914f6cdd1d), false)
	p := in.profile
	age := float64(p.Age)
	bmi := 0.0
	if p.Height > 0 {
		bmi = p.Weight / (p.Height * p.Height / 10000)
	}
	snr := in.snr
	if !in.hasSNR {
		snr = f.Float64Range(5, 14)
	}
	measurement := in.measurementID
	if measurement == "" {
		measurement = emitter.UUIDv4(f.Uint64)
	}
	hr := f.Float64Range(58, 92)
	sys := 100 + 0.3*age + 0.6*(bmi-22) + f.Float64Range(-5, 5)
	dia := 62 + 0.15*age + 0.4*(bmi-22) + f.Float64Range(-4, 4)
	br := f.Float64Range(12, 19)
	msi := f.Float64Range(1.2, 3.8)
	hrv := f.Float64Range(25, 70)
	facial := math.Max(13, age+float64(f.IntRange(-4, 4)))
	risk := 0.5 + math.Max(0, age-30)*0.12 + (sys-110)*0.05 + f.Float64Range(0, 1)
	score := 90 - math.Abs(bmi-22)*1.5 - f.Float64Range(0, 10)
	if p.Smoking == "1" {
		risk += 2
		score -= 8
	}
	if p.Diabetes == "type1" || p.Diabetes == "type2" {
		risk += 1.5
		score -= 5
	}
	risk = math.Min(40, math.Max(0.1, risk))
	notes := emitter.Payload{}
	if !in.medical {
		for _, point := range []string{"BP_CVD", "HEALTH_SCORE"} {
			notes = append(notes, emitter.PayloadField{Key: point, Value: []any{noteMissingMedical}})
		}
	}
	return emitter.Payload{
		{Key: "identifier", Value: p.Identifier},
		{Key: "sessionId", Value: in.sessionID},
		{Key: "SESSION_ID", Value: in.sessionID},
		{Key: "measurementId", Value: measurement},
		{Key: "MEASUREMENT_ID", Value: measurement},
		{Key: "ppm", Value: round(hr, 1)}, {Key: "systolic", Value: round(sys, 0)}, {Key: "diastolic", Value: round(dia, 0)},
		{Key: "breathing", Value: round(br, 1)}, {Key: "snr", Value: round(snr, 2)}, {Key: "msi", Value: round(msi, 1)},
		{Key: "bmi", Value: round(bmi, 1)}, {Key: "age", Value: facial}, {Key: "healthScore", Value: round(score, 1)},
		{Key: "cvdRisk", Value: round(risk, 2)},
		{Key: "HR_BPM", Value: round(hr, 1)}, {Key: "BP_SYSTOLIC", Value: round(sys, 0)}, {Key: "BP_DIASTOLIC", Value: round(dia, 0)},
		{Key: "BR_BPM", Value: round(br, 1)}, {Key: "SNR", Value: round(snr, 2)}, {Key: "MSI", Value: round(msi, 1)},
		{Key: "BMI_CALC", Value: round(bmi, 1)}, {Key: "AGE", Value: facial}, {Key: "HEALTH_SCORE", Value: round(score, 1)},
		{Key: "BP_CVD", Value: round(risk, 2)}, {Key: "HRV_SDNN", Value: round(hrv, 1)},
		{Key: "Notes", Value: notes},
	}
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
