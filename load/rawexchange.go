package load

import (
	"io"
	"os"
	"syscall"
)

// rawExchange sends a request and reads the first bytes of its answer with
// two system calls, where Go's net.Conn takes three: a read on a socket
// first tries the read, which fails (EAGAIN) since the receiver has not
// answered yet, then waits for the socket. Measured on a 2-core machine
// against bench/minrecv: two reads for each event, one of them in vain.
// Sending from inside syscall.RawConn.Read lets the wait be armed before
// the request leaves, so that the answer cannot arrive unseen, and the
// only read is the one that finds it. The write and the read are raw
// system calls where rawSyscalls (see rawWrite).
type rawExchange struct {
	raw     syscall.RawConn // nil for TLS, which reads through crypto/tls, and without rawSyscalls
	buf     []byte          // the first bytes of the answer, read by exchange
	pending []byte          // what of buf Read has not returned yet
	err     error           // the error of exchange's read, for Read to return

	// The state of one exchange, which step, made once a connection so
	// that an exchange allocates nothing, works on.
	step       func(fd uintptr) bool
	req        []byte // what is left to send
	sent       bool
	n          int
	werr, rerr error
}

// rawAnswerBuf is how much of an answer exchange reads at once: a
// webhook's answer fits; fasthttp reads any more through Read.
const rawAnswerBuf = 4 << 10

// exchange writes req and reads the first bytes of the answer, which Read
// then returns before reading from the connection again. The connection's
// deadline bounds the wait. A request the socket cannot take at once is
// finished through the connection's Write, and its answer read as usual.
// Its error is a writeError when the request was not sent.
func (c *trackedConn) exchange(req []byte) error {
	if c.step == nil {
		c.buf = make([]byte, rawAnswerBuf)
		c.step = c.rawStep
	}
	c.pending, c.err = nil, nil
	c.req, c.sent, c.n, c.werr, c.rerr = req, false, 0, nil, nil
	err := c.raw.Read(c.step)
	rest := c.req
	c.req = nil
	switch {
	case err != nil && !c.sent:
		return &writeError{err}
	case err != nil:
		return err
	case c.werr == syscall.EAGAIN:
		if _, err := c.Conn.Write(rest); err != nil {
			return &writeError{err}
		}
		return nil
	case c.werr != nil:
		return &writeError{os.NewSyscallError("write", c.werr)}
	case c.rerr != nil:
		c.err = os.NewSyscallError("read", c.rerr)
	case c.n == 0:
		c.err = io.EOF
	}
	c.pending = c.buf[:c.n]
	return nil
}

// rawStep is called by RawConn.Read: first to send the request, and then,
// each time the socket is readable, to read. It reports whether the
// exchange is over.
func (c *trackedConn) rawStep(fd uintptr) bool {
	for !c.sent {
		m, err := rawWrite(fd, c.req)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			c.werr = err // EAGAIN included: exchange finishes the request
			return true
		}
		c.req = c.req[m:]
		if len(c.req) == 0 {
			c.sent = true
			return false // now wait for the answer
		}
	}
	for {
		m, err := rawRead(fd, c.buf)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.n, c.rerr = max(m, 0), err
		return true
	}
}

// Read returns what exchange read first, then reads from the connection.
func (c *trackedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if err := c.err; err != nil {
		c.err = nil
		return 0, err
	}
	return c.Conn.Read(p)
}
