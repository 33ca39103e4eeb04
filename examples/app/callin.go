package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// profile is PROFILE_DATA before encryption: the documented keys, all
// lowercase, numbers as numbers and the medical answers as strings.
type profile struct {
	Identifier              string  `json:"identifier"` // your partner ID, 2 to 148 characters
	Age                     int     `json:"age"`
	Height                  float64 `json:"height"`                  // cm
	Weight                  float64 `json:"weight"`                  // kg
	Gender                  string  `json:"gender"`                  // "male" or "female"
	Smoking                 string  `json:"smoking"`                 // "0" or "1"
	BloodPressureMedication string  `json:"bloodpressuremedication"` // "0" or "1"
	Diabetes                string  `json:"diabetes"`                // "0", "type1" or "type2"
}

// sessionCookie remembers which session this browser started: an
// error=CODE callback carries no session ID of its own.
const sessionCookie = "wms_session"

func (a *app) start(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, "start", profile{
		Identifier: "partner-0042", Age: 44, Height: 175, Weight: 72, Gender: "female",
		Smoking: "0", BloodPressureMedication: "0", Diabetes: "0",
	})
}

// scan builds the call-in URL and sends the browser to WMS with it.
func (a *app) scan(w http.ResponseWriter, r *http.Request) {
	p, err := readProfile(r)
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error(), "Go back and correct the form.")
		return
	}
	// Only the form's shape is checked here; WMS judges plausibility and
	// answers a height and weight that make no sense with error=INVALID_BMI.
	plain, _ := json.Marshal(p) // strings and numbers always marshal
	key, err := a.wmsKey()
	if err != nil {
		problem(w, http.StatusBadGateway, err.Error(), "Check WMS_PUBLIC_KEY_FILE or WMS_PUBLIC_KEY_URL.")
		return
	}
	// Node's crypto.publicEncrypt(key, buf), which the vendor's sample uses,
	// pads with RSA-OAEP and SHA-1: so must we. RSA-2048 takes at most 214
	// bytes of JSON.
	sealed, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, key, plain, nil)
	if err != nil {
		problem(w, http.StatusBadRequest, "The profile is too long to encrypt ("+strconv.Itoa(len(plain))+" bytes of JSON).", "Use a shorter identifier.")
		return
	}
	session := newSessionID()
	callIn := a.cfg.WMSURL + "/c/" + encodeURIComponent(a.cfg.ConfigID) + "/" +
		encodeURIComponent(base64.StdEncoding.EncodeToString(sealed)) + "/" +
		encodeURIComponent(a.cfg.AuthToken) + "/" + encodeURIComponent(a.cfg.RefreshToken) + "/" + session
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: session, Path: "/", MaxAge: 3600,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, // Lax: sent on WMS's redirect back
	})
	http.Redirect(w, r, callIn, http.StatusSeeOther)
}

// readProfile reads the form. Field names are the profile's keys.
func readProfile(r *http.Request) (profile, error) {
	f := r.PostFormValue
	p := profile{
		Identifier: strings.TrimSpace(f("identifier")), Gender: f("gender"), Smoking: f("smoking"),
		BloodPressureMedication: f("bloodpressuremedication"), Diabetes: f("diabetes"),
	}
	var err error
	if p.Age, err = strconv.Atoi(f("age")); err != nil {
		return p, fmt.Errorf("age %q is not a whole number of years", f("age"))
	}
	if p.Height, err = strconv.ParseFloat(f("height"), 64); err != nil {
		return p, fmt.Errorf("height %q is not a number of centimetres", f("height"))
	}
	if p.Weight, err = strconv.ParseFloat(f("weight"), 64); err != nil {
		return p, fmt.Errorf("weight %q is not a number of kilograms", f("weight"))
	}
	return p, nil
}

// encodeURIComponent is JavaScript's: everything but A-Z a-z 0-9 and
// -_.!~*'() percent-encoded. Go's url.PathEscape and url.QueryEscape each
// leave or change other characters (PathEscape keeps '+' and '=', which a
// base64 value is full of).
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// newSessionID is a random UUID v4: unguessable, so that one user cannot
// name another's session. It needs no encoding in the path.
func newSessionID() string {
	var u [16]byte
	rand.Read(u[:]) // never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// wmsKey reads the WMS public key, PEM "PUBLIC KEY", at each call-in: from
// WMS_PUBLIC_KEY_FILE, as a real app does, or for the mock from
// WMS_PUBLIC_KEY_URL (its /mock/public-key.pem), since the mock makes a
// fresh key at each start unless given --key.
func (a *app) wmsKey() (*rsa.PublicKey, error) {
	setting, from, read := "WMS_PUBLIC_KEY_FILE", a.cfg.PublicKeyFile, os.ReadFile
	if from == "" {
		setting, from, read = "WMS_PUBLIC_KEY_URL", a.cfg.PublicKeyURL, fetch
	}
	data, err := read(from)
	if err != nil {
		return nil, fmt.Errorf("%s: read the WMS public key: %v", setting, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: %s is not PEM", setting, from)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	key, ok := pub.(*rsa.PublicKey)
	if err != nil || !ok {
		return nil, fmt.Errorf("%s: %s holds no RSA public key (PEM \"PUBLIC KEY\")", setting, from)
	}
	return key, nil
}

var keyClient = &http.Client{Timeout: 5 * time.Second}

func fetch(url string) ([]byte, error) {
	resp, err := keyClient.Get(url)
	if err != nil {
		return nil, fmt.Errorf("%v (is the mock WMS running?)", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<10))
}
