package emitter

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"
)

// clientConfig is what the options set; NewClient checks it and builds the
// transport from it.
type clientConfig struct {
	timeout  time.Duration
	retry    Retry
	bodyCap  int64
	maxConns int
	caFile   string
	insecure bool
}

// Option configures a Client. Options keep NewClient's common call short
// while a load run or a staging endpoint can still tune the transport.
type Option func(*clientConfig)

// WithTimeout sets the deadline of each attempt: connecting, sending and
// reading the whole answer.
func WithTimeout(d time.Duration) Option { return func(c *clientConfig) { c.timeout = d } }

// WithRetry turns on retries, which WMS documents none of.
func WithRetry(r Retry) Option { return func(c *clientConfig) { c.retry = r } }

// WithBodyCap bounds how much of an answer, and of its headers, is read.
func WithBodyCap(n int64) Option { return func(c *clientConfig) { c.bodyCap = n } }

// WithMaxConns sizes the connection pool, which should match the number of
// sessions delivering at once.
func WithMaxConns(n int) Option { return func(c *clientConfig) { c.maxConns = n } }

// WithCACert trusts the PEM certificates in file besides the system roots,
// for endpoints behind a private CA.
func WithCACert(file string) Option { return func(c *clientConfig) { c.caFile = file } }

// WithInsecureTLS skips certificate verification, for self-signed staging
// endpoints.
func WithInsecureTLS() Option { return func(c *clientConfig) { c.insecure = true } }

// TLSConfig builds the TLS settings of --insecure and --ca-cert, the one
// reading of them for every sender: a CA file is read and refused when it
// holds no certificate, whatever the URL's scheme, so that a wrong file is
// a setup error before the first delivery. Callers may set more fields on
// the result (a sender that dials TLS itself sets ServerName).
func TLSConfig(caFile string, insecure bool) (*tls.Config, error) {
	tlsConf := &tls.Config{InsecureSkipVerify: insecure}
	if caFile == "" {
		return tlsConf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA certificate: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate: pass the CA that signed the webhook's certificate", caFile)
	}
	tlsConf.RootCAs = pool
	return tlsConf, nil
}
