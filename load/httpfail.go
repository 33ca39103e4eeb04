package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wmsmock/wms-mock/emitter"
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
		class, msg = emitter.FailConnect, emitter.ConnectMessage(s.timeout)
		if de == nil { // waited for one of the sender's own connections
			class, msg = emitter.FailTimeout, fmt.Sprintf("no free connection within %v: allow as many connections as the concurrency", s.timeout)
		}
	}
	return emitter.Attempt{Latency: time.Since(start), Class: class, Message: msg}
}

// classify turns a fasthttp or dial error into emitter's class for it,
// with emitter's message, in the same order of tests as emitter.Client's;
// what differs is how fasthttp says it (its errors, its buffer) and the
// class of the generator's own limit, FailTooManyOpenFiles.
func (s *HTTPSender) classify(ctx context.Context, err error, start time.Time) (emitter.FailureClass, string) {
	var small *fasthttp.ErrSmallBuffer
	text := err.Error()
	dnsMsg, isDNS := emitter.DNSFailure(err)
	tlsClass, tlsMsg, isTLS := emitter.ClassifyTLS(err)
	switch {
	case ctx.Err() != nil:
		return emitter.FailCanceled, emitter.CanceledMessage
	case isDNS:
		return emitter.FailDNS, dnsMsg
	case emitter.IsTimeout(err) || errors.Is(err, fasthttp.ErrNoFreeConns) || time.Since(start) >= s.timeout:
		return emitter.FailTimeout, emitter.TimeoutMessage(s.timeout)
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return FailTooManyOpenFiles, tooManyOpenFiles()
	case errors.Is(err, syscall.ECONNREFUSED):
		return emitter.FailRefused, emitter.RefusedMessage
	case isTLS:
		return tlsClass, tlsMsg
	case errors.As(err, &small):
		return emitter.FailTooLarge, emitter.HeadersTooLargeMessage(int64(s.headerCap))
	case isReset(err):
		return emitter.FailReset, emitter.ResetMessage
	case strings.Contains(text, "error when reading response headers"), strings.Contains(text, "error when reading response trailer"),
		strings.Contains(text, "chunk"), strings.Contains(text, "content-length"), strings.Contains(text, "transfer-encoding"):
		return emitter.FailProtocol, emitter.ProtocolMessage(err)
	default:
		return emitter.FailOther, emitter.ErrorLine(err)
	}
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

// tooManyOpenFiles is FailTooManyOpenFiles's message: which limit the
// generator hit and what to do, so that an attempt and a run's summary
// say it the same way.
func tooManyOpenFiles() string {
	msg := "the generator ran out of file descriptors (too many open files)"
	if soft, hard, ok := OpenFileLimit(); ok {
		msg += fmt.Sprintf(": its limit is %d (hard limit %d)", soft, hard)
	}
	return msg + ": lower --concurrency, or raise the limit with 'ulimit -n' before the run"
}
