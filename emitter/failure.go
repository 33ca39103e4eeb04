package emitter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// FailureClass names why a delivery got no usable answer. Reports, the
// conformance suite and the load generator count and judge failures by
// class, so each class is a distinct thing for a receiver's owner to fix.
type FailureClass string

// Failure classes. An empty class means an HTTP answer arrived; whether its
// status is a success is a separate question (see Attempt.OK).
const (
	// FailTimeout is a receiver that connected but did not answer in full
	// before the deadline.
	FailTimeout FailureClass = "timeout"
	// FailConnect is a connection that was not made within the deadline:
	// the host does not answer at all (a firewall, a wrong address).
	FailConnect FailureClass = "connect_timeout"
	// FailRefused is a host with nothing listening on the port.
	FailRefused FailureClass = "refused"
	// FailReset is a connection closed before a full answer.
	FailReset FailureClass = "reset"
	// FailTLS is a certificate not trusted, or a handshake that failed.
	FailTLS FailureClass = "tls"
	// FailDNS is a host name that does not resolve.
	FailDNS FailureClass = "dns"
	// FailTooLarge is an answer whose headers or body exceed the cap.
	FailTooLarge FailureClass = "too_large"
	// FailProtocol is an answer that is not HTTP.
	FailProtocol FailureClass = "protocol"
	// FailCanceled is a delivery stopped by its caller, not the receiver's
	// fault; it is never retried.
	FailCanceled FailureClass = "canceled"
	// FailOther is any failure the classes above do not name.
	FailOther FailureClass = "error"
)

// FailureClasses returns every failure class, in the order declared above,
// so that a caller keeping counts per class (a load generator's fixed
// counters, a report's table) covers each one without listing them itself
// and falling out of step when one is added.
func FailureClasses() []FailureClass {
	return []FailureClass{
		FailTimeout, FailConnect, FailRefused, FailReset, FailTLS,
		FailDNS, FailTooLarge, FailProtocol, FailCanceled, FailOther,
	}
}

// classify turns a transport error into a class and a one-line message that
// says what to check. ctx is the attempt's deadline, parent the caller's
// context: only the parent's end is a cancellation.
func (c *Client) classify(ctx, parent context.Context, err error) (FailureClass, string) {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	text := err.Error()
	switch {
	case parent.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return FailCanceled, "delivery canceled"
	case errors.As(err, &dnsErr):
		return FailDNS, fmt.Sprintf("cannot resolve %q: check the host name in the URL", dnsErr.Name)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return FailTimeout, fmt.Sprintf("no complete answer within %v: the receiver must answer before the deadline (--timeout)", c.timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return FailRefused, "connection refused: is the receiver running and listening on that port?"
	case errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &certErr):
		return FailTLS, "TLS certificate not trusted (" + oneLine(text) + "): fix the certificate, pass --ca-cert FILE, or --insecure for a self-signed staging endpoint"
	case strings.Contains(text, "server gave HTTP response to HTTPS client"):
		return FailTLS, "the receiver answered in plain HTTP to an https:// URL: use http:// for it"
	case errors.As(err, &recErr), strings.Contains(text, "tls:"):
		return FailTLS, "TLS handshake failed (" + oneLine(text) + ")"
	case strings.Contains(text, "server response headers exceeded"):
		return FailTooLarge, fmt.Sprintf("the answer's headers are over %d bytes", c.bodyCap)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return FailReset, "the receiver closed the connection before a full answer (if it serves HTTPS, the URL must start with https://)"
	case strings.Contains(text, "malformed HTTP"), strings.Contains(text, "HTTP/1.x transport connection broken"):
		return FailProtocol, "the answer is not HTTP (" + oneLine(text) + ")"
	default:
		return FailOther, oneLine(text)
	}
}

// isTimeout reports whether err is a network timeout that the attempt's
// context did not see, such as a dial or TLS handshake deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// maxErrorText bounds the transport error quoted in a message, so that a
// message stays one readable line.
const maxErrorText = 300

// oneLine fits a transport error's text into a one-line message.
func oneLine(s string) string {
	return humanize.Clip(strings.ReplaceAll(s, "\n", " "), maxErrorText)
}
