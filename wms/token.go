package wms

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"strings"
	"time"
)

// checkToken checks DFX_AUTH_TOKEN or DFX_REFRESH_TOKEN: present, and, if
// it is a JWT as RegisterLicense gives, not past its exp. Any non-empty
// token is accepted: the mock holds no license to check it against.
func checkToken(name, label, seg string, now time.Time, cs *checks) {
	tok, err := url.PathUnescape(seg)
	switch {
	case err != nil:
		cs.fail(name, OutcomeInvalidToken, "%s has a broken percent-encoding: pass it through encodeURIComponent", label)
		return
	case tok == "":
		cs.fail(name, OutcomeInvalidToken, "%s is empty: put the %s from RegisterLicense in the path", label, tokenField(label))
		return
	}
	exp, isJWT := jwtExpiry(tok)
	switch {
	case !isJWT:
		cs.pass(name, "%s is present (not a JWT: any non-empty token is accepted)", label)
	case exp.IsZero():
		cs.pass(name, "%s is a JWT without exp", label)
	case exp.Before(now):
		cs.warn(name, "%s expired at %s, %s before the call-in: get a fresh one (RegisterLicense tokens last about 10 minutes) just before sending the user to WMS", label, exp.UTC().Format(time.RFC3339), now.Sub(exp).Round(time.Second))
	default:
		cs.pass(name, "%s is a JWT valid until %s", label, exp.UTC().Format(time.RFC3339))
	}
}

func tokenField(label string) string {
	if strings.Contains(label, "REFRESH") {
		return "RefreshToken"
	}
	return "Token"
}

// jwtExpiry reads exp from a JWT-shaped token without verifying it: three
// base64url parts, a header with alg, a JSON payload. A zero time with
// true is a JWT without exp.
func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if !jwtPart(parts[0], &header) || header.Alg == "" || !jwtPart(parts[1], &claims) {
		return time.Time{}, false
	}
	if claims.Exp == nil || math.IsNaN(*claims.Exp) || math.Abs(*claims.Exp) > 1e13 {
		return time.Time{}, true
	}
	return time.Unix(int64(*claims.Exp), 0), true
}

func jwtPart(part string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	return err == nil && json.Unmarshal(raw, v) == nil
}
