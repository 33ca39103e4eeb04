package emitter

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Version is wms-mock's version, sent in the User-Agent.
const Version = "0.1.0"

// DefaultTimeout is the delivery deadline when none is given. WMS documents
// none; ten seconds is the common webhook rule.
const DefaultTimeout = 10 * time.Second

// DefaultBodyCap bounds how much of an answer is read, so that a receiver
// answering with an endless body cannot stall or exhaust the emitter.
const DefaultBodyCap = 64 << 10

// bodyPrefixLen is how many bytes of an answer an Attempt keeps for reports.
const bodyPrefixLen = 512

// ErrBadURL is wrapped by NewClient for a URL it cannot deliver to.
var ErrBadURL = errors.New("bad webhook URL")

// FailureClass names why a delivery got no usable answer.
type FailureClass string

// Failure classes. An empty class means an HTTP answer arrived; whether its
// status is a success is a separate question (see Attempt.OK).
const (
	FailTimeout FailureClass = "timeout"
	// FailConnect is a connection that was not made within the deadline:
	// the host does not answer at all (a firewall, a wrong address).
	FailConnect  FailureClass = "connect_timeout"
	FailRefused  FailureClass = "refused"
	FailReset    FailureClass = "reset"
	FailTLS      FailureClass = "tls"
	FailDNS      FailureClass = "dns"
	FailTooLarge FailureClass = "too_large"
	FailProtocol FailureClass = "protocol"
	FailCanceled FailureClass = "canceled"
	FailOther    FailureClass = "error"
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

// Request is one HTTP request to the webhook. Header is sent as is, keys
// unchanged, so HeaderMAC keeps its documented spelling; Content-Type and
// User-Agent are added when absent.
type Request struct {
	// Method defaults to POST.
	Method string
	Body   []byte
	Header http.Header
}

// SignedRequest is the request WMS sends for body: a POST with a valid MAC.
func SignedRequest(s *Signer, body []byte) Request {
	return Request{Body: body, Header: http.Header{HeaderMAC: {s.MAC(body)}}}
}

// Attempt is the recorded outcome of one HTTP exchange.
type Attempt struct {
	// Status is the HTTP status, 0 when no answer arrived.
	Status int `json:"status"`
	// Latency runs from sending the request to reading the whole answer.
	Latency time.Duration `json:"latency_ns"`
	// Class is empty when an answer arrived in full.
	Class FailureClass `json:"class,omitempty"`
	// Message is a one-line explanation of Class.
	Message string `json:"message,omitempty"`
	// Body holds the first bytes of the answer.
	Body []byte `json:"-"`
	// BodySize is how many bytes of the answer were read.
	BodySize int64 `json:"body_size"`
}

// OK reports whether the attempt got a 2xx answer, the only success.
func (a Attempt) OK() bool { return a.Class == "" && a.Status >= 200 && a.Status < 300 }

// Outcome is what a delivery came to: the last attempt, and every attempt
// when retries were on.
type Outcome struct {
	Attempt
	// Attempts lists every attempt, the last one included.
	Attempts []Attempt `json:"attempts,omitempty"`
}

// Retry configures retries of failed deliveries. The zero value retries
// nothing, as WMS documents no retries.
type Retry struct {
	// Max is how many times a failed delivery is tried again.
	Max int
	// Base is the first backoff; it doubles each time up to Cap.
	Base time.Duration
	// Cap bounds a single backoff.
	Cap time.Duration
}

// Client delivers requests to one webhook URL.
type Client struct {
	url       string
	http      *http.Client
	transport *http.Transport
	timeout   time.Duration
	retry     Retry
	bodyCap   int64
	userAgent string
}

type clientConfig struct {
	timeout  time.Duration
	retry    Retry
	bodyCap  int64
	maxConns int
	caFile   string
	insecure bool
}

// Option configures a Client.
type Option func(*clientConfig)

// WithTimeout sets the deadline of each attempt: connecting, sending and
// reading the whole answer.
func WithTimeout(d time.Duration) Option { return func(c *clientConfig) { c.timeout = d } }

// WithRetry turns on retries.
func WithRetry(r Retry) Option { return func(c *clientConfig) { c.retry = r } }

// WithBodyCap bounds how much of an answer is read.
func WithBodyCap(n int64) Option { return func(c *clientConfig) { c.bodyCap = n } }

// WithMaxConns sizes the connection pool, which should match the number of
// sessions delivering at once.
func WithMaxConns(n int) Option { return func(c *clientConfig) { c.maxConns = n } }

// WithCACert trusts the PEM certificates in file besides the system roots.
func WithCACert(file string) Option { return func(c *clientConfig) { c.caFile = file } }

// WithInsecureTLS skips certificate verification, for self-signed staging
// endpoints.
func WithInsecureTLS() Option { return func(c *clientConfig) { c.insecure = true } }

// NewClient returns a Client for rawURL.
func NewClient(rawURL string, opts ...Option) (*Client, error) {
	cfg := clientConfig{timeout: DefaultTimeout, bodyCap: DefaultBodyCap, maxConns: 64}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkURL(rawURL); err != nil {
		return nil, err
	}
	if cfg.timeout <= 0 {
		return nil, fmt.Errorf("the delivery timeout must be positive, got %v", cfg.timeout)
	}
	tlsConf := &tls.Config{InsecureSkipVerify: cfg.insecure}
	if cfg.caFile != "" {
		pem, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA certificate: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate: pass the CA that signed the webhook's certificate", cfg.caFile)
		}
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    cfg.timeout,
		MaxIdleConns:           cfg.maxConns,
		MaxIdleConnsPerHost:    cfg.maxConns,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: cfg.bodyCap,
		DisableCompression:     true,
	}
	return &Client{
		url:       rawURL,
		transport: transport,
		http: &http.Client{
			Transport: transport,
			// A 3xx is an answer, and a failure: WMS follows no redirect.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout:   cfg.timeout,
		retry:     cfg.retry,
		bodyCap:   cfg.bodyCap,
		userAgent: "wms-mock/" + Version,
	}, nil
}

// checkURL refuses what cannot be delivered to. Its errors show the URL
// through RedactURL: a webhook URL may carry a password.
func checkURL(rawURL string) error {
	if rawURL == "" {
		return fmt.Errorf("%w: none given: pass --url or set WMS_WEBHOOK_URL", ErrBadURL)
	}
	shown := RedactURL(rawURL)
	if !strings.Contains(rawURL, "://") {
		return fmt.Errorf("%w %q: it must start with http:// or https://", ErrBadURL, shown)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("%w %q: %s", ErrBadURL, shown, strings.ReplaceAll(err.Error(), rawURL, shown))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w %q: it must start with http:// or https://", ErrBadURL, shown)
	}
	if u.Host == "" {
		return fmt.Errorf("%w %q: it names no host", ErrBadURL, shown)
	}
	return nil
}

// RedactURL returns rawURL fit to print: a password in it is replaced by
// "xxxxx", and when the URL cannot be parsed, everything before its host is,
// since it may hold credentials all the same.
func RedactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Opaque == "" {
		return u.Redacted()
	}
	prefix, rest := "", rawURL
	if i := strings.Index(rawURL, "://"); i >= 0 {
		prefix, rest = rawURL[:i+3], rawURL[i+3:]
	}
	authority := rest[:strings.IndexAny(rest+"/", "/?#")]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return prefix + "xxxxx" + rest[at:]
	}
	return rawURL
}

// URL returns the webhook URL.
func (c *Client) URL() string { return c.url }

// Timeout returns the deadline of each attempt.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Close releases idle connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// Send delivers r, retrying as configured, and records every attempt. It
// never returns an error: every failure is an Outcome with a class.
func (c *Client) Send(ctx context.Context, r Request) Outcome {
	var out Outcome
	for i := 0; ; i++ {
		a := c.attempt(ctx, r)
		out.Attempt = a
		if c.retry.Max > 0 {
			out.Attempts = append(out.Attempts, a)
		}
		if a.OK() || a.Class == FailCanceled || i >= c.retry.Max {
			return out
		}
		if !sleep(ctx, c.retry.backoff(i)) {
			return out
		}
	}
}

func (r Retry) backoff(i int) time.Duration {
	base, ceiling := r.Base, r.Cap
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 30 * time.Second
	}
	d := base << min(i, 30)
	if d <= 0 || d > ceiling {
		d = ceiling
	}
	// Equal jitter: half fixed, half random, so retries from many sessions
	// spread out without ever collapsing to zero.
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *Client) attempt(parent context.Context, r Request) Attempt {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	// connected tells a host that never answered the connection apart
	// from a receiver that connected and then never answered.
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				connected.Store(true)
			}
		},
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, c.url, bytes.NewReader(r.Body))
	if err != nil {
		return Attempt{Class: FailOther, Message: err.Error()}
	}
	req.Header = make(http.Header, len(r.Header)+2)
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if _, ok := r.Header["Content-Type"]; !ok {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	if _, ok := r.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{c.userAgent}
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		class, msg := c.classify(ctx, parent, err)
		if class == FailTimeout && !connected.Load() {
			class, msg = FailConnect, fmt.Sprintf("no connection within %v: check the host and port in the URL, and any firewall between", c.timeout)
		}
		return Attempt{Latency: time.Since(start), Class: class, Message: msg}
	}
	defer resp.Body.Close()
	a := Attempt{Status: resp.StatusCode}
	// Keep the first bytes for reports and count the rest, so that a
	// recorded answer holds a small prefix, not the whole read buffer.
	var prefix [bodyPrefixLen]byte
	kept, err := io.ReadFull(resp.Body, prefix[:])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	n := int64(kept)
	if err == nil && kept == bodyPrefixLen {
		var rest int64
		rest, err = io.Copy(io.Discard, io.LimitReader(resp.Body, c.bodyCap+1-n))
		n += rest
	}
	a.Latency = time.Since(start)
	a.BodySize = n
	a.Body = slices.Clone(prefix[:kept])
	switch {
	case n > c.bodyCap:
		a.Class, a.Message = FailTooLarge, fmt.Sprintf("the answer's body is over %d bytes: a webhook should answer with a short body", c.bodyCap)
	case err != nil:
		a.Class, a.Message = c.classify(ctx, parent, err)
	}
	return a
}

// classify turns a transport error into a class and a one-line message that
// says what to check.
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

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
