package load

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wmsmock/wms-mock/emitter"
)

// HTTPSender delivers a load run's requests over fasthttp's connection
// pool. It exists because on a 2-core machine, where the generator shares
// the CPU with the receiver it measures, net/http's client spent three
// times bombardier's CPU per event (pprof: a reader and a writer goroutine
// per connection and a channel hand-off between them and the caller, a
// context with a timer, a trace and a cloned header map per request): the
// generator's cost came out of the receiver's share. HTTPSender writes
// each request and reads its answer on the caller's goroutine, with pooled
// buffers, no context per request and, on plain TCP on Linux, one system
// call fewer per request, made raw (see rawExchange and rawWrite).
//
// It keeps emitter.Client's contract: headers sent as spelled (so
// X-WMS-Content-MAC stays as documented), Content-Type and User-Agent
// added when absent, one deadline per attempt, no redirect followed, the
// answer's status, latency, size and first 512 bytes recorded, and every
// failure given emitter's class for it. It makes no retries (load counts
// every failure), but sends again, on a new connection, a request whose
// kept-alive connection the receiver had closed while idle, since no
// answer was begun: net/http, which watches idle connections, would not
// have used that connection at all.
type HTTPSender struct {
	url       string
	hc        *fasthttp.HostClient
	host      string // the Host header
	path      string // the request URI: path and query
	auth      string // Authorization from the URL's user info, if any
	userAgent string
	// signedHead and authLine are what appendSigned sends around
	// Content-Length.
	signedHead, authLine string
	timeout              time.Duration
	bodyCap              int
	// headerCap is fasthttp's read buffer: answers whose headers do not fit
	// are too large.
	headerCap int
	tlsConf   *tls.Config // nil for http://
	conns     connSet
	// watches holds a watch for each context that Send was given and has
	// not ended, watched the latest one's.
	watches sync.Map
	watched atomic.Pointer[watch]
}

// MaxHeaderCap bounds the headers of an answer, and so the read buffer
// held by each request in flight: WithBodyCap's value when lower. A
// webhook's answer has a few hundred bytes of headers; net/http allows the
// body cap, but a buffer of 64 KiB for each of thousands of requests in
// flight would be the generator's largest use of memory.
const MaxHeaderCap = 16 << 10

// idleClose closes a kept-alive connection idle this long, before common
// servers close it themselves (gunicorn after 2 s, Node.js and uvicorn
// after 5 s), so that a slow open-model run seldom finds a connection that
// its receiver has closed.
const idleClose = time.Second

// ErrProxied is wrapped by NewHTTPSender when the environment (HTTP_PROXY,
// HTTPS_PROXY) routes the URL through a proxy, which only emitter.Client
// honours: send through it instead.
var ErrProxied = errors.New("the URL goes through the proxy")

// HTTPOption configures an HTTPSender. The options mirror emitter.Client's,
// so that `wms-mock load` gives both the same flags.
type HTTPOption func(*httpConfig)

type httpConfig struct {
	timeout  time.Duration
	bodyCap  int64
	maxConns int
	caFile   string
	insecure bool
}

// WithTimeout sets the deadline of each attempt, as emitter.WithTimeout:
// connecting, sending and reading the whole answer.
func WithTimeout(d time.Duration) HTTPOption { return func(c *httpConfig) { c.timeout = d } }

// WithBodyCap bounds how much of an answer is read, as emitter.WithBodyCap;
// the answer's headers are bounded by it too, up to MaxHeaderCap.
func WithBodyCap(n int64) HTTPOption { return func(c *httpConfig) { c.bodyCap = n } }

// WithMaxConns bounds the connections, which should match the concurrency:
// a request finding all of them busy waits for one, within its deadline.
func WithMaxConns(n int) HTTPOption { return func(c *httpConfig) { c.maxConns = n } }

// WithCACert trusts the PEM certificates in file besides the system roots,
// as emitter.WithCACert.
func WithCACert(file string) HTTPOption { return func(c *httpConfig) { c.caFile = file } }

// WithInsecureTLS skips certificate verification, as
// emitter.WithInsecureTLS.
func WithInsecureTLS() HTTPOption { return func(c *httpConfig) { c.insecure = true } }

// NewHTTPSender returns an HTTPSender for rawURL, an http:// or https://
// URL. As emitter.NewClient, it checks the URL and the options up front:
// its errors for a bad URL match emitter.ErrBadURL. It refuses a URL that
// the environment sends through a proxy (ErrProxied).
func NewHTTPSender(rawURL string, opts ...HTTPOption) (*HTTPSender, error) {
	cfg := httpConfig{timeout: emitter.DefaultTimeout, bodyCap: emitter.DefaultBodyCap, maxConns: emitter.DefaultMaxConns}
	for _, o := range opts {
		o(&cfg)
	}
	if err := emitter.CheckURL(rawURL); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", emitter.ErrBadURL, emitter.RedactURL(rawURL), err)
	}
	if p, _ := http.ProxyFromEnvironment(&http.Request{URL: u}); p != nil {
		return nil, fmt.Errorf("%w %s (HTTP_PROXY or HTTPS_PROXY)", ErrProxied, emitter.RedactURL(p.String()))
	}
	switch {
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("the delivery timeout must be positive, got %v", cfg.timeout)
	case cfg.bodyCap <= 0:
		return nil, fmt.Errorf("the body cap must be positive, got %d", cfg.bodyCap)
	case cfg.maxConns <= 0:
		return nil, fmt.Errorf("the connection limit must be positive, got %d", cfg.maxConns)
	}
	tlsConf, err := newTLSConfig(u, cfg)
	if err != nil {
		return nil, err
	}
	s := &HTTPSender{
		url: rawURL, host: u.Host, path: u.RequestURI(),
		userAgent: emitter.UserAgent,
		timeout:   cfg.timeout, bodyCap: int(min(cfg.bodyCap, math.MaxInt)),
		headerCap: int(max(min(cfg.bodyCap, MaxHeaderCap), 512)),
		tlsConf:   tlsConf,
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
	}
	s.signedHead, s.authLine = s.makeSignedHead()
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	s.hc = &fasthttp.HostClient{
		Addr:                          addr,
		DialTimeout:                   s.dial,
		MaxConns:                      cfg.maxConns,
		MaxConnWaitTimeout:            cfg.timeout,
		MaxIdleConnDuration:           idleClose,
		ConnPoolStrategy:              fasthttp.LIFO,
		ReadBufferSize:                s.headerCap,
		DisableHeaderNamesNormalizing: true,
		NoDefaultUserAgentHeader:      true,
	}
	return s, nil
}

// URL returns the webhook URL, with any credentials in it: print it through
// emitter.RedactURL.
func (s *HTTPSender) URL() string { return s.url }

// Timeout returns the deadline of each attempt.
func (s *HTTPSender) Timeout() time.Duration { return s.timeout }

// Close closes the idle connections, so that none outlives a run.
func (s *HTTPSender) Close() { s.hc.CloseIdleConnections() }

// exchanges pools a request and its answer.
var exchanges = sync.Pool{New: func() any { return &exchange{} }}

// exchange is one delivery's request, written out whole so that it leaves
// in one write, and its answer.
type exchange struct {
	head fasthttp.RequestHeader
	out  []byte
	resp fasthttp.Response
}

// Send delivers r once and records the attempt. It never returns an error:
// every failure is an Outcome with a class. Canceling ctx ends the attempt,
// and any other in flight with the same context, at once.
func (s *HTTPSender) Send(ctx context.Context, r emitter.Request) emitter.Outcome {
	x := exchanges.Get().(*exchange)
	s.build(x, r)
	a := s.attempt(ctx, x)
	x.head.Reset()
	x.resp.Reset()
	exchanges.Put(x)
	return emitter.Outcome{Attempt: a}
}

// SendSigned delivers one correctly signed POST of body with mac as its
// X-WMS-Content-MAC, as Send does the same request, without the header
// map an emitter.Request needs: a scenarios.Stream's event as it is.
func (s *HTTPSender) SendSigned(ctx context.Context, body, mac []byte) emitter.Outcome {
	x := exchanges.Get().(*exchange)
	x.out = appendSigned(s, x.out[:0], mac, body)
	a := s.attempt(ctx, x)
	x.head.Reset()
	x.resp.Reset()
	exchanges.Put(x)
	return emitter.Outcome{Attempt: a}
}

// build writes r out: the headers as spelled, with Host, Content-Type,
// User-Agent and Content-Length as net/http would add them.
func (s *HTTPSender) build(x *exchange, r emitter.Request) {
	if mac, ok := r.Header[emitter.HeaderMAC]; ok && len(r.Header) == 1 && len(mac) == 1 &&
		(r.Method == "" || r.Method == http.MethodPost) && strings.IndexByte(mac[0], '\r') < 0 && strings.IndexByte(mac[0], '\n') < 0 {
		x.out = appendSigned(s, x.out[:0], mac[0], r.Body)
		return
	}
	s.buildAny(x, r)
}

// appendSigned appends the request that nearly every delivery is, a POST
// with its MAC, from the head made once by makeSignedHead: the same bytes as
// buildAny's, in a tenth of the time.
func appendSigned[M string | []byte](s *HTTPSender, dst []byte, mac M, body []byte) []byte {
	dst = append(dst, s.signedHead...)
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, s.authLine...)
	dst = append(dst, emitter.HeaderMAC+": "...)
	dst = append(dst, mac...)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// makeSignedHead returns the request line and the headers that appendSigned
// sends before Content-Length, and the Authorization line that follows
// it, as fasthttp writes them.
func (s *HTTPSender) makeSignedHead() (head, auth string) {
	var h fasthttp.RequestHeader
	h.DisableNormalizing()
	h.SetMethod(http.MethodPost)
	h.SetRequestURI(s.path)
	h.SetHost(s.host)
	h.SetContentType("application/json")
	h.SetUserAgent(s.userAgent)
	head = strings.TrimSuffix(string(h.AppendBytes(nil)), "\r\n")
	if s.auth != "" {
		auth = "Authorization: " + s.auth + "\r\n"
	}
	return head, auth
}

// buildAny writes out any request.
func (s *HTTPSender) buildAny(x *exchange, r emitter.Request) {
	h := &x.head
	h.DisableNormalizing()
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	h.SetMethod(method)
	h.SetRequestURI(s.path)
	h.SetHost(s.host)
	if s.auth != "" {
		h.Set("Authorization", s.auth)
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if _, ok := r.Header["Content-Type"]; !ok {
		h.SetContentType("application/json")
	}
	if _, ok := r.Header["User-Agent"]; !ok {
		h.SetUserAgent(s.userAgent)
	}
	if len(r.Body) > 0 || (method != http.MethodGet && method != http.MethodHead) {
		h.SetContentLength(len(r.Body))
	}
	x.out = append(h.AppendBytes(x.out[:0]), r.Body...)
}

// attempt makes one exchange within the deadline, on a kept-alive
// connection when one is idle.
func (s *HTTPSender) attempt(ctx context.Context, x *exchange) emitter.Attempt {
	start := time.Now()
	deadline := start.Add(s.timeout)
	if ctx.Err() != nil {
		return emitter.Attempt{Class: emitter.FailCanceled, Message: emitter.CanceledMessage}
	}
	w := s.watch(ctx)
	for {
		cc, err := s.hc.AcquireConn(s.timeout, false)
		if err != nil {
			return s.failed(ctx, start, err, false)
		}
		last := cc.LastUseTime()
		reused := !last.IsZero()
		// A connection idle for long may hold the receiver's FIN, which a
		// plain read finds at once: exchange would wait for a reset.
		err = s.roundTrip(ctx, cc.Conn(), w, deadline, x, !reused || start.Sub(last) < rawIdleMax)
		switch {
		case err == nil && !x.resp.ConnectionClose():
			s.hc.ReleaseConn(cc)
		default:
			s.hc.CloseConn(cc)
		}
		switch {
		case err == nil:
			return s.answered(start, &x.resp)
		case errors.Is(err, fasthttp.ErrBodyTooLarge):
			return s.tooLarge(start, &x.resp)
		case reused && isStale(err) && ctx.Err() == nil && time.Now().Before(deadline):
			x.resp.Reset()
			continue // the receiver had closed it while idle: no answer was begun
		}
		return s.failed(ctx, start, err, true)
	}
}

// roundTrip writes the request on conn and reads the answer, within
// deadline, while w can end it.
func (s *HTTPSender) roundTrip(ctx context.Context, conn net.Conn, w *watch, deadline time.Time, x *exchange, raw bool) error {
	tc, _ := conn.(*trackedConn)
	if tc != nil {
		tc.watch.Store(w)
		defer tc.watch.Store(nil)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	if ctx.Err() != nil { // canceled before the watch was on this connection
		return context.Canceled
	}
	if err := send(conn, tc, x, raw); err != nil {
		return err
	}
	br := s.hc.AcquireReader(conn)
	x.resp.SkipBody = x.head.IsHead()
	err := x.resp.ReadLimitBody(br, s.bodyCap)
	if err == nil && (br.Buffered() > 0 || tc != nil && len(tc.pending) > 0) {
		// Bytes past the answer: the connection is out of step, and the
		// next answer read from it would not be the next request's.
		x.resp.SetConnectionClose()
	}
	s.hc.ReleaseReader(br)
	return err
}

// rawIdleMax is how long a connection may have been idle for send to use
// trackedConn.exchange on it.
const rawIdleMax = 50 * time.Millisecond

// send writes the request on conn: through trackedConn.exchange when raw
// and conn is plain TCP.
func send(conn net.Conn, tc *trackedConn, x *exchange, raw bool) error {
	if raw && tc != nil && tc.raw != nil {
		return tc.exchange(x.out)
	}
	if _, err := conn.Write(x.out); err != nil {
		return &writeError{err}
	}
	return nil
}

// writeError marks an error that happened while sending the request.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// answered records a complete answer.
func (s *HTTPSender) answered(start time.Time, resp *fasthttp.Response) emitter.Attempt {
	body := resp.Body()
	a := emitter.Attempt{
		Status: resp.StatusCode(), Latency: time.Since(start),
		Body: slices.Clone(body[:min(len(body), emitter.BodyPrefixLen)]), BodySize: int64(len(body)),
	}
	if a.Status < 100 || a.Status > 999 {
		a.Class, a.Message = emitter.FailProtocol, fmt.Sprintf("the answer's status %d is not an HTTP status", a.Status)
	}
	return a
}

// tooLarge records an answer whose body is over the cap.
func (s *HTTPSender) tooLarge(start time.Time, resp *fasthttp.Response) emitter.Attempt {
	body := resp.Body()
	return emitter.Attempt{
		Status: resp.StatusCode(), Latency: time.Since(start),
		Body:     slices.Clone(body[:min(len(body), emitter.BodyPrefixLen)]),
		BodySize: int64(s.bodyCap) + 1,
		Class:    emitter.FailTooLarge,
		Message:  emitter.BodyTooLargeMessage(int64(s.bodyCap)),
	}
}
