package emitter

import (
	"context"
	"io"
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
	hang := rawServer(t, func(c net.Conn, done <-chan struct{}) { readRequest(c); hold(done, 5*deadline); c.Close() })
	neverRead := rawServer(t, func(c net.Conn, done <-chan struct{}) { hold(done, 5*deadline); c.Close() })
	dribble := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
		for range 20 {
			if _, err := c.Write([]byte("x")); err != nil {
				break
			}
			hold(done, deadline/4)
		}
		c.Close()
	})
	reset := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	notHTTP := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\nProtocol mismatch.\r\n")
		c.Close()
	})
	endless := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		chunk := "1000\r\n" + strings.Repeat("x", 0x1000) + "\r\n"
		for range 1000 {
			if _, err := io.WriteString(c, chunk); err != nil {
				break
			}
		}
		c.Close()
	})
	hugeHeader := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("y", 200<<10)+"\r\n\r\n")
		c.Close()
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	cases := []struct {
		name, url string
		want      FailureClass
	}{
		{"answers never", hang, FailTimeout},
		{"never reads", neverRead, FailTimeout},
		{"one byte at a time", dribble, FailTimeout},
		{"resets mid-answer", reset, FailReset},
		{"not HTTP", notHTTP, FailProtocol},
		{"endless body", endless, FailTooLarge},
		{"huge header", hugeHeader, FailTooLarge},
		{"refused", refused, FailRefused},
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
