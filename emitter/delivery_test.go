package emitter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testnet"
)

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner([]byte("delivery-test-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestClient(t testing.TB, url string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// rawServer accepts connections on loopback and hands each to handle, so
// tests can play receivers that no http.Server would be. Handlers wait on
// done instead of sleeping; cleanup closes it and waits for every handler,
// so that no test leaves goroutines behind for the next.
func rawServer(t *testing.T, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var handlers sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	handlers.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			handlers.Go(func() { handle(c, done) })
		}
	})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		handlers.Wait()
	})
	return "http://" + ln.Addr().String() + "/webhook"
}

// pause waits d, or less when the test ends.
func pause(done <-chan struct{}, d time.Duration) {
	select {
	case <-done:
	case <-time.After(d):
	}
}

// readRequest reads one HTTP/1.1 request's raw bytes off c.
func readRequest(c net.Conn) ([]byte, error) {
	r := bufio.NewReader(c)
	var raw bytes.Buffer
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return raw.Bytes(), err
		}
		raw.WriteString(line)
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, length)
	_, err := io.ReadFull(r, body)
	raw.Write(body)
	return raw.Bytes(), err
}

func TestRawRequestSpellsTheHeaderAsDocumented(t *testing.T) {
	captured := make(chan []byte, 1)
	url := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		raw, _ := readRequest(c)
		captured <- raw
		io.WriteString(c, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		c.Close()
	})
	s := testSigner(t)
	body := []byte(`{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	out := newTestClient(t, url).Send(context.Background(), SignedRequest(s, body))
	if !out.OK() || out.Status != 204 {
		t.Fatalf("outcome %+v", out)
	}
	raw := string(<-captured)
	head, gotBody, _ := strings.Cut(raw, "\r\n\r\n")
	head += "\r\n"
	for _, want := range []string{
		"POST /webhook HTTP/1.1\r\n",
		"\r\nX-WMS-Content-MAC: " + s.MAC(body) + "\r\n",
		"\r\nContent-Type: application/json\r\n",
		"\r\nUser-Agent: wms-mock/" + Version + "\r\n",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("request head lacks %q:\n%s", want, head)
		}
	}
	if strings.Contains(head, "X-Wms-Content-Mac") {
		t.Errorf("header sent in Go's canonical spelling:\n%s", head)
	}
	if gotBody != string(body) {
		t.Errorf("body on the wire = %q", gotBody)
	}
}

func TestDeliveryFailureClasses(t *testing.T) {
	const deadline = 400 * time.Millisecond
	hang := rawServer(t, func(c net.Conn, done <-chan struct{}) { readRequest(c); pause(done, 5*deadline); c.Close() })
	neverRead := rawServer(t, func(c net.Conn, done <-chan struct{}) { pause(done, 5*deadline); c.Close() })
	dribble := rawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
		for range 20 {
			if _, err := c.Write([]byte("x")); err != nil {
				break
			}
			pause(done, deadline/4)
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

func TestRedirectIsAnAnswerNotFollowed(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	out := newTestClient(t, redirect.URL).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Status != http.StatusTemporaryRedirect || out.OK() || out.Class != "" {
		t.Errorf("outcome %+v", out)
	}
	if followed.Load() != 0 {
		t.Errorf("redirect followed")
	}
}

func TestAnswerBodyPrefixIsKept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "bad envelope: "+strings.Repeat("z", 2000))
	}))
	defer srv.Close()
	out := newTestClient(t, srv.URL).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Status != 400 || out.OK() || out.BodySize != 2014 || len(out.Body) != bodyPrefixLen || !bytes.HasPrefix(out.Body, []byte("bad envelope: z")) {
		t.Errorf("status %d size %d prefix %q", out.Status, out.BodySize, out.Body[:20])
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	s := testSigner(t)
	send := func(url string, opts ...Option) Outcome {
		return newTestClient(t, url, append(opts, WithTimeout(2*time.Second))...).Send(context.Background(), SignedRequest(s, []byte(`{}`)))
	}
	if out := send(srv.URL); out.Class != FailTLS || !strings.Contains(out.Message, "--ca-cert") {
		t.Errorf("self-signed without trust: %+v", out)
	}
	if out := send(srv.URL, WithCACert(caFile)); !out.OK() {
		t.Errorf("with --ca-cert: %+v", out)
	}
	if out := send(srv.URL, WithInsecureTLS()); !out.OK() {
		t.Errorf("with --insecure: %+v", out)
	}
	// The test certificate names 127.0.0.1 and example.com, not localhost.
	otherName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if out := send(otherName, WithCACert(caFile)); out.Class != FailTLS {
		t.Errorf("certificate for another name: %+v", out)
	}
	if _, err := NewClient(srv.URL, WithCACert(filepath.Join(t.TempDir(), "none.pem"))); err == nil {
		t.Errorf("a missing CA file was accepted")
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, err := NewClient(srv.URL, WithCACert(junk)); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without certificates: %v", err)
	}
}

func TestClassifyDNS(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1/")
	class, msg := c.classify(context.Background(), context.Background(), &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "hooks.example.invalid", IsNotFound: true}})
	if class != FailDNS || !strings.Contains(msg, "hooks.example.invalid") {
		t.Errorf("class %q message %q", class, msg)
	}
}

func TestRetriesRecordEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithRetry(Retry{Max: 4, Base: time.Millisecond, Cap: 5 * time.Millisecond}))
	out := c.Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if !out.OK() || len(out.Attempts) != 3 || out.Attempts[0].Status != 503 || out.Attempts[2].Status != 200 {
		t.Errorf("outcome %+v", out)
	}
	noRetry := newTestClient(t, srv.URL)
	calls.Store(0)
	if out := noRetry.Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`))); out.Status != 503 || out.Attempts != nil {
		t.Errorf("retries are off by default: %+v", out)
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	r := Retry{Base: 100 * time.Millisecond, Cap: time.Second}
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 20 {
			if d := r.backoff(i); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", i, d, want/2, want)
			}
		}
	}
}

func TestCanceledContextStopsDelivery(t *testing.T) {
	url := rawServer(t, func(c net.Conn, done <-chan struct{}) { readRequest(c); pause(done, 2*time.Second); c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	out := newTestClient(t, url, WithRetry(Retry{Max: 5})).Send(ctx, SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Class != FailCanceled || len(out.Attempts) != 1 {
		t.Errorf("outcome %+v", out)
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "localhost:8080", "127.0.0.1:8080/webhook", "http://", "http://a b/", "://x"} {
		if _, err := NewClient(u); !errors.Is(err, ErrBadURL) {
			t.Errorf("NewClient(%q) = %v, want ErrBadURL", u, err)
		}
	}
	if _, err := NewClient("http://127.0.0.1/", WithTimeout(0)); err == nil {
		t.Errorf("zero timeout accepted")
	}
}

func TestNoGoroutineOutlivesDeliveries(t *testing.T) {
	before := runtime.NumGoroutine()
	// In a subtest, so that the servers' cleanups have run when it returns.
	t.Run("deliveries", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(srv.Close)
		hang := rawServer(t, func(c net.Conn, done <-chan struct{}) { readRequest(c); pause(done, time.Second); c.Close() })
		reset := rawServer(t, func(c net.Conn, done <-chan struct{}) { readRequest(c); c.(*net.TCPConn).SetLinger(0); c.Close() })
		s := testSigner(t)
		for _, url := range []string{srv.URL, hang, reset} {
			c, _ := NewClient(url, WithTimeout(100*time.Millisecond), WithRetry(Retry{Max: 1, Base: time.Millisecond}))
			for range 5 {
				c.Send(context.Background(), SignedRequest(s, []byte(`{}`)))
			}
			c.Close()
			// The servers still hold their ends open: only the client's
			// Close can have ended its connections' goroutines.
			waitFor(t, func() bool { return clientConnGoroutines() == 0 })
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// clientConnGoroutines counts the goroutines net/http runs for open client
// connections.
func clientConnGoroutines() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "net/http.(*persistConn)")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func BenchmarkDeliveryLoop(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	s := testSigner(b)
	c := newTestClient(b, srv.URL)
	req := SignedRequest(s, []byte(`{"timestamp":1689684577,"sessionId":"ryueiwoqfh910fu3rpqruvfiu","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`))
	b.ReportAllocs()
	for b.Loop() {
		if out := c.Send(context.Background(), req); !out.OK() {
			b.Fatal(out.Message)
		}
	}
}

func TestConnectTimeoutIsItsOwnClass(t *testing.T) {
	url := testnet.SilentHostURL(t)
	out := newTestClient(t, url, WithTimeout(300*time.Millisecond)).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Class != FailConnect || !strings.Contains(out.Message, "no connection") {
		t.Errorf("outcome %+v, want class %q", out, FailConnect)
	}
}

func TestRecordedAnswerKeepsOnlyItsPrefix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("a", 60<<10))
	}))
	defer srv.Close()
	out := newTestClient(t, srv.URL).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if !out.OK() || out.BodySize != 60<<10 || cap(out.Body) > bodyPrefixLen {
		t.Errorf("size %d, kept len %d cap %d", out.BodySize, len(out.Body), cap(out.Body))
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://hooks.example/wms":        "https://hooks.example/wms",
		"https://u:pw@hooks.example/wms":   "https://u:xxxxx@hooks.example/wms",
		"http://u:pw@[::1/x":               "http://xxxxx@[::1/x",
		"u:pw@host/x":                      "xxxxx@host/x",
		"http://host/x?next=http://a:b@c/": "http://host/x?next=http://a:b@c/",
		"http://u:p%zz@host/":              "http://xxxxx@host/",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := NewClient("ftp://u:secretpw@host/"); err == nil || strings.Contains(err.Error(), "secretpw") {
		t.Errorf("NewClient error shows the password: %v", err)
	}
}
