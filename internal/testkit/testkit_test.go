package testkit_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

func post(t *testing.T, url string, body []byte, mac string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if mac != "" {
		req.Header[emitter.HeaderMAC] = []string{mac}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceiverVerifiesAndRecords(t *testing.T) {
	s := testkit.Signer(t)
	rec := testkit.NewReceiver(t, s)
	good := []byte(`{"timestamp":1,"sessionId":"a","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	bad := []byte(`{"timestamp":1,"sessionId":"a","sequence":1,"event":"WMS_LOADED","severity":"INFO"}`)
	if code := post(t, rec.URL, good, s.MAC(good)); code != http.StatusNoContent {
		t.Errorf("valid event: %d", code)
	}
	if code := post(t, rec.URL, bad, testkit.Signer(t, "other").MAC(bad)); code != http.StatusUnauthorized {
		t.Errorf("forged event: %d", code)
	}
	if got := rec.Sequences()["a"]; len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("sequences = %v", got)
	}
	if rec.BadMACs() != 1 {
		t.Errorf("BadMACs = %d, want 1", rec.BadMACs())
	}
	if env := testkit.Decode(t, good); env.Event != "WMS_LOADED" || env.SessionID != "a" {
		t.Errorf("Decode = %+v", env)
	}
}

func TestReceiverWithStatus(t *testing.T) {
	rec := testkit.NewReceiver(t, testkit.Signer(t), testkit.WithStatus(func(d testkit.Delivery) int {
		if d.Envelope.Sequence == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}))
	if code := post(t, rec.URL, []byte(`{"sequence":0}`), ""); code != http.StatusServiceUnavailable {
		t.Errorf("status = %d", code)
	}
}
