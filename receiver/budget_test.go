package receiver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/pause"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// forgedMAC is well formed and wrong for any body: the receiver reads the
// body before it can tell.
var forgedMAC = emitter.MACScheme + strings.Repeat("0", 64)

// startBody opens a connection and sends a POST's headers and the first
// part of its body, and no more.
func startBody(t *testing.T, url string, headers string, part string) net.Conn {
	t.Helper()
	c := dial(t, url)
	if _, err := fmt.Fprintf(c, "POST /hook HTTP/1.1\r\nHost: x\r\n%s: %s\r\n%s\r\n%s", emitter.HeaderMAC, forgedMAC, headers, part); err != nil {
		t.Fatal(err)
	}
	return c
}

// answerOn reads the answer the receiver sends on c, with a bound that
// only keeps a broken receiver from hanging the test.
func answerOn(t *testing.T, c net.Conn) (*http.Response, string, *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body), br
}

// waitFor polls until cond holds; the bound only keeps a broken receiver
// from hanging the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		pause.For(t.Context(), time.Millisecond)
	}
}

func bodyBytes(rc *Receiver) int64 {
	used, _, _ := rc.budget.counts()
	return used
}

// arriving counts the bodies the receiver is still reading.
func arriving(rc *Receiver) int {
	rc.budget.mu.Lock()
	defer rc.budget.mu.Unlock()
	return len(rc.budget.arriving)
}

// A body over the cap is answered 413 while the client is still sending
// it, and the connection is closed rather than drained.
func TestOverCapBodyIsRefusedBeforeItIsRead(t *testing.T) {
	rc, url := startReceiver(t, WithMaxBody(1<<10))
	cases := []struct {
		name    string
		headers string
		part    string
	}{
		{"Content-Length", fmt.Sprintf("Content-Length: %d\r\n", 1<<20), "{"},
		{"chunked", "Transfer-Encoding: chunked\r\n", fmt.Sprintf("%x\r\n%s\r\n", 2<<10, strings.Repeat("x", 2<<10))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := startBody(t, url, c.headers, c.part)
			resp, body, br := answerOn(t, conn)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "over 1024 bytes") || !resp.Close {
				t.Fatalf("got %d %q (close %v), want 413 saying the cap, closing the connection", resp.StatusCode, body, resp.Close)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("the connection stays open after the 413: %v", err)
			}
		})
	}
	if st := rc.Stats(); st.Rejected[413] != 2 || st.BodyPeak > 1<<10 {
		t.Errorf("rejected %v, body peak %d: want two 413s, at most the cap read", st.Rejected, st.BodyPeak)
	}
	waitFor(t, "the budget to be given back", func() bool { return bodyBytes(rc) == 0 })
}

// Slow bodies that fill the budget, none larger than a new one, make it
// wait: the new body is answered 503 with Retry-After. Once they go away, a
// valid event is stored.
func TestFullBudgetRefusesUntilBodiesGoAway(t *testing.T) {
	signer := testkit.Signer(t)
	const held, n = 64, 32
	rc, url := startReceiver(t, WithMaxBody(1<<10), WithBodyBudget(held*n))
	var slow []net.Conn
	for i := range n {
		slow = append(slow, startBody(t, url, fmt.Sprintf("Content-Length: %d\r\n", held), strings.Repeat("x", held/2)))
		waitFor(t, fmt.Sprintf("slow body %d to take its share", i), func() bool { return bodyBytes(rc) == int64(held*(i+1)) })
	}

	ev := eventBody(t, "budget", 0, "WMS_LOADED", nil)
	if len(ev) <= held {
		t.Fatalf("the event (%d bytes) must be larger than each slow body's share (%d)", len(ev), held)
	}
	a := deliver(t, url, signer, ev)
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "1" || !strings.Contains(a.body, "retry later") {
		t.Fatalf("with the budget full: %d %q (Retry-After %q), want 503 with Retry-After: 1", a.status, a.body, a.header.Get("Retry-After"))
	}
	if st := rc.Stats(); st.Shed != 0 || len(rc.Events("")) != 0 {
		t.Fatalf("shed %d, stored %d: nothing may be cut off for a body no smaller", st.Shed, len(rc.Events("")))
	}

	for _, c := range slow {
		c.Close()
	}
	waitFor(t, "the slow bodies' shares to be given back", func() bool { return bodyBytes(rc) == 0 })
	if a := deliver(t, url, signer, ev); a.status != http.StatusOK {
		t.Fatalf("once the slow bodies went away: %d %s, want 200", a.status, a.body)
	}
	if st := rc.Stats(); st.BodyPeak != held*n {
		t.Errorf("body peak %d, want the budget, %d", st.BodyPeak, held*n)
	}
}

// A flood of slow forged bodies holds the whole budget; valid events are
// still stored, each by cutting off a larger slow body, and every flood
// connection is answered 503 with Retry-After and closed.
func TestValidEventsPassAFloodOfSlowForgedBodies(t *testing.T) {
	signer := testkit.Signer(t)
	const maxBody, budget, flood = 4 << 10, 8 << 10, 24
	rc, url := startReceiver(t, WithMaxBody(maxBody), WithBodyBudget(budget))

	var (
		mu       sync.Mutex
		answered []string // "status retry-after close" of each flood answer
		wg       sync.WaitGroup
		conns    []net.Conn
	)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()
	for range flood {
		c := startBody(t, url, fmt.Sprintf("Content-Length: %d\r\n", maxBody), strings.Repeat("x", 512))
		conns = append(conns, c)
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("a flood connection got no answer: %v", err)
				}
				return
			}
			resp.Body.Close()
			mu.Lock()
			answered = append(answered, fmt.Sprintf("%d %s %v", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Close))
			mu.Unlock()
		})
	}
	flooded := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(answered)
	}
	// Each slow body holds its first buffer: budget/firstRead of them fit,
	// and the others, no larger, are refused.
	waitFor(t, "the flood to fill the budget", func() bool {
		return bodyBytes(rc) == budget && arriving(rc) == budget/firstRead && flooded() == flood-budget/firstRead
	})

	for i := range 3 {
		if a := deliver(t, url, signer, eventBody(t, "flood", int64(i), "WMS_LOADED", nil)); a.status != http.StatusOK {
			t.Fatalf("valid event %d during the flood: %d %s", i, a.status, a.body)
		}
	}
	st := rc.Stats()
	if st.Shed != 1 || st.BodyPeak > budget || len(rc.Events("flood")) != 3 {
		t.Fatalf("shed %d, body peak %d, stored %d: want one slow body cut off for the first event, the budget never exceeded, 3 stored",
			st.Shed, st.BodyPeak, len(rc.Events("flood")))
	}
	waitFor(t, "the cut-off body's answer", func() bool { return flooded() == flood-budget/firstRead+1 })
	mu.Lock()
	for _, a := range answered {
		if a != "503 1 true" {
			t.Errorf("a flood connection got %q, want 503 with Retry-After 1, closed", a)
		}
	}
	mu.Unlock()
}

// A body that stops arriving is answered 408 after the body timeout, and
// its share of the budget is given back.
func TestStalledBodyTimesOut(t *testing.T) {
	rc, err := New(testkit.Signer(t))
	if err != nil {
		t.Fatal(err)
	}
	rc.bodyTimeout = 50 * time.Millisecond
	url := serveReceiver(t, rc)
	c := startBody(t, url, "Content-Length: 100\r\n", "{")
	resp, body, _ := answerOn(t, c)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive within 50ms") || !resp.Close {
		t.Fatalf("got %d %q (close %v), want 408, closing the connection", resp.StatusCode, body, resp.Close)
	}
	waitFor(t, "the budget to be given back", func() bool { return bodyBytes(rc) == 0 })
}

// The default budget follows the memory limit, and holds a few bodies at
// the cap however small the limit.
func TestDefaultBodyBudget(t *testing.T) {
	for _, c := range []struct {
		opts []Option
		want int64
	}{
		{nil, DefaultMemoryLimit * BodyBudgetPerEvent},
		{[]Option{WithMemoryLimit(10)}, 4 * DefaultMaxBody},
		{[]Option{WithMemoryLimit(10), WithMaxBody(1 << 20)}, 4 << 20},
		{[]Option{WithBodyBudget(DefaultMaxBody)}, DefaultMaxBody},
	} {
		rc, err := New(testkit.Signer(t), c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if rc.budget.limit != c.want {
			t.Errorf("%d options: budget %d, want %d", len(c.opts), rc.budget.limit, c.want)
		}
	}
}

// The budget cuts off the largest body still arriving, and only one larger
// than the asker would be.
func TestBudgetCutsOffTheLargest(t *testing.T) {
	b := newBudget(100)
	cuts := map[*hold]int{}
	open := func(n int64) *hold {
		var h *hold
		h = b.open(func() { cuts[h]++ })
		if err := h.grow(n); err != nil {
			t.Fatalf("grow %d: %v", n, err)
		}
		return h
	}
	small, big, mid := open(10), open(50), open(40) // full
	if err := small.grow(40); !errors.Is(err, errBudgetFull) {
		t.Fatalf("growing to 50 beside a body of 50: %v, want errBudgetFull", err)
	}
	asker := b.open(nil) // in process: never cut off itself
	if err := asker.grow(20); err != nil {
		t.Fatalf("a body of 20 with one of 50 arriving: %v", err)
	}
	if cuts[big] != 1 || cuts[mid] != 0 || cuts[small] != 0 || !big.shed {
		t.Fatalf("cuts %v: want only the largest cut off", cuts)
	}
	if err := big.grow(1); !errors.Is(err, errShed) {
		t.Errorf("a cut-off body grows: %v", err)
	}
	if err := big.arrived(); !errors.Is(err, errShed) {
		t.Errorf("a cut-off body arrives: %v", err)
	}
	if err := mid.arrived(); err != nil {
		t.Fatal(err)
	}
	// mid has arrived: it is being verified, and can no longer be cut off.
	if err := open(0).grow(31); !errors.Is(err, errBudgetFull) {
		t.Errorf("only a finished body is larger: %v, want errBudgetFull", err)
	}
	for _, h := range []*hold{small, big, mid, asker} {
		h.release()
	}
	if used, peak, shed := b.counts(); used != 0 || peak != 100 || shed != 1 {
		t.Errorf("used %d, peak %d, shed %d; want 0, 100, 1", used, peak, shed)
	}
}
