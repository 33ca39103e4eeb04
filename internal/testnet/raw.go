package testnet

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

// RawServer accepts connections on loopback and hands each to handle, so
// that tests can play receivers that no http.Server would be. Handlers
// wait on done instead of sleeping (see Hold); cleanup closes it, closes
// every connection and waits for every handler, so that no test leaves
// goroutines behind for the next. It returns the server's webhook URL.
func RawServer(t testing.TB, handle func(c net.Conn, done <-chan struct{})) string {
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

// Hold waits d, or less when the test ends (done closed): how a stand-in
// receiver stalls without leaving a sleeping goroutine behind.
func Hold(done <-chan struct{}, d time.Duration) {
	select {
	case <-done:
	case <-time.After(d):
	}
}

// ReadRequest reads one HTTP/1.1 request's raw bytes off c, headers as
// spelled on the wire, so that a test can check what a client really sent.
// The body is read by its Content-Length.
func ReadRequest(c net.Conn) ([]byte, error) {
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
