package emitter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadURL is wrapped by CheckURL, and so by NewClient, for a URL that
// cannot be delivered to, so that a caller can tell a usage error (exit 2)
// from a failed delivery.
var ErrBadURL = errors.New("bad webhook URL")

// CheckURL refuses what cannot be delivered to, with the one set of rules
// and messages of every sender (NewClient's, the load generator's), so that
// a bad URL reads the same whichever the command uses. Its errors match
// ErrBadURL and show the URL through RedactURL: a webhook URL may carry a
// password.
func CheckURL(rawURL string) error {
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

// RedactURL returns rawURL fit to print, since a webhook URL may carry
// credentials and every report, log line and error shows the URL: a
// password in it is replaced by "xxxxx", and when the URL cannot be parsed,
// everything before its host is.
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
