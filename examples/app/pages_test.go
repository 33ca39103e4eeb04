package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

// status fetches u and returns the status and the raw body.
func status(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNewAppRefusesAMissingSetting(t *testing.T) {
	for name, cfg := range map[string]config{
		"CONFIG_ID":           {MACSecret: testkit.Secret},
		"WMS_MAC_SECRET":      {ConfigID: testConfigID},
		"WMS_PUBLIC_KEY_FILE": {ConfigID: testConfigID, MACSecret: testkit.Secret, PublicKeyFile: "/nonexistent/wms.pem"},
	} {
		if _, err := newApp(cfg); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s missing: error %v, want one naming %s", name, err, name)
		} else if strings.Contains(err.Error(), testkit.Secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestScanRefusesAFormThatIsNotANumber(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	code, body := status(t, noFollow(browserless(t)), http.MethodPost, f.appURL+"/scan", form("age", "forty"))
	if code != http.StatusBadRequest || !strings.Contains(body, "age &#34;forty&#34; is not a whole number") {
		t.Errorf("status %d, body %.600s", code, body)
	}
}

func TestScanSaysWhenTheKeyCannotBeFetched(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", func(c *config) { c.PublicKeyURL = "http://127.0.0.1:1/mock/public-key.pem" })
	code, body := status(t, noFollow(browserless(t)), http.MethodPost, f.appURL+"/scan", form())
	if code != http.StatusBadGateway || !strings.Contains(body, "is the mock WMS running?") {
		t.Errorf("status %d, body %.600s", code, body)
	}
}

func TestCallbackEscapesAndExplains(t *testing.T) {
	f := setup(t, scenarios.PaceFast, "", nil)
	c := browserless(t)
	hostile := base64.StdEncoding.EncodeToString([]byte(`{"identifier":"<script>alert(1)</script>","sessionId":"s","measurementId":"m","HR_BPM":70}`))
	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{"results=" + url.QueryEscape(hostile), 200, "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"results=not+base64", 200, "results= is not standard base64"},
		{"results=" + base64.StdEncoding.EncodeToString([]byte(`{"alg":"RSA-OAEP-256","sig":"x"}`)), 200, "the results are encrypted"},
		{"error=%3Cb%3EODD", 200, "WMS answered <code>&lt;b&gt;ODD</code>"},
		{"error=LOW_SNR", 200, "The signal was too weak"},
		{"", 400, "neither results= nor error="},
	} {
		code, body := status(t, c, http.MethodGet, f.appURL+"/callback?"+tc.query, nil)
		if code != tc.code || !strings.Contains(body, tc.want) || strings.Contains(body, "<script>") {
			t.Errorf("?%s: status %d, want %d and %q; body %.1500s", tc.query, code, tc.code, tc.want, body)
		}
		if tc.code == 200 && !strings.Contains(body, "The callback does not match the webhooks.") {
			t.Errorf("?%s: a callback of no session this browser started matched", tc.query)
		}
	}
}
