package inspector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/receiver"
)

// serve runs one request through an inspector of a fresh receiver, from
// the remote address and with the headers given.
func serve(t *testing.T, h http.Handler, target, remote string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = remote
	req.Host = "127.0.0.1:9000"
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func newReceiver(t *testing.T) *receiver.Receiver {
	t.Helper()
	rc, err := receiver.New(testkit.Signer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

func TestNonLoopbackClientsNeedTheToken(t *testing.T) {
	const token = "s3cret-inspector-token"
	open, guarded := New(newReceiver(t)), New(newReceiver(t), WithToken(token))
	remote := "203.0.113.7:40000"
	cases := []struct {
		name   string
		h      http.Handler
		target string
		remote string
		header http.Header
		want   int
	}{
		{"loopback v4", open, "/api/state", "127.0.0.1:5000", nil, 200},
		{"loopback v6", open, "/api/state", "[::1]:5000", nil, 200},
		{"remote, no token set", open, "/api/state", remote, nil, 403},
		{"remote, no token sent", guarded, "/api/state", remote, nil, 403},
		{"remote, wrong bearer", guarded, "/api/state", remote, http.Header{"Authorization": {"Bearer " + token + "x"}}, 403},
		{"remote, bearer", guarded, "/api/state", remote, http.Header{"Authorization": {"Bearer " + token}}, 200},
		{"remote, token in the query", guarded, "/api/state?token=" + token, remote, nil, 200},
		{"remote, wrong token in the query", guarded, "/api/state?token=nope", remote, nil, 403},
		{"remote, the token as a cookie", guarded, "/api/state", remote, http.Header{"Cookie": {cookieName + "=" + token}}, 403},
		{"loopback through a tunnel", open, "/api/state", "127.0.0.1:5000", http.Header{"X-Forwarded-For": {"198.51.100.1"}}, 403},
		{"loopback peer, foreign Host (DNS rebinding)", open, "/api/state", "127.0.0.1:5000", http.Header{"Host": {"evil.example:9000"}}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, c.target, nil)
			req.RemoteAddr, req.Host = c.remote, "127.0.0.1:9000"
			if h := c.header.Get("Host"); h != "" {
				req.Host = h
			}
			for k, v := range c.header {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Errorf("status %d, want %d: %s", w.Code, c.want, w.Body)
			}
			if strings.Contains(w.Body.String(), token) {
				t.Error("the answer shows the token")
			}
		})
	}
}

// The token passed once in the address leaves it: the page redirects to
// itself without it, and a cookie that does not hold the token lets the
// browser in from then on.
func TestTokenInTheAddressBecomesACookie(t *testing.T) {
	const token = "another-token-42"
	h := New(newReceiver(t), WithToken(token))
	w := serve(t, h, "/?token="+token+"&x=1", "192.0.2.8:1234", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?x=1" {
		t.Fatalf("status %d, Location %q; want 303 to /?x=1", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != cookieName || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies = %+v, want one HttpOnly SameSite=Strict", cookies)
	}
	if strings.Contains(cookies[0].Value, token) {
		t.Error("the cookie holds the token itself")
	}
	w = serve(t, h, "/", "192.0.2.8:1234", http.Header{"Cookie": {cookies[0].String()}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "wms-mock inspector") {
		t.Errorf("with the cookie: status %d", w.Code)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") {
		t.Errorf("the page's policy is %q", csp)
	}
}

func TestDownloadIsJSONLines(t *testing.T) {
	r := newRig(t)
	bodies := journey(t, "dl/session 1", 2.5, 6)
	r.deliver(t, bodies[1])
	r.deliver(t, bodies[0])
	for _, b := range bodies[2:] {
		r.deliver(t, b)
	}
	resp, err := client.Get(r.inspector + "/sessions/dl%2Fsession%201.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="session-dl_session_1.jsonl"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	sc := bufio.NewScanner(resp.Body)
	var got [][]byte
	for sc.Scan() {
		var l struct {
			ReceivedAt string          `json:"receivedAt"`
			Envelope   json.RawMessage `json:"envelope"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ReceivedAt == "" {
			t.Fatalf("line %q is not an events-file line: %v", sc.Text(), err)
		}
		got = append(got, l.Envelope)
	}
	if len(got) != len(bodies) || !bytes.Equal(got[0], bodies[1]) || !bytes.Equal(got[1], bodies[0]) {
		t.Errorf("%d lines, first %s; want %d in arrival order", len(got), got[0], len(bodies))
	}
	r.get(t, "/sessions/nobody.jsonl", 404)
	r.get(t, "/sessions/dl%2Fsession%201.json", 404)
}

func TestSessionTimeline(t *testing.T) {
	r := newRig(t)
	bodies := journey(t, "tl", 3.1, 8.4)
	order := []int{0, 1, 3, 2, 2, 4, 6, 7, 8, 9, 10} // 2 late and twice, 5 never
	for _, i := range order {
		r.post(t, bodies[i], r.signer.MAC(bodies[i]))
	}
	var p sessionPage
	if err := json.Unmarshal(r.get(t, "/api/sessions/tl", 200), &p); err != nil {
		t.Fatal(err)
	}
	if p.Outcome.Label != "results received" || p.Events != 10 || p.Redeliveries != 1 || !p.HasSNR || len(p.Measurements) != 1 {
		t.Errorf("session = %+v", p.SessionInfo)
	}
	var seqs []string
	for _, e := range p.Timeline {
		s := e.Kind + ":" + strings.TrimSpace(strings.Repeat("late ", b2i(e.Late))+strings.Repeat("x", e.Redelivery))
		seqs = append(seqs, s)
	}
	want := "event: event: event:late x event: event: gap: event: event: event: event: event:"
	if got := strings.Join(seqs, " "); got != want {
		t.Errorf("timeline =\n%s\nwant\n%s", got, want)
	}
	if gap := p.Timeline[5]; gap.Sequence != 5 || gap.To != 5 || len(gap.Findings) != 1 || gap.Findings[0].Kind != receiver.FindingSequenceGap {
		t.Errorf("gap = %+v", gap)
	}
	if e := p.Timeline[2]; e.Arrival != 4 || e.Sequence != 2 {
		t.Errorf("sequence 2 arrival = %d, want 4th", e.Arrival)
	}
	svg := string(r.get(t, "/sessions/tl/snr.svg", 200))
	if !strings.Contains(svg, `<path class="series"`) || !strings.Contains(svg, ">8.4<") {
		t.Errorf("chart = %s", svg)
	}
	r.get(t, "/api/sessions/nobody", 404)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The feed gathers a burst into one message naming the sessions touched.
func TestStreamGathersABurst(t *testing.T) {
	r := newRig(t)
	resp, err := client.Get(r.inspector + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- data
			}
		}
		close(lines)
	}()
	// The subscription is made before the first bytes are flushed.
	for _, b := range journey(t, "burst", 1)[:4] {
		r.deliver(t, b)
	}
	r.post(t, []byte(`{}`), "")
	var got change
	select {
	case data := <-lines:
		if err := json.Unmarshal([]byte(data), &got); err != nil {
			t.Fatalf("message %q: %v", data, err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no message within 2s")
	}
	if len(got.Sessions) != 1 || got.Sessions[0] != "burst" || got.Refused+countRefusedLater(t, lines) != 1 {
		t.Errorf("message = %+v, want the one session and the refusal", got)
	}
}

// countRefusedLater reads what the feed sends in the next half second, for
// a burst that straddled two batches.
func countRefusedLater(t *testing.T, lines <-chan string) int {
	n := 0
	deadline := time.After(500 * time.Millisecond)
	for {
		select {
		case data := <-lines:
			var c change
			_ = json.Unmarshal([]byte(data), &c)
			n += c.Refused
		case <-deadline:
			return n
		}
	}
}

// The feed outlives the server's WriteTimeout, idle stretches included.
func TestStreamOutlivesTheWriteTimeout(t *testing.T) {
	signer := testkit.Signer(t)
	rc, err := receiver.New(signer)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := New(rc).(*handler)
	h.beat = 50 * time.Millisecond
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	defer srv.Close()
	resp, err := client.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pings := make(chan struct{}, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == ": ping" {
				pings <- struct{}{}
			}
		}
		close(pings)
	}()
	deadline := time.After(5 * time.Second)
	for n := 0; n < 8; n++ { // 400ms: four times the WriteTimeout
		select {
		case _, ok := <-pings:
			if !ok {
				t.Fatalf("the stream ended after %d heartbeats", n)
			}
		case <-deadline:
			t.Fatal("no heartbeat")
		}
	}
}
