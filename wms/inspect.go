package wms

import (
	"crypto/rsa"
	"net/url"
	"strings"
	"time"
)

// checkPath judges the segments after the Config ID and returns the raw
// SESSION_ID ("" when there is none) and whether the values can be read
// at all.
func checkPath(ci callIn, cs *checks) (string, bool) {
	n := len(ci.segs)
	switch {
	case ci.more || n > segCount:
		cs.fail(CheckSegments, OutcomeInvalidURL, "the call-in has over 5 segments after /c/: a '/' inside a value means it was not passed through encodeURIComponent (base64 has '/')")
		return "", false
	case n < segCount-1:
		cs.fail(CheckSegments, OutcomeInvalidURL, "the call-in has %d segments after /c/, want 5: /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID", n+1)
		return "", false
	case n == segCount-1:
		cs.fail(CheckSegments, OutcomeMissingSession, "the call-in has 4 segments, the older form without SESSION_ID: current WMS requires /c/CONFIG_ID/PROFILE_DATA/DFX_AUTH_TOKEN/DFX_REFRESH_TOKEN/SESSION_ID")
		return "", true
	}
	cs.pass(CheckSegments, "five segments after /c/")
	seg := ci.segs[segSession]
	switch {
	case seg == "":
		cs.fail(CheckSessionID, OutcomeMissingSession, "SESSION_ID is empty: end the path with the session's ID (the sample uses a UUID)")
	case sessionKey(seg) != seg:
		cs.warn(CheckSessionID, "SESSION_ID %s has characters a URL path may not hold: WMS echoes the segment as it stood, so use letters, digits and '-' (a UUID)", shown(seg))
	case strings.Contains(seg, "%"):
		if _, err := url.PathUnescape(seg); err != nil {
			cs.warn(CheckSessionID, "SESSION_ID %s has a broken percent-encoding", shown(seg))
		} else {
			cs.warn(CheckSessionID, "SESSION_ID %s is percent-encoded: WMS echoes it still encoded, in the webhooks and the results", shown(seg))
		}
	default:
		cs.pass(CheckSessionID, "SESSION_ID %s", shown(seg))
	}
	return seg, true
}

// profileInput is what checking PROFILE_DATA needs besides the segment.
type profileInput struct {
	key      *rsa.PrivateKey
	twoWay   bool
	customer *rsa.PublicKey
	limits   Limits
}

// checkProfileData percent-decodes, base64-decodes and decrypts
// PROFILE_DATA, verifies its two-way signature when asked, and checks the
// profile. It returns the profile, nil when it did not decrypt to a JSON
// object, and whether its medical keys were given.
func checkProfileData(seg string, in profileInput, cs *checks) (*Profile, bool) {
	if strings.ContainsAny(seg, "+=") {
		cs.warn(CheckProfileEncoding, "PROFILE_DATA holds a raw '+' or '=': pass the base64 through encodeURIComponent ('+' is %%2B, '/' is %%2F, '=' is %%3D), or a '/' will split the path")
	}
	data, err := url.PathUnescape(seg)
	if err != nil {
		cs.fail(CheckProfileEncoding, OutcomeInvalidProfile, "PROFILE_DATA has a broken percent-encoding: pass it through encodeURIComponent once")
		return nil, false
	}
	if data == "" {
		cs.fail(CheckProfileEncoding, OutcomeInvalidProfile, "PROFILE_DATA is empty: put the encrypted profile in the path")
		return nil, false
	}
	if !strings.ContainsAny(seg, "+=") {
		cs.pass(CheckProfileEncoding, "PROFILE_DATA is percent-encoded")
	}
	ct, sig, signed := splitSignature(data)
	plain, err := decryptProfile(in.key, ct)
	if err != nil {
		cs.fail(CheckProfileDecrypt, OutcomeInvalidProfile, "%v", err)
		return nil, false
	}
	cs.pass(CheckProfileDecrypt, "PROFILE_DATA decrypts with RSA-OAEP-SHA1 (%d bytes of JSON)", len(plain))
	switch {
	case in.twoWay && !signed:
		cs.fail(CheckSignature, OutcomeInvalidSignature, "two-way mode is on and PROFILE_DATA carries no signature: append \".\" and the base64 of crypto.sign(\"sha256\", json, privateKey) before encodeURIComponent")
	case in.twoWay && in.customer != nil:
		if err := verifyProfile(in.customer, plain, sig); err != nil {
			cs.fail(CheckSignature, OutcomeInvalidSignature, "%v", err)
		} else {
			cs.pass(CheckSignature, "the profile's two-way signature verifies")
		}
	case signed:
		cs.warn(CheckSignature, "PROFILE_DATA carries a signature but the Config ID is not in two-way mode: it is ignored")
	}
	return checkProfile(plain, in.limits, cs)
}

// checkTokens checks both tokens.
func checkTokens(ci callIn, now time.Time, cs *checks) {
	checkToken(CheckAuthToken, "DFX_AUTH_TOKEN", ci.segs[segAuth], now, cs)
	checkToken(CheckRefreshToken, "DFX_REFRESH_TOKEN", ci.segs[segRefresh], now, cs)
}
