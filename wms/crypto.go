package wms

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The wire formats of the call-in and the callback. PROFILE_DATA's
// encryption is the vendor's sample's; the two-way signature and the
// results encryption are not public, so their layout here is assumed
// (docs/wms.md says so) and kept in this one file.

// signatureSep joins the ciphertext and the two-way signature inside
// PROFILE_DATA. It is outside the base64 alphabet, so the split is
// unambiguous.
const signatureSep = "."

// EncryptProfile encrypts a profile's JSON as the vendor's sample does
// with Node's crypto.publicEncrypt(WMS_PUBLIC_KEY, buf): RSA-OAEP with
// SHA-1 (Node's default padding), then standard base64. The result still
// needs EncodeURIComponent before it goes into the path; CallInURL does
// that.
func EncryptProfile(wms *rsa.PublicKey, profileJSON []byte) (string, error) {
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, wms, profileJSON, nil)
	if err != nil {
		return "", fmt.Errorf("encrypt the profile: %w (a %d-bit key takes at most %d bytes of JSON)", err, wms.N.BitLen(), wms.Size()-2*sha1.Size-2)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// SignProfile adds the customer's two-way signature to an encrypted
// profile, in the form the mock assumes: PROFILE_DATA becomes
// base64(ciphertext) "." base64(signature), the signature RSASSA-PKCS1-v1_5
// with SHA-256 over the exact JSON bytes that were encrypted, which is what
// Node's crypto.sign("sha256", json, customerPrivateKey) makes.
func SignProfile(customer *rsa.PrivateKey, encrypted string, profileJSON []byte) (string, error) {
	sum := sha256.Sum256(profileJSON)
	sig, err := rsa.SignPKCS1v15(rand.Reader, customer, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign the profile: %w", err)
	}
	return encrypted + signatureSep + base64.StdEncoding.EncodeToString(sig), nil
}

// splitSignature separates a percent-decoded PROFILE_DATA into the
// ciphertext and the signature, each still base64.
func splitSignature(data string) (ct, sig string, signed bool) {
	return strings.Cut(data, signatureSep)
}

// decryptProfile undoes EncryptProfile. Its errors say which step failed,
// since each points at a different mistake in the customer's code.
func decryptProfile(key *rsa.PrivateKey, b64 string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if _, rawErr := base64.RawStdEncoding.DecodeString(b64); rawErr == nil {
			return nil, errors.New("PROFILE_DATA is base64 without its '=' padding: send the standard base64 that Buffer.toString('base64') gives")
		}
		if _, urlErr := base64.URLEncoding.DecodeString(b64); urlErr == nil {
			return nil, errors.New("PROFILE_DATA is URL-safe base64 ('-' and '_'): send standard base64, then encodeURIComponent")
		}
		return nil, errors.New("PROFILE_DATA is not standard base64 after percent-decoding: base64 the ciphertext, then encodeURIComponent it")
	}
	if len(ct) != key.Size() {
		return nil, fmt.Errorf("PROFILE_DATA decodes to %d bytes, want %d (one RSA-%d block): encrypt with the mock's public key from /mock/public-key.pem", len(ct), key.Size(), key.N.BitLen())
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil)
	if err != nil {
		return nil, errors.New("PROFILE_DATA does not decrypt with RSA-OAEP-SHA1: encrypt with crypto.publicEncrypt and the mock's public key from /mock/public-key.pem (not PKCS#1 v1.5 padding, not another key)")
	}
	return pt, nil
}

// verifyProfile checks a two-way signature over the profile's JSON.
func verifyProfile(customer *rsa.PublicKey, profileJSON []byte, sigB64 string) error {
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return errors.New("the profile's signature is not standard base64")
	}
	sum := sha256.Sum256(profileJSON)
	if rsa.VerifyPKCS1v15(customer, crypto.SHA256, sum[:], sig) != nil {
		return errors.New("the profile's signature does not verify with the customer's public key: sign the exact JSON that was encrypted, with crypto.sign(\"sha256\", json, privateKey)")
	}
	return nil
}

// EncryptedResults is the assumed layout of encrypted results: the JSON
// object whose standard base64 is the callback's results=VALUE. Key is the
// AES-256 key wrapped with RSA-OAEP-SHA256 for the customer's public key;
// Data is the results JSON sealed with AES-256-GCM (the 16-byte tag at its
// end) under IV; Sig is WMS's RSASSA-PKCS1-v1_5 SHA-256 signature over the
// ASCII of Key "." IV "." Data, so that the customer can check the origin
// with the public key at /mock/public-key.pem before decrypting. Every
// []byte is standard base64 in the JSON.
type EncryptedResults struct {
	Alg  string `json:"alg"`
	Enc  string `json:"enc"`
	Key  []byte `json:"key"`
	IV   []byte `json:"iv"`
	Data []byte `json:"data"`
	Sig  []byte `json:"sig"`
}

// The algorithm names EncryptedResults carries.
const (
	ResultsAlg = "RSA-OAEP-256"
	ResultsEnc = "A256GCM"
)

func (e *EncryptedResults) signedBytes() []byte {
	enc := base64.StdEncoding
	return []byte(enc.EncodeToString(e.Key) + "." + enc.EncodeToString(e.IV) + "." + enc.EncodeToString(e.Data))
}

// EncryptResults seals the results JSON for the customer and signs it with
// the WMS key, returning the callback's VALUE (see EncryptedResults).
func EncryptResults(customer *rsa.PublicKey, wms *rsa.PrivateKey, results []byte) (string, error) {
	aesKey := make([]byte, 32)
	iv := make([]byte, 12)
	rand.Read(aesKey)
	rand.Read(iv)
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, customer, aesKey, nil)
	if err != nil {
		return "", fmt.Errorf("wrap the results key: %w", err)
	}
	e := EncryptedResults{Alg: ResultsAlg, Enc: ResultsEnc, Key: wrapped, IV: iv, Data: gcm.Seal(nil, iv, results, nil)}
	sum := sha256.Sum256(e.signedBytes())
	if e.Sig, err = rsa.SignPKCS1v15(rand.Reader, wms, crypto.SHA256, sum[:]); err != nil {
		return "", fmt.Errorf("sign the results: %w", err)
	}
	out, err := json.Marshal(&e)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// DecryptResults checks the WMS signature of an encrypted results VALUE
// and returns the results JSON, as a customer's callback would.
func DecryptResults(value string, customer *rsa.PrivateKey, wms *rsa.PublicKey) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, errors.New("results: not standard base64")
	}
	var e EncryptedResults
	if err := json.Unmarshal(raw, &e); err != nil || e.Alg == "" {
		return nil, errors.New("results: not an encrypted results object")
	}
	if e.Alg != ResultsAlg || e.Enc != ResultsEnc {
		return nil, fmt.Errorf("results: alg %q enc %q, want %s and %s", e.Alg, e.Enc, ResultsAlg, ResultsEnc)
	}
	sum := sha256.Sum256(e.signedBytes())
	if rsa.VerifyPKCS1v15(wms, crypto.SHA256, sum[:], e.Sig) != nil {
		return nil, errors.New("results: the WMS signature does not verify: fetch the public key from /mock/public-key.pem")
	}
	aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, customer, e.Key, nil)
	if err != nil {
		return nil, errors.New("results: the key does not unwrap with this private key")
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(e.IV) != gcm.NonceSize() {
		return nil, fmt.Errorf("results: the IV has %d bytes, want %d", len(e.IV), gcm.NonceSize())
	}
	pt, err := gcm.Open(nil, e.IV, e.Data, nil)
	if err != nil {
		return nil, errors.New("results: the data does not open with AES-256-GCM")
	}
	return pt, nil
}
