package wms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKey(t *testing.T) {
	k := mockKey()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ec)
	ec8, _ := x509.MarshalPKCS8PrivateKey(ec)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	good := map[string][]byte{
		"pkcs1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}),
		"pkcs8": PrivateKeyPEM(k),
	}
	for name, data := range good {
		got, err := LoadKey(writePEM(t, name+".pem", data))
		if err != nil || !got.Equal(k) {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]struct {
		data []byte
		want string
	}{
		"empty":      {nil, "no PEM block"},
		"text":       {[]byte("not a key at all\n"), "no PEM block"},
		"public key": {PublicKeyPEM(&k.PublicKey), `"PUBLIC KEY", not a private key`},
		"EC key":     {pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}), `"EC PRIVATE KEY", not a private key`},
		"EC pkcs8":   {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ec8}), "not RSA"},
		"broken":     {pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")}), "does not parse"},
		"small":      {PrivateKeyPEM(small), "1024 bits, want at least 2048"},
	}
	for name, c := range bad {
		path := writePEM(t, "key.pem", c.data)
		_, err := LoadKey(path)
		if err == nil || !errors.Is(err, ErrNotRSAKey) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), path+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line naming the file and saying %q", name, err, c.want)
		}
	}
	if _, err := LoadKey(filepath.Join(t.TempDir(), "none.pem")); err == nil || errors.Is(err, ErrNotRSAKey) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

func TestWriteKeyPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	priv, pub, err := WriteKeyPair(dir, mockKey())
	if err != nil {
		t.Fatal(err)
	}
	k, err := LoadKey(priv)
	if err != nil || !k.Equal(mockKey()) {
		t.Errorf("reading the private key back: %v", err)
	}
	p, err := LoadPublicKey(pub)
	if err != nil || !p.Equal(&mockKey().PublicKey) {
		t.Errorf("reading the public key back: %v", err)
	}
	if st, _ := os.Stat(priv); st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	if _, _, err := WriteKeyPair(dir, customerKey()); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwriting: %v", err)
	}
	// A PKCS#1 public key reads too.
	der := x509.MarshalPKCS1PublicKey(&mockKey().PublicKey)
	if k, err := ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})); err != nil || !k.Equal(&mockKey().PublicKey) {
		t.Errorf("RSA PUBLIC KEY: %v", err)
	}
}
