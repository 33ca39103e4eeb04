package emitter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// HeaderMAC is the header WMS signs with, spelled as the vendor documents
// it. Go's Header.Set would canonicalise it to X-Wms-Content-Mac, so callers
// assign the map key directly.
const HeaderMAC = "X-WMS-Content-MAC"

// MACScheme prefixes the hex digest in HeaderMAC.
const MACScheme = "hmac-sha256="

// macHexLen is the length of a SHA-256 digest in hex.
const macHexLen = sha256.Size * 2

// Errors returned by Verify and ParseMAC, each for a distinct way a
// signature can be wrong so that receivers can log the cause.
var (
	ErrEmptySecret  = errors.New("no MAC secret: set WMS_MAC_SECRET or pass --secret-file FILE (or --secret, which shows in the process list)")
	ErrMACMissing   = errors.New("no " + HeaderMAC + " header")
	ErrMACMalformed = errors.New("malformed " + HeaderMAC + " header")
	ErrMACMismatch  = errors.New(HeaderMAC + " does not match the body")
)

// Signer computes and checks X-WMS-Content-MAC values for one secret. It is
// safe for concurrent use and reuses HMAC state across calls, since signing
// sits on the load generator's hot path.
//
// A Signer never reveals its secret: it formats as "Signer{secret:redacted}".
type Signer struct {
	secret []byte
	pool   sync.Pool
}

// NewSigner returns a Signer for secret. An empty secret is refused: WMS
// always assigns one, and an empty key would make every forgery pass.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) == 0 {
		return nil, ErrEmptySecret
	}
	key := append([]byte(nil), secret...)
	s := &Signer{secret: key}
	s.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	return s, nil
}

// macState is a reusable HMAC with room for its digest, so that signing
// allocates nothing.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// String hides the secret from fmt's %v and %s.
func (s *Signer) String() string { return "Signer{secret:redacted}" }

// GoString hides the secret from fmt's %#v.
func (s *Signer) GoString() string { return s.String() }

// AppendMAC appends the header value for body ("hmac-sha256=" and lowercase
// hex) to dst.
func (s *Signer) AppendMAC(dst, body []byte) []byte {
	st := s.digest(body)
	dst = append(dst, MACScheme...)
	dst = hex.AppendEncode(dst, st.sum[:])
	s.pool.Put(st)
	return dst
}

// digest computes the HMAC of body into a pooled state; the caller returns
// it to the pool.
func (s *Signer) digest(body []byte) *macState {
	st := s.pool.Get().(*macState)
	st.h.Reset()
	st.h.Write(body)
	st.h.Sum(st.sum[:0])
	return st
}

// MAC returns the header value for body.
func (s *Signer) MAC(body []byte) string {
	buf := make([]byte, 0, len(MACScheme)+macHexLen)
	return string(s.AppendMAC(buf, body))
}

// Verify checks a header value against body in constant time. An empty
// header is ErrMACMissing, a badly formed one ErrMACMalformed and a wrong
// digest ErrMACMismatch.
func (s *Signer) Verify(header string, body []byte) error {
	if header == "" {
		return ErrMACMissing
	}
	got, err := ParseMAC(header)
	if err != nil {
		return err
	}
	st := s.digest(body)
	equal := hmac.Equal(got, st.sum[:])
	s.pool.Put(st)
	if !equal {
		return ErrMACMismatch
	}
	return nil
}

// ParseMAC returns the digest in a header value. It accepts surrounding
// spaces and either case of hex, and nothing else: a missing scheme, another
// algorithm, or a digest of the wrong length is ErrMACMalformed.
func ParseMAC(header string) ([]byte, error) {
	v := strings.TrimSpace(header)
	if v == "" {
		return nil, ErrMACMissing
	}
	digest, ok := strings.CutPrefix(v, MACScheme)
	if !ok {
		return nil, fmt.Errorf("%w: want %q followed by %d hex digits", ErrMACMalformed, MACScheme, macHexLen)
	}
	if len(digest) != macHexLen {
		return nil, fmt.Errorf("%w: the digest has %d characters, want %d hex digits", ErrMACMalformed, len(digest), macHexLen)
	}
	raw, err := hex.DecodeString(digest)
	if err != nil {
		return nil, fmt.Errorf("%w: the digest is not hex", ErrMACMalformed)
	}
	return raw, nil
}
