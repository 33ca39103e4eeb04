package load

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
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// FailTooManyOpenFiles is a connection the generator could not open
// because its process ran out of file descriptors: the generator's limit,
// not the receiver's fault, so it has a class of its own rather than
// emitter.FailOther.
const FailTooManyOpenFiles emitter.FailureClass = "too_many_open_files"

// failed records an attempt that got no answer. connected is set when the
// error came after a connection was made.
func (s *HTTPSender) failed(ctx context.Context, start time.Time, err error, connected bool) emitter.Attempt {
	var de *dialError
	if errors.As(err, &de) {
		connected = de.tcpUp
	}
	class, msg := s.classify(ctx, err, start)
	if class == emitter.FailTimeout && !connected {
		class, msg = emitter.FailConnect, fmt.Sprintf("no connection within %v: check the host and port in the URL, and any firewall between", s.timeout)
		if de == nil { // waited for one of the sender's own connections
			class, msg = emitter.FailTimeout, fmt.Sprintf("no free connection within %v: allow as many connections as the concurrency", s.timeout)
		}
	}
	return emitter.Attempt{Latency: time.Since(start), Class: class, Message: msg}
}

// classify turns a fasthttp or dial error into emitter's class for it,
// with the same one-line message that says what to check, in the same
// order of tests as emitter.Client's.
func (s *HTTPSender) classify(ctx context.Context, err error, start time.Time) (emitter.FailureClass, string) {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	var small *fasthttp.ErrSmallBuffer
	text := err.Error()
	switch {
	case ctx.Err() != nil:
		return emitter.FailCanceled, "delivery canceled"
	case errors.As(err, &dnsErr):
		return emitter.FailDNS, fmt.Sprintf("cannot resolve %q: check the host name in the URL", dnsErr.Name)
	case isTimeout(err) || errors.Is(err, fasthttp.ErrNoFreeConns) || time.Since(start) >= s.timeout:
		return emitter.FailTimeout, fmt.Sprintf("no complete answer within %v: the receiver must answer before the deadline (--timeout)", s.timeout)
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return FailTooManyOpenFiles, tooManyOpenFiles()
	case errors.Is(err, syscall.ECONNREFUSED):
		return emitter.FailRefused, "connection refused: is the receiver running and listening on that port?"
	case errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &certErr):
		return emitter.FailTLS, "TLS certificate not trusted (" + oneLine(text) + "): fix the certificate, pass --ca-cert FILE, or --insecure for a self-signed staging endpoint"
	case errors.As(err, &recErr) && string(recErr.RecordHeader[:]) == "HTTP/":
		return emitter.FailTLS, "the receiver answered in plain HTTP to an https:// URL: use http:// for it"
	case errors.As(err, &recErr), strings.Contains(text, "tls:"):
		return emitter.FailTLS, "TLS handshake failed (" + oneLine(text) + ")"
	case errors.As(err, &small):
		return emitter.FailTooLarge, fmt.Sprintf("the answer's headers are over %d bytes", s.headerCap)
	case isReset(err):
		return emitter.FailReset, "the receiver closed the connection before a full answer (if it serves HTTPS, the URL must start with https://)"
	case strings.Contains(text, "error when reading response headers"), strings.Contains(text, "error when reading response trailer"),
		strings.Contains(text, "chunk"), strings.Contains(text, "content-length"), strings.Contains(text, "transfer-encoding"):
		return emitter.FailProtocol, "the answer is not HTTP (" + oneLine(text) + ")"
	default:
		return emitter.FailOther, oneLine(text)
	}
}

// isTimeout reports a deadline missed: fasthttp's ErrTimeout and every
// net.Error that says so.
func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// isReset reports a connection that ended before a full answer.
func isReset(err error) bool {
	for _, target := range []error{syscall.ECONNRESET, syscall.EPIPE, io.EOF, io.ErrUnexpectedEOF, fasthttp.ErrConnectionClosed, net.ErrClosed} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// isStale reports the error of a request sent on a kept-alive connection
// that its receiver had closed: sending failed, or the connection ended
// before the answer's first byte (fasthttp returns io.EOF then, and only
// then).
func isStale(err error) bool {
	var we *writeError
	if errors.As(err, &we) {
		return isReset(we.err)
	}
	return err == io.EOF
}

// tooManyOpenFiles says which limit the generator hit and what to do.
func tooManyOpenFiles() string {
	msg := "the generator ran out of file descriptors (too many open files)"
	if soft, hard, ok := OpenFileLimit(); ok {
		msg += fmt.Sprintf(": its limit is %d (hard limit %d)", soft, hard)
	}
	return msg + ": lower --concurrency, or raise the limit with 'ulimit -n' before the run"
}

// maxErrorText bounds the transport error quoted in a message, as emitter
// does.
const maxErrorText = 300

// oneLine fits a transport error's text into a one-line message.
func oneLine(s string) string {
	return humanize.Clip(strings.ReplaceAll(s, "\n", " "), maxErrorText)
}
