// Package forgery is the one home of the ways a delivery's signature is got
// wrong on purpose. A scenario step's `mac:` fault and the conformance
// suite's signature specs both draw on this vocabulary, so a forgery
// written here is at once available to QA's YAML and to the suite.
//
// A forgery changes only the X-WMS-Content-MAC header: the body is left as
// it was signed. A body changed after signing (Tampered) is the one forgery
// that needs a second body, because only the caller knows how to change an
// event so that it still reads as one.
package forgery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/suggest"
)

// Kind names one forgery. Its string is the name a scenario gives in
// `mac:`; the zero value signs correctly.
type Kind string

// The forgeries. Each is one way a receiver that verifies carelessly lets
// an attacker through.
const (
	Valid Kind = ""
	// WrongSecret signs with a secret that is not the Config ID's.
	WrongSecret Kind = "wrong-secret"
	// None sends no header at all.
	None Kind = "none"
	// Empty sends the header with an empty value.
	Empty Kind = "empty"
	// Malformed sends the correct digest without its "hmac-sha256="
	// scheme, which a verifier must refuse rather than guess.
	Malformed Kind = "malformed"
	// SchemeOnly sends the scheme and no digest.
	SchemeOnly Kind = "scheme-only"
	// SchemeSHA256 puts the correct digest behind "sha256=".
	SchemeSHA256 Kind = "scheme-sha256"
	// SchemeSHA1 puts the correct digest behind "hmac-sha1=".
	SchemeSHA1 Kind = "scheme-hmac-sha1"
	// FirstDigit changes the digest's first hex digit.
	FirstDigit Kind = "first-digit"
	// LastDigit changes the digest's last hex digit.
	LastDigit Kind = "last-digit"
	// Truncated cuts the digest to its first 32 hex digits, which a
	// verifier that compares only a prefix would accept.
	Truncated Kind = "truncated"
	// EmptyKey is a well-formed MAC made with the empty secret: anyone
	// can compute it, and a receiver whose secret falls back to "" when
	// its environment variable is missing accepts it.
	EmptyKey Kind = "empty-key"
	// EmptyBody is the right secret's MAC of the empty body, sent with a
	// real one: what a receiver computes when its raw body was consumed by
	// a parser before it verifies.
	EmptyBody Kind = "empty-body"
	// OtherEvent is the right secret's MAC of another event of the same
	// session: a receiver that remembers MACs it has verified, or trusts a
	// session once one of its events verified, accepts it. Header alone
	// signs the next event of the body's session (see Sibling); a caller
	// that has sent an earlier event passes its body to Tampered instead.
	OtherEvent Kind = "other-event"
)

// Info describes a forgery for people: in a delivery's fault label, in a
// failure message, and in the schema reference.
type Info struct {
	Kind Kind
	// Label is a few words for a delivery's fault ("wrong secret").
	Label string
	// Accepted is the sentence for a receiver that took it: what was sent.
	Accepted string
	// Causes are the likely causes of a receiver taking it, the likeliest
	// first: a failure message says what was observed, then these, since
	// more than one defect lets the same forgery through.
	Causes string
}

// noVerify is the cause every forgery shares: a receiver that does not
// verify at all takes them all.
const noVerify = "the receiver does not verify the MAC at all"

var kinds = []Info{
	{WrongSecret, "wrong secret", "An event signed with a secret other than the Config ID's was accepted.",
		noVerify + ", or it verifies with a hard-coded test secret or another Config ID's"},
	{None, "no MAC", "An event without the " + emitter.HeaderMAC + " header was accepted.",
		"verification is skipped when the header is absent (`if (header) verify()`), or " + noVerify},
	{Empty, "empty MAC", "An event with an empty " + emitter.HeaderMAC + " header was accepted.",
		"verification is skipped when the header is empty, or " + noVerify},
	{Malformed, "malformed MAC", fmt.Sprintf("An event whose MAC header had the right digest without the scheme %q was accepted.", emitter.MACScheme),
		"the code takes whatever follows the last '=' (or the whole value) as the digest, or " + noVerify},
	{SchemeOnly, "MAC without digest", "An event whose MAC header held the scheme and no digest was accepted.",
		"the digest is compared as a prefix (`expected.startsWith(got)`) or up to the shorter length, or " + noVerify},
	{SchemeSHA256, "MAC scheme sha256=", fmt.Sprintf("An event whose MAC header had the right digest behind the scheme %q instead of %q was accepted.", "sha256=", emitter.MACScheme),
		"the scheme is ignored and only what follows '=' is compared, or " + noVerify},
	{SchemeSHA1, "MAC scheme hmac-sha1=", fmt.Sprintf("An event whose MAC header had the right digest behind the scheme %q instead of %q was accepted.", "hmac-sha1=", emitter.MACScheme),
		"the scheme is ignored and only what follows '=' is compared, or " + noVerify},
	{FirstDigit, "MAC digit 1 changed", "An event whose MAC had hex digit 1 of 64 changed was accepted.",
		"only part of the digest is compared, or " + noVerify},
	{LastDigit, "MAC digit 64 changed", "An event whose MAC had hex digit 64 of 64 changed was accepted.",
		"only part of the digest is compared, or " + noVerify},
	{Truncated, "truncated MAC", "An event whose MAC was cut to its first 32 hex digits was accepted.",
		"the digest is compared as a prefix (`expected.startsWith(got)`) or up to the shorter length, or " + noVerify},
	{EmptyKey, "MAC with the empty key", "An event whose MAC was made with an empty secret was accepted.",
		"the receiver falls back to an empty secret when its own is missing (`process.env.WMS_MAC_SECRET || ''`, an unset variable), or it also tries an empty key, or " + noVerify},
	{EmptyBody, "MAC of the empty body", "An event carrying the MAC of an empty body was accepted.",
		"the receiver verifies a body it no longer has (a JSON parser consumed the raw body, so an empty one is hashed), or " + noVerify},
	{OtherEvent, "MAC of another event", "An event carrying the MAC of another event of its session was accepted.",
		"the receiver remembers MACs it has verified and takes a known one without hashing this body (a MAC used as the deduplication key, looked up before verifying), or it trusts a session once one of its events verified, or " + noVerify},
}

// Kinds lists every forgery, in the order the schema reference gives them.
func Kinds() []Info { return slices.Clone(kinds) }

// Names lists the names a scenario may give in `mac:`.
func Names() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k.Kind)
	}
	return names
}

// Parse returns the forgery a scenario names, or an error that lists the
// names and suggests the nearest.
func Parse(name string) (Kind, error) {
	if k := Kind(name); k.Info().Kind == k && k != Valid {
		return k, nil
	}
	msg := fmt.Sprintf("unknown MAC forgery %q: want one of %s", name, strings.Join(Names(), ", "))
	if near := suggest.Closest(name, Names()); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return Valid, errors.New(msg)
}

// Info describes k; the zero Info for an unknown kind or Valid.
func (k Kind) Info() Info {
	for _, i := range kinds {
		if i.Kind == k {
			return i
		}
	}
	return Info{}
}

// A Forger forges headers for one Config ID's secret. It is safe for
// concurrent use.
type Forger struct {
	right, other *emitter.Signer
}

// New returns a Forger for the signer of the Config ID's secret.
func New(right *emitter.Signer) *Forger {
	return &Forger{right: right, other: OtherSigner(right)}
}

// Header returns the X-WMS-Content-MAC value that k sends for body, and
// false when k sends no header at all.
func (f *Forger) Header(k Kind, body []byte) (string, bool) {
	switch k {
	case None:
		return "", false
	case Empty:
		return "", true
	case WrongSecret:
		return f.other.MAC(body), true
	case EmptyKey:
		return EmptyKeyMAC(body), true
	case EmptyBody:
		return f.right.MAC(nil), true
	case OtherEvent:
		return f.right.MAC(Sibling(body)), true
	}
	mac := f.right.MAC(body)
	digest := mac[len(emitter.MACScheme):]
	switch k {
	case Malformed:
		return digest, true
	case SchemeOnly:
		return emitter.MACScheme, true
	case SchemeSHA256:
		return "sha256=" + digest, true
	case SchemeSHA1:
		return "hmac-sha1=" + digest, true
	case FirstDigit:
		return ChangeDigit(mac, 0), true
	case LastDigit:
		return ChangeDigit(mac, len(digest)-1), true
	case Truncated:
		return mac[:len(emitter.MACScheme)+len(digest)/2], true
	}
	return mac, true
}

// Request is a POST of body with the header k sends.
func (f *Forger) Request(k Kind, body []byte) emitter.Request {
	h := http.Header{}
	if v, ok := f.Header(k, body); ok {
		h[emitter.HeaderMAC] = []string{v}
	}
	return emitter.Request{Body: body, Header: h}
}

// Tampered is a POST of sent under the valid MAC of signed: a body changed
// after signing, which only a receiver that verifies the bytes it received
// refuses.
func (f *Forger) Tampered(signed, sent []byte) emitter.Request {
	return WithMAC(sent, f.right.MAC(signed))
}

// WithMAC is a POST of body with the given header value, as it stands.
func WithMAC(body []byte, mac string) emitter.Request {
	return emitter.Request{Body: body, Header: http.Header{emitter.HeaderMAC: {mac}}}
}

// ChangeDigit changes the hex digit at i of a header value's digest to the
// next one, so that the header stays well formed.
func ChangeDigit(mac string, i int) string {
	digest := []byte(strings.TrimPrefix(mac, emitter.MACScheme))
	const hex = "0123456789abcdef"
	digest[i] = hex[(strings.IndexByte(hex, digest[i])+1)%16]
	return emitter.MACScheme + string(digest)
}

// OtherSigner returns a signer whose MACs differ from right's: the secret
// of some other Config ID.
func OtherSigner(right *emitter.Signer) *emitter.Signer {
	probe := []byte(`{"probe":true}`)
	for i := 0; ; i++ {
		s, err := emitter.NewSigner(fmt.Appendf(nil, "wms-mock: not the Config ID's secret #%d", i))
		if err == nil && s.MAC(probe) != right.MAC(probe) {
			return s
		}
	}
}

// EmptyKeyMAC is the header value of body's HMAC-SHA256 with the empty
// key, which emitter.NewSigner refuses to make: the MAC anyone can compute.
func EmptyKeyMAC(body []byte) string {
	h := hmac.New(sha256.New, nil)
	h.Write(body)
	return emitter.MACScheme + hex.EncodeToString(h.Sum(nil))
}

// sequenceKey starts the envelope's sequence; it comes before the payload,
// so its first occurrence is the envelope's own.
var sequenceKey = []byte(`"sequence":`)

// Sibling is another event of body's session: body with its envelope
// sequence one higher, or, for a body without one, body and a space. Its
// MAC is one a receiver may have verified before, and never body's.
func Sibling(body []byte) []byte {
	i := bytes.Index(body, sequenceKey)
	if i < 0 {
		return append(slices.Clip(body), ' ')
	}
	start := i + len(sequenceKey)
	end := start
	for end < len(body) && body[end] >= '0' && body[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(string(body[start:end]), 10, 64)
	if err != nil {
		return append(slices.Clip(body), ' ')
	}
	out := make([]byte, 0, len(body)+1)
	out = append(out, body[:start]...)
	out = strconv.AppendInt(out, n+1, 10)
	return append(out, body[end:]...)
}
