package emitter

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
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
	text := err.Error()
	dnsMsg, isDNS := DNSFailure(err)
	tlsClass, tlsMsg, isTLS := ClassifyTLS(err)
	switch {
	case parent.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return FailCanceled, CanceledMessage
	case isDNS:
		return FailDNS, dnsMsg
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || IsTimeout(err):
		return FailTimeout, TimeoutMessage(c.timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return FailRefused, RefusedMessage
	case isTLS:
		return tlsClass, tlsMsg
	case strings.Contains(text, "server response headers exceeded"):
		return FailTooLarge, HeadersTooLargeMessage(c.bodyCap)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return FailReset, ResetMessage
	case strings.Contains(text, "malformed HTTP"), strings.Contains(text, "HTTP/1.x transport connection broken"):
		return FailProtocol, ProtocolMessage(err)
	default:
		return FailOther, ErrorLine(err)
	}
}
