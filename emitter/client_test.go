package emitter

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testnet"
)

func newTestClient(t testing.TB, url string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestRawRequestSpellsTheHeaderAsDocumented(t *testing.T) {
	captured := make(chan []byte, 1)
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		raw, _ := testnet.ReadRequest(c)
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
	if out.Status != 400 || out.OK() || out.BodySize != 2014 || len(out.Body) != BodyPrefixLen || !bytes.HasPrefix(out.Body, []byte("bad envelope: z")) {
		t.Errorf("status %d size %d prefix %q", out.Status, out.BodySize, out.Body[:20])
	}
}

func TestRecordedAnswerKeepsOnlyItsPrefix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("a", 60<<10))
	}))
	defer srv.Close()
	out := newTestClient(t, srv.URL).Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if !out.OK() || out.BodySize != 60<<10 || cap(out.Body) > BodyPrefixLen {
		t.Errorf("size %d, kept len %d cap %d", out.BodySize, len(out.Body), cap(out.Body))
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	caFile := testnet.CAFile(t, srv)
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

func TestCanceledContextStopsDelivery(t *testing.T) {
	url := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
		testnet.ReadRequest(c)
		testnet.Hold(done, 2*time.Second)
		c.Close()
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	out := newTestClient(t, url, WithRetry(Retry{Max: 5})).Send(ctx, SignedRequest(testSigner(t), []byte(`{}`)))
	if out.Class != FailCanceled || len(out.Attempts) != 1 {
		t.Errorf("outcome %+v", out)
	}
}

func TestNoGoroutineOutlivesDeliveries(t *testing.T) {
	before := runtime.NumGoroutine()
	// In a subtest, so that the servers' cleanups have run when it returns.
	t.Run("deliveries", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(srv.Close)
		hang := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
			testnet.ReadRequest(c)
			testnet.Hold(done, time.Second)
			c.Close()
		})
		reset := testnet.RawServer(t, func(c net.Conn, done <-chan struct{}) {
			testnet.ReadRequest(c)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		})
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
