package wms

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// encryptedResults decrypts the results of a 303 as the customer would.
func encryptedResults(t *testing.T, h *harness, resp *http.Response, body string) map[string]any {
	t.Helper()
	value := location(t, resp, body).Query().Get("results")
	if _, err := DecodeResults(value); err != ErrEncryptedResults {
		t.Fatalf("DecodeResults of encrypted results: %v, want ErrEncryptedResults", err)
	}
	plain, err := DecryptResults(value, customerKey(), h.srv.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(plain, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEncryptedResults(t *testing.T) {
	h := newHarness(t, func(c *ConfigID) { c.EncryptResults, c.CustomerKey = true, &customerKey().PublicKey })
	id := newSessionID()
	resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
	res := encryptedResults(t, h, resp, body)
	if res["sessionId"] != id || res["bmi"] != 29.1 {
		t.Errorf("decrypted results: %v", res)
	}
	rep, _ := h.srv.Session(id)
	if !rep.Encrypted || len(rep.Results) == 0 {
		t.Errorf("report: encrypted %t, results %s", rep.Encrypted, rep.Results)
	}
	// Another WMS key does not verify; another customer key does not open.
	value := location(t, resp, body).Query().Get("results")
	if _, err := DecryptResults(value, customerKey(), &customerKey().PublicKey); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("DecryptResults with the wrong WMS key: %v", err)
	}
	if _, err := DecryptResults(value, mockKey(), h.srv.PublicKey()); err == nil || !strings.Contains(err.Error(), "unwrap") {
		t.Errorf("DecryptResults with the wrong customer key: %v", err)
	}
}

// settingsServer answers the settings endpoint with body and status.
func settingsServer(t *testing.T, status int, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s.URL + "/api/settings"
}

func TestSettingsEndpoint(t *testing.T) {
	pem, _ := json.Marshal(string(PublicKeyPEM(&customerKey().PublicKey)))
	on := settingsServer(t, http.StatusOK, `{"settings": {"encryptResults": true, "publicKey": `+string(pem)+`}}`)
	h := newHarness(t, func(c *ConfigID) { c.SettingsURL = on })
	resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), newSessionID()))
	encryptedResults(t, h, resp, body)

	for name, c := range map[string]struct {
		url, warning string
	}{
		"500":         {settingsServer(t, http.StatusInternalServerError, `{}`), "answered 500"},
		"not JSON":    {settingsServer(t, http.StatusOK, `<html>`), `{"settings": ...}`},
		"bad key":     {settingsServer(t, http.StatusOK, `{"settings": {"publicKey": "nope"}}`), "no PEM block"},
		"unreachable": {refusedURL(t), "did not answer"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(cfg *ConfigID) { cfg.SettingsURL = c.url })
			id := newSessionID()
			resp, body := h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), id))
			results(t, resp, body) // the Config ID's own settings: plain results
			rep, _ := h.srv.Session(id)
			if f := rep.Findings(); len(f) != 1 || f[0].Name != CheckSettings || f[0].Level != LevelWarning || !strings.Contains(f[0].Message, c.warning) {
				t.Errorf("findings %v, want one settings warning saying %q", f, c.warning)
			}
		})
	}

	// Encryption asked for and no key anywhere: the call-in is refused.
	off := settingsServer(t, http.StatusOK, `{"settings": {"encryptResults": true}}`)
	h = newHarness(t, func(c *ConfigID) { c.SettingsURL = off })
	resp, body = h.get(callInPath(t, h.srv.PublicKey(), goodProfile.JSON(), newSessionID()))
	if code := errorCode(t, resp, body); code != "SETTINGS_ERROR" {
		t.Errorf("error=%s, want SETTINGS_ERROR", code)
	}
}

func TestTwoWayProfiles(t *testing.T) {
	h := newHarness(t, func(c *ConfigID) { c.TwoWay, c.CustomerKey = true, &customerKey().PublicKey })
	profile := goodProfile.JSON()
	enc := mustEncrypt(t, string(profile))
	signed, err := SignProfile(customerKey(), enc, profile)
	if err != nil {
		t.Fatal(err)
	}
	otherSig, _ := SignProfile(mockKey(), enc, profile)
	tampered, _ := SignProfile(customerKey(), enc, []byte(strings.Replace(string(profile), "175", "176", 1)))
	path := func(data string) string {
		return CallInURL("", CallIn{ConfigID: testConfigID, ProfileData: data, AuthToken: "a", RefreshToken: "r", SessionID: newSessionID()})
	}
	resp, body := h.get(path(signed))
	results(t, resp, body)
	for name, data := range map[string]string{"unsigned": enc, "another key": otherSig, "other JSON": tampered, "garbage": enc + ".%%%"} {
		resp, body := h.get(path(data))
		if code := errorCode(t, resp, body); code != "INVALID_PROFILE_SIGNATURE" {
			t.Errorf("%s: error=%s, want INVALID_PROFILE_SIGNATURE", name, code)
		}
	}
}

func TestPublicKeyEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	resp, body := h.get("/mock/public-key.pem")
	k, err := ParsePublicKey([]byte(body))
	if resp.StatusCode != http.StatusOK || err != nil || !k.Equal(h.srv.PublicKey()) {
		t.Errorf("GET /mock/public-key.pem: %d %v", resp.StatusCode, err)
	}
}
