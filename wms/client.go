package wms

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"

	"github.com/brianvoe/gofakeit/v7"
)

// The customer's side of the flow, as the vendor's sample does it, for
// tests, the demo and the example app: build a call-in URL, read the
// callback.

// CallIn holds the five values of a call-in URL before encoding.
type CallIn struct {
	ConfigID string
	// ProfileData is EncryptProfile's (or SignProfile's) output.
	ProfileData  string
	AuthToken    string
	RefreshToken string
	// SessionID goes into the path as given: the docs pass only the other
	// values through encodeURIComponent, and WMS echoes the segment as it
	// stood.
	SessionID string
}

// CallInURL returns base/c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/
// DFX_REFRESH_TOKEN/SESSION_ID, each of the middle three passed through
// EncodeURIComponent as the docs say. base is the WMS host (or the mock's),
// without a trailing slash.
func CallInURL(base string, c CallIn) string {
	return strings.TrimRight(base, "/") + "/c/" + EncodeURIComponent(c.ConfigID) + "/" +
		EncodeURIComponent(c.ProfileData) + "/" + EncodeURIComponent(c.AuthToken) + "/" +
		EncodeURIComponent(c.RefreshToken) + "/" + c.SessionID
}

// EncodeURIComponent escapes s as JavaScript's encodeURIComponent does:
// everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) is percent-encoded, bytes
// of UTF-8 in upper-case hex. Go's url.QueryEscape and url.PathEscape each
// differ from it.
func EncodeURIComponent(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// uriUnreserved is the set encodeURIComponent leaves alone.
func uriUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0
}

// ErrEncryptedResults is returned by DecodeResults for a VALUE that holds
// encrypted results: decrypt them with DecryptResults instead.
var ErrEncryptedResults = errors.New("the results are encrypted: use DecryptResults with the customer's private key")

// DecodeResults reads the callback's results=VALUE (already taken out of
// the query string, so percent-decoded): standard base64 of a JSON object.
func DecodeResults(value string) (map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, errors.New("results: not standard base64 (a '+' read as a space means the query string was decoded as a form twice)")
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errors.New("results: the base64 does not hold a JSON object")
	}
	if _, ok := out["alg"]; ok {
		if _, has := out["sig"]; has {
			return nil, ErrEncryptedResults
		}
	}
	return out, nil
}

// FakeProfile returns a plausible profile drawn from seed, with every
// documented key, for tests and the demo.
func FakeProfile(seed uint64) Profile {
	f := gofakeit.NewFaker(rand.NewPCG(seed, seed^0x5bd1e995), false)
	gender := f.RandomString([]string{"male", "female"})
	height := float64(f.IntRange(150, 195))
	bmi := f.Float64Range(19, 31)
	return Profile{
		Identifier:              f.Username() + "-" + f.DigitN(6),
		Age:                     f.IntRange(18, 85),
		Height:                  height,
		Weight:                  float64(int(bmi * height * height / 10000)),
		Gender:                  gender,
		Smoking:                 f.RandomString([]string{"0", "0", "0", "1"}),
		BloodPressureMedication: f.RandomString([]string{"0", "0", "1"}),
		Diabetes:                f.RandomString([]string{"0", "0", "0", "type1", "type2"}),
	}
}
