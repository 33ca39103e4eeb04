package emitter

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// The one-line messages of the failure classes. Every sender (Client, the
// load generator's) words a class's failure with these, so that a
// receiver's owner reads the same advice whichever command sent the event,
// and a message is fixed in one place.

// CanceledMessage is FailCanceled's message.
const CanceledMessage = "delivery canceled"

// RefusedMessage is FailRefused's message.
const RefusedMessage = "connection refused: is the receiver running and listening on that port?"

// ResetMessage is FailReset's message: a receiver serving HTTPS that was
// sent plain HTTP closes the connection, hence the hint.
const ResetMessage = "the receiver closed the connection before a full answer (if it serves HTTPS, the URL must start with https://)"

// TimeoutMessage is FailTimeout's message for a receiver that connected
// but did not answer within timeout.
func TimeoutMessage(timeout time.Duration) string {
	return fmt.Sprintf("no complete answer within %v: the receiver must answer before the deadline (--timeout)", timeout)
}

// ConnectMessage is FailConnect's message for a connection not made within
// timeout.
func ConnectMessage(timeout time.Duration) string {
	return fmt.Sprintf("no connection within %v: check the host and port in the URL, and any firewall between", timeout)
}

// DNSMessage is FailDNS's message for host.
func DNSMessage(host string) string {
	return fmt.Sprintf("cannot resolve %q: check the host name in the URL", host)
}

// BodyTooLargeMessage is FailTooLarge's message for an answer's body over
// limit bytes.
func BodyTooLargeMessage(limit int64) string {
	return fmt.Sprintf("the answer's body is over %d bytes: a webhook should answer with a short body", limit)
}

// HeadersTooLargeMessage is FailTooLarge's message for an answer's headers
// over limit bytes.
func HeadersTooLargeMessage(limit int64) string {
	return fmt.Sprintf("the answer's headers are over %d bytes", limit)
}

// ProtocolMessage is FailProtocol's message for err, the parser's error.
func ProtocolMessage(err error) string { return "the answer is not HTTP (" + ErrorLine(err) + ")" }

// ClassifyTLS returns FailTLS and what to do when err is a TLS failure: a
// certificate not trusted, a receiver that answered an https:// URL in
// plain HTTP, a handshake that failed. ok is false for any other error.
func ClassifyTLS(err error) (class FailureClass, msg string, ok bool) {
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	text := err.Error()
	switch {
	case errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &certErr):
		return FailTLS, "TLS certificate not trusted (" + ErrorLine(err) + "): fix the certificate, pass --ca-cert FILE, or --insecure for a self-signed staging endpoint", true
	// net/http says so in words; a sender that reads crypto/tls's error
	// finds the answer's first bytes in it.
	case strings.Contains(text, "server gave HTTP response to HTTPS client"),
		errors.As(err, &recErr) && string(recErr.RecordHeader[:]) == "HTTP/":
		return FailTLS, "the receiver answered in plain HTTP to an https:// URL: use http:// for it", true
	case errors.As(err, &recErr), strings.Contains(text, "tls:"):
		return FailTLS, "TLS handshake failed (" + ErrorLine(err) + ")", true
	}
	return "", "", false
}

// DNSFailure returns FailDNS's message when err is a failure to resolve a
// host name.
func DNSFailure(err error) (msg string, ok bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return DNSMessage(dnsErr.Name), true
	}
	return "", false
}

// IsTimeout reports whether err says a deadline passed: every net.Error
// that says so, and any other error with a Timeout method (fasthttp's).
func IsTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// maxErrorText bounds the transport error quoted in a message, so that a
// message stays one readable line.
const maxErrorText = 300

// ErrorLine is err's text fit to quote in a one-line message: newlines
// made spaces, cut at 300 bytes.
func ErrorLine(err error) string { return oneLine(err.Error()) }

// oneLine fits a transport error's text into a one-line message.
func oneLine(s string) string {
	return humanize.Clip(strings.ReplaceAll(s, "\n", " "), maxErrorText)
}
