package forgery_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

func signer(t testing.TB) *emitter.Signer {
	s, err := emitter.NewSigner([]byte("forgery-test-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every forgery must fail the verifier a correct receiver runs, and each
// must fail it differently from the others: two kinds that send the same
// header would be one forgery under two names.
func TestEveryForgeryFailsVerification(t *testing.T) {
	s := signer(t)
	f := forgery.New(s)
	body := []byte(`{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	seen := map[string]forgery.Kind{}
	for _, info := range forgery.Kinds() {
		v, sent := f.Header(info.Kind, body)
		if err := s.Verify(v, body); err == nil {
			t.Errorf("%s: header %q verifies", info.Kind, v)
		}
		key := fmt.Sprint(sent, v)
		if other, dup := seen[key]; dup {
			t.Errorf("%s sends the same header as %s", info.Kind, other)
		}
		seen[key] = info.Kind
		if info.Label == "" || !strings.HasSuffix(info.Accepted, "accepted.") {
			t.Errorf("%s: Info %+v is not written for people", info.Kind, info)
		}
		r := f.Request(info.Kind, body)
		if _, has := r.Header[emitter.HeaderMAC]; has != sent {
			t.Errorf("%s: request has header %v, Header says %v", info.Kind, has, sent)
		}
	}
	if v, _ := f.Header(forgery.Valid, body); s.Verify(v, body) != nil {
		t.Error("Valid does not verify")
	}
	tampered := f.Tampered(body, append([]byte(nil), strings.Replace(string(body), `"s"`, `"t"`, 1)...))
	if s.Verify(tampered.Header[emitter.HeaderMAC][0], tampered.Body) == nil {
		t.Error("a tampered body verifies")
	}
}

func TestParse(t *testing.T) {
	for _, name := range forgery.Names() {
		if k, err := forgery.Parse(name); err != nil || string(k) != name {
			t.Errorf("Parse(%q) = %q, %v", name, k, err)
		}
	}
	_, err := forgery.Parse("wrong-secert")
	if err == nil || !strings.Contains(err.Error(), `did you mean "wrong-secret"`) {
		t.Errorf("a typo: %v", err)
	}
	if _, err := forgery.Parse(""); err == nil {
		t.Error("an empty name parses")
	}
}

func TestOtherSignerDiffers(t *testing.T) {
	s := signer(t)
	if forgery.OtherSigner(s).MAC([]byte("x")) == s.MAC([]byte("x")) {
		t.Error("OtherSigner signs as the right secret does")
	}
}

func TestChangeDigitWraps(t *testing.T) {
	mac := emitter.MACScheme + strings.Repeat("f", 64)
	if got := forgery.ChangeDigit(mac, 0); got != emitter.MACScheme+"0"+strings.Repeat("f", 63) {
		t.Errorf("ChangeDigit = %q", got)
	}
}

// A forged request is built from the Config ID's signer and the body as
// it was signed; the header name keeps its documented spelling.
func ExampleForger_Request() {
	s, _ := emitter.NewSigner([]byte("example-secret"))
	f := forgery.New(s)
	body := []byte(`{"event":"WMS_LOADED"}`)
	r := f.Request(forgery.Truncated, body)
	fmt.Println(len(r.Header[emitter.HeaderMAC][0]) - len(emitter.MACScheme))
	fmt.Println(s.Verify(r.Header[emitter.HeaderMAC][0], r.Body) != nil)
	// Output:
	// 32
	// true
}

// TestForgeriesAnyoneCanCompute: the empty key's MAC is the published
// HMAC-SHA256 of the empty key, the empty body's is the right secret's MAC
// of nothing, and another event's is the right secret's MAC of the next
// event of the session, never the body's own.
func TestForgeriesAnyoneCanCompute(t *testing.T) {
	const emptyKeyEmptyBody = "hmac-sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
	if got := forgery.EmptyKeyMAC(nil); got != emptyKeyEmptyBody {
		t.Errorf("EmptyKeyMAC(nil) = %s, want the RFC 4231-style vector %s", got, emptyKeyEmptyBody)
	}
	s := signer(t)
	f := forgery.New(s)
	body := []byte(`{"timestamp":1,"sessionId":"s","sequence":9,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"sequence":2}}`)
	if v, _ := f.Header(forgery.EmptyBody, body); v != s.MAC(nil) {
		t.Errorf("empty-body sends %s, want the MAC of an empty body", v)
	}
	sibling := forgery.Sibling(body)
	if want := strings.Replace(string(body), `"sequence":9`, `"sequence":10`, 1); string(sibling) != want {
		t.Errorf("Sibling = %s, want %s", sibling, want)
	}
	if v, _ := f.Header(forgery.OtherEvent, body); v != s.MAC(sibling) {
		t.Errorf("other-event sends %s, want the MAC of the next event", v)
	}
	if raw := forgery.Sibling([]byte("null")); string(raw) != "null " {
		t.Errorf("Sibling of a body without a sequence = %q", raw)
	}
	for _, info := range forgery.Kinds() {
		if !strings.Contains(info.Causes, "does not verify the MAC at all") {
			t.Errorf("%s: the likely causes leave out a receiver that does not verify: %q", info.Kind, info.Causes)
		}
	}
}
