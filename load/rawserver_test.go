package load

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawServer accepts connections on loopback and hands each to handle, so
// tests can play receivers that no http.Server would be (a copy of the
// helper of emitter's own tests, which other packages cannot import).
// Handlers wait on done instead of sleeping; cleanup closes it and waits
// for every handler, so that no test leaves goroutines behind for the next.
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

// hold waits d, or less when the test ends: how a stand-in receiver stalls
// without leaving a sleeping goroutine behind.
func hold(done <-chan struct{}, d time.Duration) {
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
