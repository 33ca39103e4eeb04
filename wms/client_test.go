package wms

import (
	"strings"
	"testing"
)

func TestFakeProfilesPassTheChecks(t *testing.T) {
	for seed := range uint64(200) {
		p := FakeProfile(seed)
		data := p.JSON()
		if len(data) > KeyBits/8-42 {
			t.Fatalf("seed %d: %d bytes of JSON do not fit RSA-OAEP-SHA1", seed, len(data))
		}
		var cs checks
		checkProfile(data, DefaultLimits, &cs)
		if o, msg := cs.refusal(); o != "" {
			t.Errorf("seed %d: %s %s: %s", seed, o, msg, data)
		}
	}
	if FakeProfile(3) != FakeProfile(3) || FakeProfile(3) == FakeProfile(4) {
		t.Error("FakeProfile is not a function of its seed")
	}
}

// TestEncodeURIComponent checks the Go encoder against JavaScript's own.
func TestEncodeURIComponent(t *testing.T) {
	var b strings.Builder
	for c := 0x20; c < 0x7f; c++ {
		b.WriteByte(byte(c))
	}
	b.WriteString("é€😀+/=")
	in := b.String()
	want := node(t, `process.stdout.write(encodeURIComponent(process.argv[1]))`, in)
	if got := EncodeURIComponent(in); got != want {
		t.Errorf("EncodeURIComponent:\n got %s\nwant %s", got, want)
	}
}

func TestCallInURL(t *testing.T) {
	got := CallInURL("http://127.0.0.1:8090/", CallIn{ConfigID: "AbC", ProfileData: "a+b/c==", AuthToken: "x.y.z", RefreshToken: "r t", SessionID: "s%20id"})
	want := "http://127.0.0.1:8090/c/AbC/a%2Bb%2Fc%3D%3D/x.y.z/r%20t/s%20id"
	if got != want {
		t.Errorf("CallInURL = %s, want %s", got, want)
	}
	if _, err := DecodeResults("not base64!"); err == nil {
		t.Error("DecodeResults took non-base64")
	}
	if _, err := DecodeResults("WzFd"); err == nil { // [1]
		t.Error("DecodeResults took a JSON array")
	}
}
