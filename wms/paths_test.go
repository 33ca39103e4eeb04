package wms

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawGet sends path byte for byte, as no http.Client would, and reads the
// answer.
func rawGet(t *testing.T, base, path string) (*http.Response, string) {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+u.Host+"\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %.80q: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestOversizedAndGarbagePaths(t *testing.T) {
	h := newHarness(t, nil)
	pre := "/c/" + testConfigID + "/"
	cases := []struct {
		name, path string
		status     int
	}{
		{"oversized", pre + strings.Repeat("A", MaxPath) + "/a/r/s", http.StatusRequestURITooLong},
		{"oversized, unknown config", "/c/" + strings.Repeat("x", 2*MaxPath), http.StatusRequestURITooLong},
		{"oversized elsewhere", "/" + strings.Repeat("x", MaxPath+1), http.StatusRequestURITooLong},
		{"broken percent in config", "/c/%zz/a/b/c/d", http.StatusBadRequest},
		{"broken percent in profile", pre + "%zz/a/r/s", http.StatusBadRequest},
		{"bare percent", pre + "%/a/r/s", http.StatusBadRequest},
		{"html in config", "/c/<script>alert(1)</script>/a/b/c/d", http.StatusNotFound},
		{"dot segments", "/c/../../etc/passwd", http.StatusNotFound},
		{"double slashes", "/c//" + testConfigID + "//a/b/c", http.StatusBadRequest},
		{"nowhere", "/nothing/here", http.StatusNotFound},
		{"sessions without ID", "/mock/sessions/", http.StatusNotFound},
		{"unknown session", "/mock/sessions/nobody", http.StatusNotFound},
		{"unknown session endpoint", "/mock/sessions/nobody/else", http.StatusNotFound},
		{"done of unknown session", "/mock/sessions/nobody/done", http.StatusNotFound},
		{"absolute form", "http://example.test/c/nobody/a/b/c/d", http.StatusNotFound},
		{"binary", "/c/\x01\x7f\xff/a/b/c/d", http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawGet(t, h.url, c.path)
			if resp.StatusCode != c.status {
				t.Errorf("%d, want %d; body %.300s", resp.StatusCode, c.status, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("the page shows the path unescaped: %.300s", body)
			}
		})
	}
	// A method other than GET.
	resp, _ := do(t, h.client, http.MethodPost, h.url+pre+"a/b/c/d", "")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodGet {
		t.Errorf("POST a call-in: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// The index page names the Config ID.
	if resp, body := h.get("/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, testConfigID) {
		t.Errorf("index: %d %.200s", resp.StatusCode, body)
	}
}

// TestFaviconIsNoError: browsers ask every host for /favicon.ico, and a
// 404 there is a console error in every browser test of a customer's app.
func TestFaviconIsNoError(t *testing.T) {
	h := newHarness(t, nil)
	resp, _ := h.get("/favicon.ico")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("GET /favicon.ico: %d, want 204", resp.StatusCode)
	}
}
