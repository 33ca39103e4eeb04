package load

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testnet"
)

// The hostile receivers of emitter's failure tests: HTTPSender gives each
// the class emitter.Client gives it.
func TestHTTPSenderFailureClasses(t *testing.T) {
	const deadline = 400 * time.Millisecond
	h := testnet.HostileReceivers(t, deadline)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close) // after the parallel subtests

	cases := []struct {
		name, url string
		want      emitter.FailureClass
		says      string
	}{
		{"answers never", h.Hang, emitter.FailTimeout, "no complete answer within 400ms"},
		{"never reads", h.NeverRead, emitter.FailTimeout, "no complete answer"},
		{"one byte at a time", h.Dribble, emitter.FailTimeout, "no complete answer"},
		{"resets mid-answer", h.Reset, emitter.FailReset, "closed the connection"},
		{"closes without answering", h.CloseAtOnce, emitter.FailReset, "closed the connection"},
		{"not HTTP", h.NotHTTP, emitter.FailProtocol, "not HTTP"},
		{"endless body", h.Endless, emitter.FailTooLarge, "body is over 65536 bytes"},
		{"announces a huge body", h.BigLength, emitter.FailTooLarge, "body is over"},
		{"huge header", h.HugeHeader, emitter.FailTooLarge, "headers are over 16384 bytes"},
		{"refused", h.Refused, emitter.FailRefused, "connection refused"},
		{"no host answers", testnet.SilentHostURL(t), emitter.FailConnect, "no connection within 400ms"},
		{"https to plain HTTP", strings.Replace(plain.URL, "http://", "https://", 1), emitter.FailTLS, "use http://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			out := newTestSender(t, c.url, WithTimeout(deadline)).Send(context.Background(), signed(t, `{}`))
			if out.Class != c.want || out.OK() || !strings.Contains(out.Message, c.says) {
				t.Errorf("class %q (%s), want %q saying %q", out.Class, out.Message, c.want, c.says)
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

func TestHTTPSenderClassifiesDNSAndOpenFiles(t *testing.T) {
	s := newTestSender(t, "http://127.0.0.1:1/")
	ctx := context.Background()
	dns := &dialError{err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "hooks.example.invalid", IsNotFound: true}}}
	if a := s.failed(ctx, time.Now(), dns, false); a.Class != emitter.FailDNS || !strings.Contains(a.Message, "hooks.example.invalid") {
		t.Errorf("DNS: %+v", a)
	}
	emfile := &dialError{err: &net.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.EMFILE)}}
	a := s.failed(ctx, time.Now(), emfile, false)
	if a.Class != FailTooManyOpenFiles || !strings.Contains(a.Message, "too many open files") || !strings.Contains(a.Message, "ulimit -n") {
		t.Errorf("EMFILE: %+v", a)
	}
	if soft, _, ok := OpenFileLimit(); ok && !strings.Contains(a.Message, "limit is "+strconv.FormatUint(soft, 10)) {
		t.Errorf("EMFILE message does not give the limit %d: %q", soft, a.Message)
	}
}

func TestOpenFilesWarning(t *testing.T) {
	soft, _, ok := OpenFileLimit()
	if !ok {
		t.Skip("no open-file limit here")
	}
	if w := OpenFilesWarning(1); w != "" {
		t.Errorf("concurrency 1 warned: %q", w)
	}
	if soft > MaxConcurrency {
		t.Skipf("the limit %d is above any concurrency", soft)
	}
	w := OpenFilesWarning(int(soft))
	if !strings.Contains(w, "ulimit -n") || !strings.Contains(w, strconv.FormatUint(soft, 10)) || strings.Contains(w, "\n") {
		t.Errorf("concurrency at the limit: %q", w)
	}
}

// Past WithMaxConns a request waits for a connection, within its deadline.
func TestHTTPSenderWaitsForAFreeConnection(t *testing.T) {
	hang := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		testnet.ReadRequest(c)
		testnet.Hold(done, 5*time.Second)
		c.Close()
	})
	s := newTestSender(t, hang, WithMaxConns(1), WithTimeout(300*time.Millisecond))
	results := make(chan emitter.Outcome, 2)
	for range 2 {
		go func() { results <- s.Send(context.Background(), signed(t, `{}`)) }()
	}
	for range 2 {
		out := <-results
		if out.Class != emitter.FailTimeout || !strings.Contains(out.Message, "within 300ms") {
			t.Errorf("outcome %+v, want a timeout", out)
		}
	}
}
