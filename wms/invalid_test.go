package wms

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// seg returns PROFILE_DATA for raw JSON, encrypted as the sample does.
func seg(t *testing.T, json string) string {
	t.Helper()
	d, err := EncryptProfile(&mockKey().PublicKey, []byte(json))
	if err != nil {
		t.Fatal(err)
	}
	return EncodeURIComponent(d)
}

func b64(b []byte) string { return EncodeURIComponent(base64.StdEncoding.EncodeToString(b)) }

const good = `{"identifier":"partner-0042","age":44,"height":175,"weight":89,"gender":"male","smoking":"0","bloodpressuremedication":"0","diabetes":"type2"}`

// profileWith returns the good profile with key set to the raw JSON value
// v, or removed when v is "".
func profileWith(key, v string) string {
	parts := []string{}
	for _, kv := range strings.Split(strings.Trim(good, "{}"), ",") {
		k := strings.Trim(strings.SplitN(kv, ":", 2)[0], `"`)
		if k != key {
			parts = append(parts, kv)
		}
	}
	if v != "" {
		parts = append(parts, fmt.Sprintf("%q:%s", key, v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// invalidCase is one call-in the mock refuses.
type invalidCase struct {
	name, path string
	code       string // the error= code; "" for a page
	check      string // the check that fails
	msg        string // in the check's message, or the page
}

func invalidCases(t *testing.T) []invalidCase {
	pub := &mockKey().PublicKey
	p := seg(t, good)
	pre := "/c/" + testConfigID + "/"
	oaep256, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(good), nil)
	pkcs1, _ := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(good))
	other, _ := EncryptProfile(&customerKey().PublicKey, []byte(good))
	unpadded := strings.TrimRight(mustEncrypt(t, good), "=")

	return []invalidCase{
		{"four segments", pre + p + "/a/r", "MISSING_SESSION_ID", CheckSegments, "older form"},
		{"empty session", pre + p + "/a/r/", "MISSING_SESSION_ID", CheckSessionID, "SESSION_ID is empty"},
		{"three segments", pre + p + "/a", "INVALID_URL", CheckSegments, "want 5"},
		{"unescaped slash", pre + "abc/def/a/r/s", "INVALID_URL", CheckSegments, "encodeURIComponent"},
		{"many segments", pre + strings.Repeat("x/", 40), "INVALID_URL", CheckSegments, "over 5 segments"},
		{"empty auth token", pre + p + "//r/s", "INVALID_TOKEN", CheckAuthToken, "DFX_AUTH_TOKEN is empty"},
		{"empty refresh token", pre + p + "/a//s", "INVALID_TOKEN", CheckRefreshToken, "DFX_REFRESH_TOKEN is empty"},
		{"empty profile", pre + "/a/r/s", "INVALID_PROFILE", CheckProfileEncoding, "empty"},
		{"not base64", pre + "hello%21/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "not standard base64"},
		{"unpadded base64", pre + EncodeURIComponent(unpadded) + "/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "padding"},
		{"another key", pre + EncodeURIComponent(other) + "/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "RSA-OAEP-SHA1"},
		{"OAEP SHA-256", pre + b64(oaep256) + "/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "RSA-OAEP-SHA1"},
		{"PKCS#1 v1.5", pre + b64(pkcs1) + "/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "PKCS#1 v1.5"},
		{"short ciphertext", pre + b64([]byte("0123456789")) + "/a/r/s", "INVALID_PROFILE", CheckProfileDecrypt, "decodes to 10 bytes"},
		{"not JSON", pre + seg(t, "hello") + "/a/r/s", "INVALID_PROFILE", CheckProfileJSON, "not a JSON object"},
		{"JSON array", pre + seg(t, "[1,2]") + "/a/r/s", "INVALID_PROFILE", CheckProfileJSON, "not a JSON object"},
		{"trailing data", pre + seg(t, good+"{}") + "/a/r/s", "INVALID_PROFILE", CheckProfileJSON, "after its JSON object"},
		{"uppercase key", pre + seg(t, strings.Replace(good, `"gender"`, `"Gender"`, 1)) + "/a/r/s", "INVALID_PROFILE", CheckProfileKeys, `write "gender"`},
		{"unknown key", pre + seg(t, strings.Replace(good, `"smoking"`, `"smokin"`, 1)) + "/a/r/s", "INVALID_PROFILE", CheckProfileKeys, "did you mean smoking?"},
		{"duplicate key", pre + seg(t, strings.Replace(good, `}`, `,"age":45}`, 1)) + "/a/r/s", "INVALID_PROFILE", CheckProfileKeys, "twice"},
		{"gender capitalised", pre + seg(t, profileWith("gender", `"Male"`)) + "/a/r/s", "INVALID_PROFILE", "gender", `"male" "female"`},
		{"smoking as a number", pre + seg(t, profileWith("smoking", `0`)) + "/a/r/s", "INVALID_PROFILE", "smoking", "want one of the strings"},
		{"diabetes type3", pre + seg(t, profileWith("diabetes", `"type3"`)) + "/a/r/s", "INVALID_PROFILE", "diabetes", `"type1"`},
		{"bp medication yes", pre + seg(t, profileWith("bloodpressuremedication", `"yes"`)) + "/a/r/s", "INVALID_PROFILE", "bloodpressuremedication", `"0" "1"`},
		{"identifier too short", pre + seg(t, profileWith("identifier", `"x"`)) + "/a/r/s", "INVALID_PROFILE", "identifier", "2 to 148"},
		{"identifier a number", pre + seg(t, profileWith("identifier", `42`)) + "/a/r/s", "INVALID_PROFILE", "identifier", "must be a string"},
		{"age as a string", pre + seg(t, profileWith("age", `"44"`)) + "/a/r/s", "INVALID_PROFILE", "age", "JSON number"},
		{"age fractional", pre + seg(t, profileWith("age", `44.5`)) + "/a/r/s", "INVALID_PROFILE", "age", "whole number"},
		{"age implausible", pre + seg(t, profileWith("age", `7`)) + "/a/r/s", "INVALID_PROFILE", "age", "outside"},
		{"no gender", pre + seg(t, profileWith("gender", "")) + "/a/r/s", "INVALID_PROFILE", "gender", `has no "gender"`},
		{"height in metres", pre + seg(t, profileWith("height", `1.75`)) + "/a/r/s", "INVALID_BMI", "height", "outside"},
		{"weight implausible", pre + seg(t, profileWith("weight", `400`)) + "/a/r/s", "INVALID_BMI", "weight", "outside"},
		{"height as a string", pre + seg(t, profileWith("height", `"175"`)) + "/a/r/s", "INVALID_BMI", "height", "JSON number"},
		{"no weight", pre + seg(t, profileWith("weight", "")) + "/a/r/s", "INVALID_BMI", "weight", `has no "weight"`},
		{"BMI implausible", pre + seg(t, profileWith("weight", `26`)) + "/a/r/s", "INVALID_BMI", CheckBMI, "BMI of 8.5"},
		{"unknown config", "/c/AbC123xYz8O/" + p + "/a/r/s", "", "", "Did you mean AbC123xYz89?"},
		{"no config", "/c/", "", "", "names no Config ID"},
		{"no config, no slash", "/c", "", "", "names no Config ID"},
	}
}

func TestInvalidCallIns(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range invalidCases(t) {
		t.Run(c.name, func(t *testing.T) {
			resp, body := h.get(c.path)
			if c.code == "" {
				if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(body, c.msg) || !strings.Contains(body, "What to do") {
					t.Fatalf("%d %.600s: want a 4xx page saying %q and what to do", resp.StatusCode, body, c.msg)
				}
				return
			}
			if got := errorCode(t, resp, body); got != c.code {
				t.Errorf("error=%s, want %s", got, c.code)
			}
			key := resp.Header.Get(HeaderSession)
			rep, ok := h.srv.Session(key)
			if !ok {
				t.Fatalf("no report under %s %q", HeaderSession, key)
			}
			first := rep.Findings()[0]
			for _, f := range rep.Findings() {
				if f.Level == LevelError {
					first = f
					break
				}
			}
			if first.Name != c.check || !strings.Contains(first.Message, c.msg) || first.Level != LevelError {
				t.Errorf("first error %+v, want %s saying %q; all: %v", first, c.check, c.msg, rep.Findings())
			}
			if rep.Outcome == "" || rep.ErrorCode != c.code || len(rep.Deliveries) != 0 {
				t.Errorf("report: outcome %q code %q, %d deliveries", rep.Outcome, rep.ErrorCode, len(rep.Deliveries))
			}
		})
	}
}

func mustEncrypt(t *testing.T, json string) string {
	t.Helper()
	d, err := EncryptProfile(&mockKey().PublicKey, []byte(json))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// jwt makes an unsigned HS256-shaped token with the given exp.
func jwt(exp time.Time) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(fmt.Sprintf(`{"OrganizationID":"org","Type":"Device","Region":"na-east","iat":%d,"exp":%d,"iss":"urn:deepaffex"}`, exp.Unix()-600, exp.Unix()))) + ".c2lnbmF0dXJl"
}

// Warnings are reported and the scan goes on, as WMS would let it.
func TestCallInWarnings(t *testing.T) {
	h := newHarness(t, nil)
	pre := "/c/" + testConfigID + "/"
	plusRaw := strings.ReplaceAll(mustEncrypt(t, good), "/", "%2F") // '+' and '=' left raw
	cases := []struct{ name, path, check, msg string }{
		{"expired auth token", pre + seg(t, good) + "/" + jwt(time.Now().Add(-time.Hour)) + "/r/", CheckAuthToken, "expired"},
		{"expired refresh token", pre + seg(t, good) + "/a/" + jwt(time.Now().Add(-2*time.Hour)) + "/", CheckRefreshToken, "expired"},
		{"raw plus and equals", pre + plusRaw + "/a/r/", CheckProfileEncoding, "encodeURIComponent"},
		{"no medical keys", pre + seg(t, `{"identifier":"partner-0042","age":44,"height":175,"weight":89,"gender":"female"}`) + "/a/r/", "smoking", "NOTE_MISSING_MEDICAL_INFO"},
		{"percent-encoded session", pre + seg(t, good) + "/a/r/", CheckSessionID, "still encoded"},
		{"signature without two-way", pre + EncodeURIComponent(mustEncrypt(t, good)+".c2ln") + "/a/r/", CheckSignature, "not in two-way mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := newSessionID()
			if c.check == CheckSessionID {
				id = "x%20" + id
			}
			resp, body := h.get(c.path + id)
			res := results(t, resp, body)
			rep, _ := h.srv.Session(id)
			var found bool
			for _, f := range rep.Findings() {
				if f.Level == LevelError {
					t.Errorf("an error among warnings: %v", f)
				}
				found = found || f.Name == c.check && f.Level == LevelWarning && strings.Contains(f.Message, c.msg)
			}
			if !found {
				t.Errorf("no %s warning saying %q: %v", c.check, c.msg, rep.Findings())
			}
			if c.check == "smoking" {
				notes, _ := res["Notes"].(map[string]any)
				if fmt.Sprint(notes["BP_CVD"]) != "[NOTE_MISSING_MEDICAL_INFO]" {
					t.Errorf("Notes = %v, want NOTE_MISSING_MEDICAL_INFO on BP_CVD", notes)
				}
			}
		})
	}
	// A JWT still valid passes.
	resp, body := h.get(pre + seg(t, good) + "/" + jwt(time.Now().Add(time.Hour)) + "/r/" + newSessionID())
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "results=") {
		t.Errorf("a valid JWT: %d %.200s", resp.StatusCode, body)
	}
}
