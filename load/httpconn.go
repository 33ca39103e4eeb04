package load

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// newTLSConfig builds the TLS settings of WithInsecureTLS and WithCACert
// with emitter.TLSConfig, the one reading of them (a CA file is read, and
// refused when it holds no certificate, whatever the URL's scheme), for
// the handshake that dial makes itself; nil for an http:// URL.
func newTLSConfig(u *url.URL, cfg httpConfig) (*tls.Config, error) {
	conf, err := emitter.TLSConfig(cfg.caFile, cfg.insecure)
	if err != nil || u.Scheme != "https" {
		return nil, err
	}
	conf.ServerName, conf.NextProtos = u.Hostname(), []string{"http/1.1"}
	return conf, nil
}

// dialError is a failure to connect: tcpUp is set when the TCP connection
// was made and the TLS handshake failed, which makes a deadline missed
// there a timeout of the receiver's rather than a host that never
// answered.
type dialError struct {
	err   error
	tcpUp bool
}

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// dial is the HostClient's dialer: TCP, then the TLS handshake for an
// https:// URL, within timeout (the sender's when fasthttp gives none, as
// it does when it dials for a request waiting for a connection), so that
// every failure to connect is a dialError and fasthttp makes no handshake
// of its own.
func (s *HTTPSender) dial(addr string, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = s.timeout
	}
	deadline := time.Now().Add(timeout)
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, &dialError{err: err}
	}
	if s.tlsConf != nil {
		tc := tls.Client(conn, s.tlsConf)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err = tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, &dialError{err: err, tcpUp: true}
		}
		conn = tc
	}
	tc := s.conns.add(conn)
	if c, ok := conn.(*net.TCPConn); ok && rawSyscalls {
		tc.raw, _ = c.SyscallConn()
	}
	return tc, nil
}

// trackedConn is a connection of the sender's, with the cancellation watch
// of the request using it, if any, and for plain TCP what exchange needs.
type trackedConn struct {
	net.Conn
	set   *connSet
	watch atomic.Pointer[watch]
	once  sync.Once
	rawExchange
}

// Close closes the connection and forgets it.
func (c *trackedConn) Close() error {
	c.once.Do(func() { c.set.remove(c) })
	return c.Conn.Close()
}

// connSet holds the sender's open connections, so that a canceled context
// can end the requests in flight on them: fasthttp takes no context.
type connSet struct {
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (cs *connSet) add(conn net.Conn) *trackedConn {
	tc := &trackedConn{Conn: conn, set: cs}
	cs.mu.Lock()
	if cs.conns == nil {
		cs.conns = map[*trackedConn]struct{}{}
	}
	cs.conns[tc] = struct{}{}
	cs.mu.Unlock()
	return tc
}

func (cs *connSet) remove(tc *trackedConn) {
	cs.mu.Lock()
	delete(cs.conns, tc)
	cs.mu.Unlock()
}

// watch stands for one context whose end the sender watches. A load run
// sends every event with the same context, so the sender registers one
// context.AfterFunc for the run rather than one for each request, which
// would take the context's lock twice a request.
type watch struct {
	done <-chan struct{}
}

// watch returns the watch of ctx, registering it the first time ctx is
// seen; nil for a context that never ends. Watches are kept, by their
// context's Done channel, until their context ends.
func (s *HTTPSender) watch(ctx context.Context) *watch {
	done := ctx.Done()
	if done == nil {
		return nil
	}
	if w := s.watched.Load(); w != nil && w.done == done {
		return w
	}
	w := &watch{done: done}
	if old, loaded := s.watches.LoadOrStore(done, w); loaded {
		w = old.(*watch)
	} else {
		context.AfterFunc(ctx, func() {
			s.abort(w)
			s.watches.Delete(done)
		})
	}
	s.watched.Store(w)
	return w
}

// abort ends the requests in flight under w: a deadline in the past makes
// their reads and writes return at once.
func (s *HTTPSender) abort(w *watch) {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	for tc := range s.conns.conns {
		if tc.watch.Load() == w {
			tc.SetDeadline(time.Unix(1, 0))
		}
	}
}
