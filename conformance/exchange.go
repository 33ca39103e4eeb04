package conformance

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// bodyShown bounds how much of a request body a failure message quotes, so
// that the oversized spec's report stays readable.
const bodyShown = 1024

// exchange is one request the suite sent and the answer it got: the raw
// material of every failure message.
type exchange struct {
	// url is the webhook URL with any password redacted.
	url string
	req emitter.Request
	// sent are the header fields as written on the wire, in order; empty
	// when the request never got that far.
	sent []headerField
	att  emitter.Attempt
}

// headerField is one header line as the HTTP client wrote it.
type headerField struct {
	key    string
	values []string
}

// send delivers r and records the exchange, with the header fields the
// HTTP client actually wrote (its defaults, such as Content-Type and
// User-Agent, included).
func (s *suite) send(ctx context.Context, r emitter.Request) exchange {
	return s.sendWith(ctx, s.client, r)
}

// sendWith is send through client: the run's, or the probe's with a
// longer deadline. The exchange counts for the spec that sent it, and a
// refused connection tells the run that the receiver is gone.
func (s *suite) sendWith(ctx context.Context, client *emitter.Client, r emitter.Request) exchange {
	var mu sync.Mutex
	var sent []headerField
	trace := &httptrace.ClientTrace{
		// The transport writes from its own goroutine, which may outlive a
		// failed Send: the lock and the copy below keep the two apart.
		WroteHeaderField: func(key string, values []string) {
			mu.Lock()
			sent = append(sent, headerField{key, slices.Clone(values)})
			mu.Unlock()
		},
	}
	out := client.Send(httptrace.WithClientTrace(ctx, trace), r)
	mu.Lock()
	x := exchange{url: s.url, req: r, sent: slices.Clone(sent), att: out.Attempt}
	mu.Unlock()
	if t := tallyOf(ctx); t != nil {
		t.add(x)
	}
	s.noteGone(ctx, x)
	return x
}

// answered reports whether an HTTP answer arrived in full.
func (x exchange) answered() bool { return x.att.Class == "" }

// accepted reports whether the answer was a 2xx, the only success.
func (x exchange) accepted() bool { return x.att.OK() }

// outcome is the answer in a few words: "401 Unauthorized in 2ms" or
// "no answer: connection refused ...".
func (x exchange) outcome() string {
	a := x.att
	if a.Class != "" {
		if a.Status != 0 {
			return fmt.Sprintf("%d %s, then %s after %s: %s", a.Status, http.StatusText(a.Status), a.Class, humanize.Duration(a.Latency), a.Message)
		}
		return fmt.Sprintf("no answer (%s after %s): %s", a.Class, humanize.Duration(a.Latency), a.Message)
	}
	return fmt.Sprintf("%d %s in %s", a.Status, http.StatusText(a.Status), humanize.Duration(a.Latency))
}

// brief is the answer in fewer words, without the failure's advice:
// "401 Unauthorized in 2ms", "no answer (timeout after 300ms)".
func (x exchange) brief() string {
	a := x.att
	switch {
	case a.Class != "" && a.Status != 0:
		return fmt.Sprintf("%d %s, then %s after %s", a.Status, http.StatusText(a.Status), a.Class, humanize.Duration(a.Latency))
	case a.Class != "":
		return fmt.Sprintf("no answer (%s after %s)", a.Class, humanize.Duration(a.Latency))
	}
	return fmt.Sprintf("%d %s in %s", a.Status, http.StatusText(a.Status), humanize.Duration(a.Latency))
}

// isCredential reports whether a header carries credentials, which are
// shown redacted: the HTTP client derives Authorization from a user and
// password in the URL.
func isCredential(key string) bool {
	switch http.CanonicalHeaderKey(key) {
	case "Authorization", "Proxy-Authorization":
		return true
	}
	return false
}

// String renders the exchange as a customer needs it to reproduce the
// request: method, URL, headers as sent (the MAC, never the secret or a
// password), body, and the answer with the first bytes of its body.
func (x exchange) String() string {
	var b strings.Builder
	method := x.req.Method
	if method == "" {
		method = http.MethodPost
	}
	fmt.Fprintf(&b, "  request: %s %s\n", method, x.url)
	fields := x.sent
	if len(fields) == 0 {
		// Not written: show the headers the suite asked for.
		b.WriteString("    (the request was not sent; headers as prepared:)\n")
		for _, k := range slices.Sorted(maps.Keys(x.req.Header)) {
			fields = append(fields, headerField{k, x.req.Header[k]})
		}
	}
	hasMAC := false
	for _, f := range fields {
		hasMAC = hasMAC || f.key == emitter.HeaderMAC
		for _, v := range f.values {
			if isCredential(f.key) {
				v = "(redacted)"
			}
			fmt.Fprintf(&b, "    %s: %q\n", f.key, v)
		}
	}
	if !hasMAC {
		fmt.Fprintf(&b, "    (no %s header)\n", emitter.HeaderMAC)
	}
	switch n := len(x.req.Body); {
	case n == 0:
		b.WriteString("    (empty body)\n")
	case n > bodyShown:
		fmt.Fprintf(&b, "    %s... (%d bytes in all)\n", printable(x.req.Body[:bodyShown]), n)
	default:
		fmt.Fprintf(&b, "    %s\n", printable(x.req.Body))
	}
	fmt.Fprintf(&b, "  answer: %s", x.outcome())
	if answer := bytes.TrimRight(x.att.Body[:min(len(x.att.Body), 200)], " \r\n\t"); len(answer) > 0 {
		fmt.Fprintf(&b, "\n    %s", printable(answer))
		if x.att.BodySize > 200 {
			fmt.Fprintf(&b, "... (%d bytes in all)", x.att.BodySize)
		}
	}
	return b.String()
}

// printable indents a body for the report and makes control bytes visible,
// so that a multi-line or binary answer cannot garble it.
func printable(p []byte) string {
	var b strings.Builder
	for _, r := range string(p) {
		switch {
		case r == '\n':
			b.WriteString("\n    ")
		case r == '\t' || (r >= 0x20 && r != 0x7f && r != 0xfffd):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "\\x%02x", r)
		}
	}
	return b.String()
}
