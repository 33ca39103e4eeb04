package testnet

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Hostile are loopback webhook URLs of receivers that misbehave as real
// ones can, one for each way a delivery fails, so that the failure tests of
// every sender (emitter.Client, the load generator's) meet the same
// receivers and can hold each sender to the same failure class.
type Hostile struct {
	// Hang reads the request and never answers, and NeverRead does not even
	// read it: both hold the connection five deadlines long.
	Hang, NeverRead string
	// Dribble answers a 100-byte body one byte every quarter deadline.
	Dribble string
	// Reset sends the start of an answer and resets the connection.
	Reset string
	// CloseAtOnce reads the request and closes without a byte of answer.
	CloseAtOnce string
	// NotHTTP answers as an SSH server would.
	NotHTTP string
	// Endless sends an endless chunked body (4 MiB, then closes).
	Endless string
	// BigLength announces a 10 MB body, sends 4 bytes and holds.
	BigLength string
	// HugeHeader answers with a 200 KiB header.
	HugeHeader string
	// Refused is a port nobody listens on.
	Refused string
}

// HostileReceivers starts the receivers of Hostile for a sender whose
// deadline is deadline; they stop with the test.
func HostileReceivers(t testing.TB, deadline time.Duration) Hostile {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	return Hostile{
		Hang:      RawServer(t, func(c net.Conn, done <-chan struct{}) { ReadRequest(c); Hold(done, 5*deadline); c.Close() }),
		NeverRead: RawServer(t, func(c net.Conn, done <-chan struct{}) { Hold(done, 5*deadline); c.Close() }),
		Dribble: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
			for range 20 {
				if _, err := c.Write([]byte("x")); err != nil {
					break
				}
				Hold(done, deadline/4)
			}
			c.Close()
		}),
		Reset: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}),
		CloseAtOnce: RawServer(t, func(c net.Conn, done <-chan struct{}) { ReadRequest(c); c.Close() }),
		NotHTTP: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\nProtocol mismatch.\r\n")
			c.Close()
		}),
		Endless: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := "1000\r\n" + strings.Repeat("x", 0x1000) + "\r\n"
			for range 1000 {
				if _, err := io.WriteString(c, chunk); err != nil {
					break
				}
			}
			c.Close()
		}),
		BigLength: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\nxxxx")
			Hold(done, 5*deadline)
			c.Close()
		}),
		HugeHeader: RawServer(t, func(c net.Conn, done <-chan struct{}) {
			ReadRequest(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("y", 200<<10)+"\r\n\r\n")
			c.Close()
		}),
		Refused: refused,
	}
}
