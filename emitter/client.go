package emitter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/internal/pause"
)

// DefaultTimeout is the delivery deadline when none is given. WMS documents
// none; ten seconds is the common webhook rule.
const DefaultTimeout = 10 * time.Second

// DefaultBodyCap bounds how much of an answer is read, so that a receiver
// answering with an endless body cannot stall or exhaust the emitter.
const DefaultBodyCap = 64 << 10

// DefaultMaxConns is the connection limit when WithMaxConns gives none:
// the sessions of a scenario run, with room.
const DefaultMaxConns = 64

// Client delivers requests to one webhook URL as WMS would: one request per
// event, a deadline on each, no redirect followed. It keeps a connection
// pool, so one Client serves every session of a run.
type Client struct {
	url       string
	http      *http.Client
	transport *http.Transport
	timeout   time.Duration
	retry     Retry
	bodyCap   int64
}

// NewClient returns a Client for rawURL. It checks the URL and the options
// up front, so that a bad setup is one error before any delivery rather
// than a failure on each.
func NewClient(rawURL string, opts ...Option) (*Client, error) {
	cfg := clientConfig{timeout: DefaultTimeout, bodyCap: DefaultBodyCap, maxConns: DefaultMaxConns}
	for _, o := range opts {
		o(&cfg)
	}
	if err := CheckURL(rawURL); err != nil {
		return nil, err
	}
	if cfg.timeout <= 0 {
		return nil, fmt.Errorf("the delivery timeout must be positive, got %v", cfg.timeout)
	}
	tlsConf, err := TLSConfig(cfg.caFile, cfg.insecure)
	if err != nil {
		return nil, err
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
		timeout: cfg.timeout,
		retry:   cfg.retry,
		bodyCap: cfg.bodyCap,
	}, nil
}

// URL returns the webhook URL, with any credentials in it: print it through
// RedactURL.
func (c *Client) URL() string { return c.url }

// Timeout returns the deadline of each attempt, which reports quote when a
// receiver misses it.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Close releases idle connections, so that no connection outlives a run.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// Send delivers r, retrying as configured, and records every attempt. It
// never returns an error: every failure is an Outcome with a class, so
// that callers judge failures and answers the same way.
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
		if pause.For(ctx, c.retry.backoff(i)) != nil {
			return out
		}
	}
}

// attempt makes one HTTP exchange within the client's deadline.
func (c *Client) attempt(parent context.Context, r Request) Attempt {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
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
	req, err := c.newRequest(httptrace.WithClientTrace(ctx, trace), r)
	if err != nil {
		return Attempt{Class: FailOther, Message: err.Error()}
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		class, msg := c.classify(ctx, parent, err)
		if class == FailTimeout && !connected.Load() {
			class, msg = FailConnect, ConnectMessage(c.timeout)
		}
		return Attempt{Latency: time.Since(start), Class: class, Message: msg}
	}
	defer resp.Body.Close()
	kept, n, err := c.readAnswer(resp.Body)
	a := Attempt{Status: resp.StatusCode, Latency: time.Since(start), Body: kept, BodySize: n}
	switch {
	case n > c.bodyCap:
		a.Class, a.Message = FailTooLarge, BodyTooLargeMessage(c.bodyCap)
	case err != nil:
		a.Class, a.Message = c.classify(ctx, parent, err)
	}
	return a
}

// newRequest builds the HTTP request for r.
func (c *Client) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	return r.HTTPRequest(ctx, c.url)
}

// readAnswer keeps the first bytes of body for reports and counts the rest
// up to one byte past the cap, so that a recorded answer holds a small
// prefix, not the whole read buffer, and an endless body ends the read.
func (c *Client) readAnswer(body io.Reader) (kept []byte, n int64, err error) {
	var prefix [BodyPrefixLen]byte
	k, err := io.ReadFull(body, prefix[:])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	n = int64(k)
	if err == nil && k == BodyPrefixLen {
		var rest int64
		rest, err = io.Copy(io.Discard, io.LimitReader(body, c.bodyCap+1-n))
		n += rest
	}
	return slices.Clone(prefix[:k]), n, err
}
