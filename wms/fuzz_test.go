package wms

import (
	"strings"
	"testing"
	"time"
)

// FuzzCallIn feeds arbitrary paths to everything that reads a call-in
// before any network: the path split, the segment checks, PROFILE_DATA's
// decoding and decryption, the profile's and the tokens' checks. None may
// panic, and every outcome is one the mock knows how to redirect with.
func FuzzCallIn(f *testing.F) {
	key := mockKey()
	enc, _ := EncryptProfile(&key.PublicKey, goodProfile.JSON())
	full := CallInURL("", CallIn{ConfigID: testConfigID, ProfileData: enc, AuthToken: jwt(time.Unix(1700000000, 0)), RefreshToken: "r", SessionID: "3f2b6c1e-8d4a-4a5b-9c8d-7e6f5a4b3c2d"})
	for _, seed := range []string{
		full,
		strings.TrimSuffix(full, "/3f2b6c1e-8d4a-4a5b-9c8d-7e6f5a4b3c2d"),
		"/c/", "/c", "/c//", "/c/X/", "/c/X/a/b/c/d", "/c/X/a/b/c/d/e/f/g",
		"/c/X/%zz/a/r/s", "/c/X/%/a/r/s", "/c/%E2%82/a/r/s",
		"/c/X/" + EncodeURIComponent(enc+".c2ln") + "/a/r/s",
		"/c/X/" + strings.TrimRight(enc, "=") + "/a/r/s",
		"/c/X/" + strings.Repeat("A", 400) + "/a/r/s",
		"/c/X/p/eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.x/r/s",
		"/c/X/p/eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjFlMzA4fQ.x/r/s",
		"/c/X/p/a.b.c/r/s%00%ff",
		"/c/" + strings.Repeat("x/", 100),
		"/mock/sessions/x",
	} {
		f.Add(seed)
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, path string) {
		ci, err := parseCallIn(path)
		if err != nil {
			return
		}
		var cs checks
		seg, readable := checkPath(ci, &cs)
		if readable {
			in := profileInput{key: key, twoWay: len(path)%2 == 0, customer: &key.PublicKey, limits: DefaultLimits}
			checkProfileData(ci.segs[segProfile], in, &cs)
			checkTokens(ci, now, &cs)
		}
		if seg != "" && sessionKey(sessionKey(seg)) != sessionKey(seg) {
			t.Errorf("sessionKey is not idempotent on %q", seg)
		}
		o, _ := cs.refusal()
		if o != "" && DefaultErrorCode(o) == "" {
			t.Errorf("refused with %q, which has no error code", o)
		}
		for _, c := range cs {
			if len(c.Message) > 1000 {
				t.Errorf("a %d-byte message: a hostile path must not flood the report", len(c.Message))
			}
		}
	})
}

// The profile checks on their own, for JSON no encryption would let
// through: lengths past what RSA-2048 can carry.
func TestCheckProfileUnencryptable(t *testing.T) {
	long := `{"identifier":"` + strings.Repeat("x", 149) + `","age":44,"height":175,"weight":89,"gender":"male"}`
	var cs checks
	checkProfile([]byte(long), DefaultLimits, &cs)
	if o, msg := cs.refusal(); o != OutcomeInvalidProfile || !strings.Contains(msg, "149 characters") {
		t.Errorf("a 149-character identifier: %s %s", o, msg)
	}
	cs = nil
	ok := `{"identifier":"` + strings.Repeat("é", 148) + `","age":44,"height":175,"weight":89,"gender":"male","smoking":"0","bloodpressuremedication":"0","diabetes":"0"}`
	checkProfile([]byte(ok), DefaultLimits, &cs)
	if o, msg := cs.refusal(); o != "" {
		t.Errorf("148 characters (296 bytes): %s %s", o, msg)
	}
	cs = nil
	checkProfileData("%zz", profileInput{key: mockKey(), limits: DefaultLimits}, &cs)
	if o, msg := cs.refusal(); o != OutcomeInvalidProfile || !strings.Contains(msg, "percent-encoding") {
		t.Errorf("broken percent-encoding: %s %s", o, msg)
	}
}
