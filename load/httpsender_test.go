package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/internal/testnet"
)

func newTestSender(t testing.TB, url string, opts ...HTTPOption) *HTTPSender {
	t.Helper()
	s, err := NewHTTPSender(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// signed is a request as the load generator sends it.
func signed(t testing.TB, body string) emitter.Request {
	return emitter.SignedRequest(testkit.Signer(t), []byte(body))
}

func TestHTTPSenderSpellsTheHeaderAsDocumented(t *testing.T) {
	captured := make(chan []byte, 2)
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		for {
			raw, err := testnet.ReadRequest(c)
			if err != nil {
				return
			}
			captured <- raw
			io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		}
	})
	body := `{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`
	req := signed(t, body)
	s := newTestSender(t, url)
	// The second request goes out on the kept-alive connection, the way
	// most of a run's do.
	for i := range 2 {
		if out := s.Send(context.Background(), req); !out.OK() || out.Status != 204 {
			t.Fatalf("request %d: outcome %+v", i, out)
		}
		raw := string(<-captured)
		head, gotBody, _ := strings.Cut(raw, "\r\n\r\n")
		head += "\r\n"
		for _, want := range []string{
			"POST /webhook HTTP/1.1\r\n",
			"\r\nX-WMS-Content-MAC: " + req.Header[emitter.HeaderMAC][0] + "\r\n",
			"\r\nContent-Type: application/json\r\n",
			"\r\nUser-Agent: wms-mock/" + emitter.Version + "\r\n",
			"\r\nContent-Length: " + "83" + "\r\n",
		} {
			if !strings.Contains(head, want) {
				t.Errorf("request %d: head lacks %q:\n%s", i, want, head)
			}
		}
		if strings.Contains(head, "X-Wms-Content-Mac") {
			t.Errorf("header sent in a canonical spelling:\n%s", head)
		}
		if gotBody != body {
			t.Errorf("body on the wire = %q", gotBody)
		}
	}
}

func TestHTTPSenderSendsCredentialsAndHeadersGiven(t *testing.T) {
	captured := make(chan string, 1)
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		raw, _ := testnet.ReadRequest(c)
		captured <- string(raw)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	url = strings.Replace(url, "http://", "http://hook:s3cret@", 1) + "?tenant=a%20b"
	req := emitter.Request{Method: http.MethodPut, Body: []byte(`{}`), Header: http.Header{"Content-Type": {"text/plain"}, "x-trace": {"1", "2"}}}
	if out := newTestSender(t, url).Send(context.Background(), req); !out.OK() {
		t.Fatalf("outcome %+v", out)
	}
	raw := <-captured
	for _, want := range []string{"PUT /webhook?tenant=a%20b HTTP/1.1\r\n", "\r\nAuthorization: Basic aG9vazpzM2NyZXQ=\r\n", "\r\nContent-Type: text/plain\r\n", "\r\nx-trace: 1\r\n", "\r\nx-trace: 2\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf("request lacks %q:\n%s", want, raw)
		}
	}
}

func TestHTTPSenderRecordsTheAnswer(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	out := newTestSender(t, redirect.URL).Send(context.Background(), signed(t, `{}`))
	if out.Status != http.StatusTemporaryRedirect || out.OK() || out.Class != "" || followed.Load() != 0 {
		t.Errorf("redirect: outcome %+v, followed %d times; want the 307 recorded, not followed", out, followed.Load())
	}

	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "bad envelope: "+strings.Repeat("z", 2000))
	}))
	defer refusing.Close()
	out = newTestSender(t, refusing.URL).Send(context.Background(), signed(t, `{}`))
	if out.Status != 400 || out.OK() || out.BodySize != 2014 || len(out.Body) != emitter.BodyPrefixLen || cap(out.Body) > emitter.BodyPrefixLen || !bytes.HasPrefix(out.Body, []byte("bad envelope: z")) {
		t.Errorf("status %d size %d prefix len %d cap %d", out.Status, out.BodySize, len(out.Body), cap(out.Body))
	}
	if out.Latency <= 0 {
		t.Errorf("latency %v", out.Latency)
	}
}

func TestHTTPSenderKeepsConnectionsAlive(t *testing.T) {
	var accepted atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := newTestSender(t, srv.URL)
	for range 50 {
		if out := s.Send(context.Background(), signed(t, `{}`)); !out.OK() {
			t.Fatalf("outcome %+v", out)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("50 deliveries one after another opened %d connections, want 1", n)
	}
}

// A receiver may close a kept-alive connection while it is idle; the next
// request on it is sent again on a new connection, since no answer was
// begun, whether it went out through the raw exchange (idle briefly) or
// the plain path (idle longer).
func TestHTTPSenderResendsOnAConnectionClosedWhileIdle(t *testing.T) {
	for _, idle := range []time.Duration{10 * time.Millisecond, 2 * rawIdleMax} {
		var conns atomic.Int32
		url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
			conns.Add(1)
			if _, err := testnet.ReadRequest(c); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
			c.Close() // no "Connection: close": an idle timeout
		})
		s := newTestSender(t, url)
		for i := range 3 {
			if out := s.Send(context.Background(), signed(t, `{}`)); !out.OK() {
				t.Errorf("idle %v, request %d: %+v; want it sent again on a new connection", idle, i, out)
			}
			time.Sleep(idle)
		}
		if n := conns.Load(); n < 3 {
			t.Errorf("idle %v: %d connections for 3 requests on connections closed after each", idle, n)
		}
	}
}

func TestHTTPSenderCancelEndsDeliveriesInFlight(t *testing.T) {
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		testnet.ReadRequest(c)
		testnet.Hold(done, 5*time.Second)
		c.Close()
	})
	s := newTestSender(t, url, WithTimeout(5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan emitter.Outcome, 3)
	for range 3 {
		go func() { results <- s.Send(ctx, signed(t, `{}`)) }()
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cancel()
	for range 3 {
		if out := <-results; out.Class != emitter.FailCanceled {
			t.Errorf("outcome %+v, want canceled", out)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("canceled deliveries took %v to end", took)
	}
	if out := s.Send(ctx, signed(t, `{}`)); out.Class != emitter.FailCanceled {
		t.Errorf("a delivery with a canceled context: %+v", out)
	}
	// Another context's deliveries are not touched.
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	s2 := newTestSender(t, ok.URL)
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	s2.Send(ctx, signed(t, `{}`))
	if out := s2.Send(other, signed(t, `{}`)); !out.OK() {
		t.Errorf("a live context after a canceled one: %+v", out)
	}
}

func TestHTTPSenderTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(emitter.HeaderMAC) == "" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	caFile := testnet.CAFile(t, srv)
	send := func(url string, opts ...HTTPOption) emitter.Outcome {
		return newTestSender(t, url, append(opts, WithTimeout(2*time.Second))...).Send(context.Background(), signed(t, `{}`))
	}
	if out := send(srv.URL); out.Class != emitter.FailTLS || !strings.Contains(out.Message, "--ca-cert") {
		t.Errorf("self-signed without trust: %+v", out)
	}
	if out := send(srv.URL, WithCACert(caFile)); !out.OK() {
		t.Errorf("with --ca-cert: %+v", out)
	}
	if out := send(srv.URL, WithInsecureTLS()); !out.OK() {
		t.Errorf("with --insecure: %+v", out)
	}
	otherName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if out := send(otherName, WithCACert(caFile)); out.Class != emitter.FailTLS {
		t.Errorf("certificate for another name: %+v", out)
	}
	if _, err := NewHTTPSender(srv.URL, WithCACert(filepath.Join(t.TempDir(), "none.pem"))); err == nil {
		t.Errorf("a missing CA file was accepted")
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, err := NewHTTPSender(srv.URL, WithCACert(junk)); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without certificates: %v", err)
	}
}

func TestNewHTTPSenderRefusesWhatItCannotSendTo(t *testing.T) {
	for _, url := range []string{"", "127.0.0.1:8080/hook", "ftp://example.com/", "http:///path"} {
		if _, err := NewHTTPSender(url); !errors.Is(err, emitter.ErrBadURL) {
			t.Errorf("NewHTTPSender(%q) = %v, want ErrBadURL", url, err)
		}
	}
	for _, opt := range []HTTPOption{WithTimeout(0), WithBodyCap(0), WithMaxConns(0)} {
		if _, err := NewHTTPSender("http://127.0.0.1:1/", opt); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("a zero option: %v", err)
		}
	}
}

// net/http reads the proxy settings once a process, so a child process
// checks them.
func TestNewHTTPSenderRefusesAProxiedURL(t *testing.T) {
	if os.Getenv("LOAD_TEST_PROXIED") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNewHTTPSenderRefusesAProxiedURL$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LOAD_TEST_PROXIED=1", "HTTP_PROXY=http://proxy.example:3128", "NO_PROXY=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v:\n%s", err, out)
		}
		return
	}
	if _, err := NewHTTPSender("http://hooks.example.com/webhook"); !errors.Is(err, ErrProxied) {
		t.Errorf("a proxied URL: %v, want ErrProxied", err)
	}
	if _, err := NewHTTPSender("http://127.0.0.1:8080/webhook"); err != nil {
		t.Errorf("loopback is never proxied: %v", err)
	}
}

// A load run through HTTPSender delivers every session in order, each
// event verified by an independent receiver.
func TestRunThroughHTTPSender(t *testing.T) {
	const sessions = 120
	for _, rate := range []float64{0, 20_000} {
		rec := testkit.NewReceiver(t, testkit.Signer(t))
		s := newTestSender(t, rec.URL, WithMaxConns(16))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := Run(ctx, Config{Source: testSource(testkit.Signer(t)), Sender: s, Sessions: sessions, Concurrency: 16, Rate: rate})
		if err != nil {
			t.Fatal(err)
		}
		var events uint64
		for i := range uint64(sessions) {
			events += uint64(sessionLen(i))
		}
		if res.Sent != events || res.OK != events || res.Status[204] != events {
			t.Errorf("rate %g: sent %d, ok %d, status %v, failures %v; want %d, all 204", rate, res.Sent, res.OK, res.Status, res.Failures, events)
		}
		if bad := rec.BadMACs(); bad != 0 {
			t.Errorf("rate %g: %d events did not verify", rate, bad)
		}
		got := rec.Sequences()
		if len(got) != sessions {
			t.Errorf("rate %g: the receiver saw %d sessions, want %d", rate, len(got), sessions)
		}
		for id, seqs := range got {
			for k, seq := range seqs {
				if seq != int64(k) {
					t.Fatalf("session %s arrived with sequences %v, want 0..%d in order", id, seqs, len(seqs)-1)
				}
			}
		}
	}
}

func TestHTTPSenderHeadAndTrailingBytes(t *testing.T) {
	var conns atomic.Int32
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		conns.Add(1)
		for {
			raw, err := testnet.ReadRequest(c)
			if err != nil {
				return
			}
			if strings.HasPrefix(string(raw), "HEAD ") {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
				continue
			}
			io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 500 Stray\r\n\r\n")
		}
	})
	s := newTestSender(t, url, WithTimeout(2*time.Second))
	if out := s.Send(context.Background(), emitter.Request{Method: http.MethodHead}); !out.OK() || out.BodySize != 0 {
		t.Errorf("HEAD: %+v; want its answer without a body", out)
	}
	for i := range 3 {
		if out := s.Send(context.Background(), signed(t, `{}`)); out.Status != 204 {
			t.Errorf("request %d: %+v; want 204, not the stray answer", i, out)
		}
	}
	// The HEAD's connection is kept for the first request; each with
	// stray bytes after its answer is closed.
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections for 4 requests, want 3", n)
	}
}

// The short way of writing a signed POST gives the bytes of the general
// one.
func TestSignedRequestsAreWrittenAsAnyOther(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:8080/webhook", "https://hook:s3cret@hooks.example.com/wms?tenant=a%20b"} {
		s := newTestSender(t, url)
		for _, body := range []string{`{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`, ""} {
			req := signed(t, body)
			var short, general exchange
			s.build(&short, req)
			s.buildAny(&general, req)
			if string(short.out) != string(general.out) {
				t.Errorf("%s: the short way wrote\n%q\nthe general way\n%q", url, short.out, general.out)
			}
		}
	}
}
