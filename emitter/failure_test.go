package emitter

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wmsmock/wms-mock/internal/testnet"
)

func TestDeliveryFailureClasses(t *testing.T) {
	const deadline = 400 * time.Millisecond
	h := testnet.HostileReceivers(t, deadline)
	cases := []struct {
		name, url string
		want      FailureClass
	}{
		{"answers never", h.Hang, FailTimeout},
		{"never reads", h.NeverRead, FailTimeout},
		{"one byte at a time", h.Dribble, FailTimeout},
		{"resets mid-answer", h.Reset, FailReset},
		{"not HTTP", h.NotHTTP, FailProtocol},
		{"endless body", h.Endless, FailTooLarge},
		{"huge header", h.HugeHeader, FailTooLarge},
		{"refused", h.Refused, FailRefused},
	}
	s := testSigner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			out := newTestClient(t, c.url, WithTimeout(deadline)).Send(context.Background(), SignedRequest(s, []byte(`{}`)))
			if out.Class != c.want || out.OK() {
				t.Errorf("class = %q (%s), want %q", out.Class, out.Message, c.want)
			}
			if out.Message == "" || strings.Contains(out.Message, "\n") {
				t.Errorf("message is not one line: %q", out.Message)
			}
			if took := time.Since(start); took > deadline+2*time.Second {
				t.Errorf("took %v, the deadline is %v", took, deadline)
			}
		})
	}
}

func TestSchemeMismatchSaysWhichSchemeToUse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	https := strings.Replace(srv.URL, "http://", "https://", 1)
	out := newTestClient(t, https, WithTimeout(2*time.Second)).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Class != FailTLS || !strings.Contains(out.Message, "use http://") {
		t.Errorf("https:// to a plain HTTP server: %+v", out)
	}
}

func TestConnectTimeoutIsItsOwnClass(t *testing.T) {
	url := testnet.SilentHostURL(t)
	out := newTestClient(t, url, WithTimeout(300*time.Millisecond)).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Class != FailConnect || !strings.Contains(out.Message, "no connection") {
		t.Errorf("outcome %+v, want class %q", out, FailConnect)
	}
}

func TestClassifyDNS(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1/")
	class, msg := c.classify(context.Background(), context.Background(), &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "hooks.example.invalid", IsNotFound: true}})
	if class != FailDNS || !strings.Contains(msg, "hooks.example.invalid") {
		t.Errorf("class %q message %q", class, msg)
	}
}

func TestOneLineIsOneBoundedLine(t *testing.T) {
	long := strings.Repeat("é", 400) + "\nsecond line"
	got := oneLine(long)
	if strings.Contains(got, "\n") || len(got) > maxErrorText+len("...") || !strings.HasSuffix(got, "...") || !utf8.ValidString(got) {
		t.Errorf("oneLine gave %d bytes: %q", len(got), got)
	}
	if got := oneLine("short\nerror"); got != "short error" {
		t.Errorf("oneLine(short) = %q", got)
	}
}

func TestFailureClassesListsEachClassOnce(t *testing.T) {
	seen := map[FailureClass]bool{}
	for _, c := range FailureClasses() {
		if c == "" || seen[c] {
			t.Errorf("class %q is empty or listed twice", c)
		}
		seen[c] = true
	}
	if !seen[FailConnect] || !seen[FailOther] || len(seen) != 10 {
		t.Errorf("FailureClasses() = %v", FailureClasses())
	}
}

// The helpers that every sender classifies with: a TLS failure is told
// from any other error, and a timeout from an error that merely has a
// Timeout method saying no.
func TestSharedClassifiers(t *testing.T) {
	if _, _, ok := ClassifyTLS(errors.New("connection refused")); ok {
		t.Error("a refused connection classified as TLS")
	}
	plain := tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}
	copy(plain.RecordHeader[:], "HTTP/")
	if class, msg, ok := ClassifyTLS(fmt.Errorf("dial: %w", plain)); !ok || class != FailTLS || !strings.Contains(msg, "use http://") {
		t.Errorf("plain HTTP to https://: %q %q %v", class, msg, ok)
	}
	if !IsTimeout(fmt.Errorf("read: %w", timeoutErr(true))) || IsTimeout(timeoutErr(false)) || IsTimeout(errors.New("x")) {
		t.Error("IsTimeout")
	}
	if msg, ok := DNSFailure(&net.DNSError{Err: "no such host", Name: "hooks.example.invalid"}); !ok || !strings.Contains(msg, "hooks.example.invalid") {
		t.Errorf("DNS: %q %v", msg, ok)
	}
	if _, ok := DNSFailure(errors.New("x")); ok {
		t.Error("any error is a DNS failure")
	}
}

type timeoutErr bool

func (e timeoutErr) Error() string { return "timeout?" }
func (e timeoutErr) Timeout() bool { return bool(e) }
