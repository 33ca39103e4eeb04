package receiver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

func dial(t testing.TB, url string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A thousand clients that dribble headers or bodies hold a goroutine each,
// not the server: a valid event is still answered, and so is a slow client
// that finally completes its request.
func TestSlowClientsDoNotBlockValidEvents(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t)
	body := eventBody(t, "slow", 0, "WMS_LOADED", nil)
	var conns []net.Conn
	for i := range 1000 {
		c := dial(t, url)
		start := "POST /hook HTTP/1.1\r\nHost: x\r\nX-Dribble: "
		if i%2 == 1 { // headers done, the cap promised, 5 bytes sent
			start = fmt.Sprintf("POST /hook HTTP/1.1\r\nHost: x\r\n%s: %s\r\nContent-Length: %d\r\n\r\n%s",
				emitter.HeaderMAC, signer.MAC(body), DefaultMaxBody, body[:5])
		}
		if _, err := io.WriteString(c, start); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for round := range 2 {
		for _, c := range conns {
			c.Write([]byte("a"))
		}
		ev := eventBody(t, "valid", int64(round), "WMS_LOADED", nil)
		if a := deliver(t, url, signer, ev); a.status != 200 {
			t.Fatalf("round %d: valid event answered %d %s", round, a.status, a.body)
		}
	}
	// Memory follows the bytes that arrived, not the bytes announced.
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	if mem.HeapAlloc > 128<<20 {
		t.Errorf("heap at %d MiB with 500 clients that each announced the cap and sent 6 bytes", mem.HeapAlloc>>20)
	}
	// The last header dribbler completes its request and is served.
	last := conns[len(conns)-2]
	fmt.Fprintf(last, "\r\n%s: %s\r\nContent-Length: %d\r\n\r\n%s", emitter.HeaderMAC, signer.MAC(body), len(body), body)
	last.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(last), nil)
	if err != nil {
		t.Fatalf("the slow client got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the slow client got %d", resp.StatusCode)
	}
	if n := len(rc.Events("")); n != 3 {
		t.Errorf("%d events stored, want 3", n)
	}
}

func TestOversizedHeadersAre431(t *testing.T) {
	_, url := startReceiver(t)
	c := dial(t, url)
	go func() {
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n", strings.Repeat("p", 2*MaxHeaderBytes))
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// Signed hostile bodies reach the parser: each gets its status, nothing
// panics, and the receiver keeps serving.
func TestHostileBodies(t *testing.T) {
	signer := testkit.Signer(t)
	// Some bodies are hundreds of KB: they test the parser, not the cap.
	rc, url := startReceiver(t, WithMaxBody(1<<20))
	// env is a valid envelope of its own session, plus fields.
	n := 0
	env := func(fields string) []byte {
		n++
		return []byte(fmt.Sprintf(`{"timestamp":1700000000,"sessionId":"env-%d","sequence":0,"event":"WMS_LOADED","severity":"INFO"%s}`, n, fields))
	}
	cases := []struct {
		name   string
		body   []byte
		signed bool
		status int
		want   string
	}{
		{"invalid UTF-8", []byte("{\"timestamp\":1,\"sessionId\":\"\xff\xfe\",\"sequence\":0,\"event\":\"WMS_LOADED\",\"severity\":\"INFO\"}"), true, 400, "UTF-8"},
		{"invalid UTF-8 unsigned", []byte("{\"sessionId\":\"\xff\"}"), false, 401, "does not match"},
		{"nested to the limit", env(`,"sequence2":1,"payload":` + nested(maxDepth-1)), true, 200, "accepted"},
		{"nested past the limit", env(`,"payload":` + nested(maxDepth)), true, 400, "nested deeper"},
		{"nested 400k deep", env(`,"x":` + nested(400_000)), true, 400, "exceeded max depth"},
		{"object nesting", env(`,"x":` + strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)), true, 400, "nested deeper"},
		{"huge timestamp", []byte(`{"timestamp":1e400,"sessionId":"h","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`), true, 400, "timestamp must be an integer"},
		{"sequence over int64", []byte(`{"timestamp":1,"sessionId":"h","sequence":9223372036854775808,"event":"WMS_LOADED","severity":"INFO"}`), true, 400, "fits in 64 bits"},
		{"200k-digit number in an unknown field", env(`,"x":` + strings.Repeat("9", 200_000)), true, 200, "accepted"},
		{"repeated envelope key", []byte(`{"timestamp":1,"sessionId":"h","sequence":0,"sequence":1,"event":"WMS_LOADED","severity":"INFO"}`), true, 400, `"sequence\" appears twice`},
		{"repeated payload key", env(`,"payload":{"a":1,"b":[{"c":1,"c":2}]}`), true, 400, `"c\" appears twice`},
		{"keys differing in case only", []byte(`{"timestamp":1,"sessionId":"h","sequence":1,"Sequence":2,"event":"WMS_LOADED","severity":"INFO"}`), true, 200, "accepted"},
		{"raw control character", []byte("{\"timestamp\":1,\"sessionId\":\"a\nb\",\"sequence\":0,\"event\":\"WMS_LOADED\",\"severity\":\"INFO\"}"), true, 400, "not valid JSON"},
		{"escaped NUL and lone surrogate", []byte(`{"timestamp":1,"sessionId":"\u0000\ud800","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`), true, 200, "accepted"},
		{"infinite snr", []byte(`{"timestamp":1,"sessionId":"h","sequence":2,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"a1e6c2e6-410b-4e19-bae5-a72a0343d322","snr":1e400,"sequence":1}}`), true, 200, "accepted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{emitter.HeaderMAC: {signer.MAC(c.body)}}
			if !c.signed {
				h[emitter.HeaderMAC] = []string{signer.MAC([]byte("something else"))}
			}
			a := send(t, http.MethodPost, url, c.body, h)
			if a.status != c.status || !strings.Contains(a.body, c.want) {
				t.Fatalf("got %d %s, want %d with %q", a.status, humanize.Clip(a.body, maxEcho), c.status, c.want)
			}
		})
	}
	var snr bool
	for _, f := range rc.Findings() {
		snr = snr || (f.Kind == FindingBadField && strings.Contains(f.Message, "snr must be a finite number"))
	}
	if !snr {
		t.Errorf("the infinite snr was not flagged: %v", rc.Findings())
	}
	for _, r := range rc.Events("h") {
		if r.Sequence == 1 && !strings.Contains(string(r.Body), `"Sequence":2`) {
			t.Errorf("case-variant key: stored %s", r.Body)
		}
	}
	if a := deliver(t, url, signer, eventBody(t, "after", 0, "WMS_LOADED", nil)); a.status != 200 {
		t.Fatalf("the receiver stopped serving: %d", a.status)
	}
}

func TestNewServerIsHardened(t *testing.T) {
	srv := NewServer("127.0.0.1:0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Fatalf("server limits not set: %+v", srv)
	}
}

// Cancelling Serve's context lets a request in flight finish before Serve
// returns.
func TestServeShutsDownGracefully(t *testing.T) {
	signer := testkit.Signer(t)
	rc, err := New(signer)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		rc.ServeHTTP(w, r)
	})
	go func() { served <- Serve(ctx, NewServer("", h), ln) }()

	body := eventBody(t, "graceful", 0, "WMS_LOADED", nil)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String(), pr)
	req.ContentLength = int64(len(body))
	req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := testClient.Do(req)
		if err != nil {
			t.Error(err)
			answered <- nil
			return
		}
		resp.Body.Close()
		answered <- resp
	}()
	pw.Write(body[:10])
	<-started // the handler is reading the body
	cancel()
	pw.Write(body[10:])
	pw.Close()
	if resp := <-answered; resp == nil || resp.StatusCode != 200 {
		t.Fatalf("in-flight request: %v", resp)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if err := rc.Close(); err != nil || len(rc.Events("graceful")) != 1 {
		t.Fatalf("close %v, events %d", err, len(rc.Events("graceful")))
	}
}
