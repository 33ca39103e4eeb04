package wms

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Key file names WriteKeyPair uses.
const (
	PrivateKeyFile = "wms-private.pem"
	PublicKeyFile  = "wms-public.pem"
)

// ErrNotRSAKey is wrapped by every key error about a file that holds no
// usable RSA key, so that a CLI can tell it from a file it cannot read.
var ErrNotRSAKey = errors.New("not an RSA key")

// GenerateKey returns a fresh KeyBits RSA key, the size WMS uses.
func GenerateKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, KeyBits) }

// LoadKey reads a PEM RSA private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8
// "PRIVATE KEY"). Its errors are one line naming the file and what to do.
func LoadKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file: %w", err)
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePrivateKey reads the first PEM block of data as an RSA private key
// of at least KeyBits bits.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	const hint = "pass a PEM RSA private key (PKCS#1 or PKCS#8), such as 'wms-mock wms keys --out DIR' writes, or leave --key out for a fresh key"
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block in the file: %s", ErrNotRSAKey, hint)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: the PEM block is %q, not a private key: %s", ErrNotRSAKey, block.Type, hint)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the %s block does not parse: %s", ErrNotRSAKey, block.Type, hint)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the key is a %T, not RSA: %s", ErrNotRSAKey, key, hint)
	}
	if rk.N.BitLen() < KeyBits {
		return nil, fmt.Errorf("%w: the key has %d bits, want at least %d (the profile JSON does not fit a smaller one): %s", ErrNotRSAKey, rk.N.BitLen(), KeyBits, hint)
	}
	return rk, nil
}

// LoadPublicKey reads a customer's PEM RSA public key (SPKI "PUBLIC KEY"
// or PKCS#1 "RSA PUBLIC KEY").
func LoadPublicKey(path string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the public key file: %w", err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePublicKey reads the first PEM block of data as an RSA public key.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	const hint = "want a PEM RSA public key (\"PUBLIC KEY\" or \"RSA PUBLIC KEY\")"
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block: %s", ErrNotRSAKey, hint)
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: the RSA PUBLIC KEY block does not parse: %s", ErrNotRSAKey, hint)
		}
		return k, nil
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: the PUBLIC KEY block does not parse: %s", ErrNotRSAKey, hint)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: the key is a %T: %s", ErrNotRSAKey, k, hint)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("%w: the PEM block is %q: %s", ErrNotRSAKey, block.Type, hint)
}

// PublicKeyPEM encodes pub as a PEM "PUBLIC KEY" (SPKI), the form Node's
// crypto.publicEncrypt takes as is.
func PublicKeyPEM(pub *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an *rsa.PublicKey always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// PrivateKeyPEM encodes key as a PEM "PRIVATE KEY" (PKCS#8).
func PrivateKeyPEM(key *rsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err) // an *rsa.PrivateKey always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// WriteKeyPair writes key to DIR/wms-private.pem (mode 0600) and its public
// half to DIR/wms-public.pem, creating DIR, so that a test setup keeps one
// pair across runs: the app under test encrypts with the public file and
// the mock starts with --key on the private one. It refuses to overwrite
// an existing private key.
func WriteKeyPair(dir string, key *rsa.PrivateKey) (privPath, pubPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	privPath, pubPath = filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	f, err := os.OpenFile(privPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return "", "", fmt.Errorf("%s exists: remove it, or pass another --out DIR", privPath)
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot write the private key: %w", err)
	}
	if _, err := f.Write(PrivateKeyPEM(key)); err != nil {
		f.Close()
		return "", "", fmt.Errorf("cannot write the private key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("cannot write the private key: %w", err)
	}
	if err := os.WriteFile(pubPath, PublicKeyPEM(&key.PublicKey), 0o644); err != nil {
		return "", "", fmt.Errorf("cannot write the public key: %w", err)
	}
	return privPath, pubPath, nil
}
