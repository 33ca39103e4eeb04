package emitter

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testSecret is the MAC secret of testSigner. Its value matters to no test:
// the golden vectors bring their own.
const testSecret = "emitter-test-secret"

// testSigner returns a signer for testSecret, or for the secret given. It
// is the package's one test signer: these tests cannot use
// internal/testkit's, which imports this package.
func testSigner(t testing.TB, secret ...string) *Signer {
	t.Helper()
	key := testSecret
	if len(secret) > 0 {
		key = secret[0]
	}
	s, err := NewSigner([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The golden MACs in testdata/golden.json were computed by Node.js running
// the vendor's documented snippet (testdata/golden.js) and agree with
// 'openssl dgst -sha256 -hmac' on every ASCII body.
func TestSignMatchesTheVendorsJavaScript(t *testing.T) {
	secret, err := os.ReadFile("testdata/golden-secret.txt")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct{ File, MAC string }
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 4 {
		t.Fatalf("only %d golden vectors", len(vectors))
	}
	s := testSigner(t, string(secret))
	for _, v := range vectors {
		body, err := os.ReadFile(filepath.Join("testdata", v.File))
		if err != nil {
			t.Fatal(err)
		}
		got := s.MAC(body)
		if v.File == "raw-utf8.json" {
			// Raw UTF-8 is where the documented 'ascii' hashing and a
			// raw-byte HMAC part ways; it is why bodies are escaped.
			if got == v.MAC {
				t.Errorf("raw UTF-8 body: expected the documented verifier to disagree with a raw-byte MAC")
			}
			continue
		}
		if got != v.MAC {
			t.Errorf("%s: got %s, Node.js computed %s", v.File, got, v.MAC)
		}
		if err := s.Verify(v.MAC, body); err != nil {
			t.Errorf("%s: Verify(golden) = %v", v.File, err)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	s := testSigner(t)
	body := []byte(`{"a":1}`)
	good := s.MAC(body)
	flipped := good[:len(good)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[len(good)-1])+1)%16])
	cases := []struct {
		header string
		want   error
	}{
		{good, nil},
		{strings.ToUpper(good[:len(MACScheme)]) + good[len(MACScheme):], ErrMACMalformed},
		{MACScheme + strings.ToUpper(good[len(MACScheme):]), nil},
		{"  " + good + " ", nil},
		{"", ErrMACMissing},
		{"   ", ErrMACMissing},
		{flipped, ErrMACMismatch},
		{good[:len(good)-2], ErrMACMalformed},
		{MACScheme, ErrMACMalformed},
		{"sha256=" + good[len(MACScheme):], ErrMACMalformed},
		{good[len(MACScheme):], ErrMACMalformed},
		{MACScheme + strings.Repeat("zz", 32), ErrMACMalformed},
	}
	for _, c := range cases {
		err := s.Verify(c.header, body)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Verify(%q) = %v, want %v", c.header, err, c.want)
		}
	}
	other := testSigner(t, "other")
	if err := other.Verify(good, body); !errors.Is(err, ErrMACMismatch) {
		t.Errorf("another secret verified: %v", err)
	}
}

func TestSignerNeverPrintsItsSecret(t *testing.T) {
	const secret = "very-distinctive-secret-4242"
	s := testSigner(t, secret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, s); strings.Contains(out, secret) {
			t.Errorf("%s printed the secret: %s", format, out)
		}
	}
	if out := fmt.Sprintf("%v %+v", struct{ S *Signer }{s}, []*Signer{s}); strings.Contains(out, secret) {
		t.Errorf("a Signer inside a value printed the secret: %s", out)
	}
	if _, err := NewSigner(nil); !errors.Is(err, ErrEmptySecret) {
		t.Errorf("empty secret accepted: %v", err)
	}
}

func TestSignerIsSafeForConcurrentUse(t *testing.T) {
	s := testSigner(t)
	want := s.MAC([]byte("body"))
	done := make(chan string)
	for range 8 {
		go func() {
			var got string
			for range 200 {
				got = s.MAC([]byte("body"))
				if got != want {
					break
				}
			}
			done <- got
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Fatalf("concurrent MAC = %s, want %s", got, want)
		}
	}
}

func FuzzParseMAC(f *testing.F) {
	s := testSigner(f)
	f.Add(s.MAC([]byte("x")))
	f.Add("")
	f.Add(MACScheme)
	f.Add("hmac-sha256=" + strings.Repeat("g", 64))
	f.Add("HMAC-SHA256=00")
	f.Fuzz(func(t *testing.T, header string) {
		raw, err := ParseMAC(header)
		if err == nil && len(raw) != 32 {
			t.Fatalf("ParseMAC(%q) gave %d bytes without error", header, len(raw))
		}
		if err != nil && !errors.Is(err, ErrMACMalformed) && !errors.Is(err, ErrMACMissing) {
			t.Fatalf("ParseMAC(%q) = unclassified error %v", header, err)
		}
		if err := s.Verify(header, []byte("x")); err == nil && header != "" {
			if _, perr := ParseMAC(header); perr != nil {
				t.Fatalf("Verify accepted a header ParseMAC rejects: %q", header)
			}
		}
	})
}
