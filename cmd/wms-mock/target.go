package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/load"
)

// targetFlags are the flags of the commands that deliver to a webhook.
type targetFlags struct {
	url      string
	timeout  time.Duration
	caCert   string
	insecure bool
	retries  int
}

// register adds the target flags to fs. --retries comes only withRetries:
// for the commands where a retry means what it would in production; the
// suite and the load generator judge single deliveries.
func (t *targetFlags) register(fs *pflag.FlagSet, withRetries bool) {
	fs.StringVar(&t.url, "url", "", "webhook `URL` to deliver to (default $WMS_WEBHOOK_URL)")
	t.timeout = emitter.DefaultTimeout
	fs.Var((*durationValue)(&t.timeout), "timeout", "deadline of each delivery")
	fs.StringVar(&t.caCert, "ca-cert", "", "trust the PEM certificates in `FILE` as well as the system roots")
	fs.BoolVar(&t.insecure, "insecure", false, "skip TLS certificate checks (self-signed staging endpoints only)")
	if withRetries {
		fs.IntVar(&t.retries, "retries", 0, "retry a failed delivery up to `N` times with exponential backoff (WMS documents no retries)")
	}
}

// validate checks the values of the target flags, so that a bad one is a
// usage error that names the flag.
func (t *targetFlags) validate() error {
	if err := positive("timeout", t.timeout); err != nil {
		return err
	}
	return atLeast("retries", t.retries, 0)
}

// webhookURL is --url, or $WMS_WEBHOOK_URL without it.
func (t *targetFlags) webhookURL(std *stdio) string {
	if t.url != "" {
		return t.url
	}
	return std.getenv("WMS_WEBHOOK_URL")
}

// tlsOptions are the delivery options of --ca-cert and --insecure.
func (t *targetFlags) tlsOptions() []emitter.Option {
	var opts []emitter.Option
	if t.caCert != "" {
		opts = append(opts, emitter.WithCACert(t.caCert))
	}
	if t.insecure {
		opts = append(opts, emitter.WithInsecureTLS())
	}
	return opts
}

// client builds the delivery client; maxConns sizes its connection pool.
func (t *targetFlags) client(std *stdio, maxConns int) (*emitter.Client, error) {
	opts := append([]emitter.Option{emitter.WithTimeout(t.timeout), emitter.WithMaxConns(maxConns)}, t.tlsOptions()...)
	if t.retries > 0 {
		opts = append(opts, emitter.WithRetry(emitter.Retry{Max: t.retries}))
	}
	return emitter.NewClient(t.webhookURL(std), opts...)
}

// httpOptions are the options of the load generator's sender for the
// same flags as client's; maxConns sizes its connection pool.
func (t *targetFlags) httpOptions(maxConns int) []load.HTTPOption {
	opts := []load.HTTPOption{load.WithTimeout(t.timeout), load.WithMaxConns(maxConns)}
	if t.caCert != "" {
		opts = append(opts, load.WithCACert(t.caCert))
	}
	if t.insecure {
		opts = append(opts, load.WithInsecureTLS())
	}
	return opts
}

// noConnection reports whether a failure means that no receiver could be
// talked to at all: nobody listens, the host has no address, the host
// never took the connection (a firewall), or TLS failed. Trying the next
// delivery would only fail the same way. load.FailTooManyOpenFiles is not
// one: it is the generator's own limit, and says what to do about it.
func noConnection(c emitter.FailureClass) bool {
	switch c {
	case emitter.FailRefused, emitter.FailDNS, emitter.FailConnect, emitter.FailTLS:
		return true
	}
	return false
}
