// Package testnet holds loopback stand-ins for network conditions that
// tests of several packages need and no http.Server can play: a host that
// never answers, receivers that misbehave (Hostile), a server that reads
// requests as raw bytes (RawServer). It imports nothing of the project, so
// that every package's own tests, emitter's internal ones included, can
// use it.
package testnet

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// SilentHostURL returns a loopback webhook URL whose listen queue is full
// and never drained: a new connection's SYN is dropped and dialing hangs,
// as with a firewalled host, without sending anything off the machine.
func SilentHostURL(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	// A backlog of 0 still queues a connection or two; fill it.
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for range 4 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	return "http://" + addr + "/webhook"
}
