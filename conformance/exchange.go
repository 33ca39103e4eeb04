package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// bodyShown bounds how much of a request body a failure message quotes, so
// that the oversized spec's report stays readable.
const bodyShown = 1024

// exchange is one request the suite sent and the answer it got: the raw
// material of every failure message.
type exchange struct {
	url string
	req emitter.Request
	att emitter.Attempt
}

// send delivers r and records the exchange.
func (s *suite) send(ctx context.Context, r emitter.Request) exchange {
	out := s.client.Send(ctx, r)
	return exchange{url: s.client.URL(), req: r, att: out.Attempt}
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
			return fmt.Sprintf("%d %s, then %s after %s: %s", a.Status, http.StatusText(a.Status), a.Class, latency(a.Latency), a.Message)
		}
		return fmt.Sprintf("no answer (%s after %s): %s", a.Class, latency(a.Latency), a.Message)
	}
	return fmt.Sprintf("%d %s in %s", a.Status, http.StatusText(a.Status), latency(a.Latency))
}

// String renders the exchange as a customer needs it to reproduce the
// request: method, URL, headers (the MAC, never the secret), body, and the
// answer with the first bytes of its body.
func (x exchange) String() string {
	var b strings.Builder
	method := x.req.Method
	if method == "" {
		method = http.MethodPost
	}
	fmt.Fprintf(&b, "  request: %s %s\n", method, x.url)
	header := x.req.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if _, ok := header["Content-Type"]; !ok {
		header["Content-Type"] = []string{"application/json"}
	}
	if _, ok := header["User-Agent"]; !ok {
		header["User-Agent"] = []string{"wms-mock/" + emitter.Version}
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range header[k] {
			fmt.Fprintf(&b, "    %s: %q\n", k, v)
		}
	}
	if _, ok := header[emitter.HeaderMAC]; !ok {
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

func latency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// oneLine keeps the first line of a message, for one-line errors.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
