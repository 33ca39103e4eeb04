// Command minrecv is the smallest receiver that does what every WMS webhook
// must: read the body, check its X-WMS-Content-MAC and answer. It is the
// yardstick of bench/compare.sh, where the load generators are measured
// against it so that the receiver costs as little as a correct one can.
// It is part of the benchmark, not of wms-mock.
//
//	WMS_MAC_SECRET=... minrecv -listen 127.0.0.1:8099
//
// It answers 204 to a valid event and 401 to one whose MAC does not verify,
// and prints how many of each it saw when it is stopped (SIGINT or SIGTERM).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
)

// maxBody bounds what is read of a request, far above any WMS event.
const maxBody = 1 << 20

type receiver struct {
	signer  *emitter.Signer
	bufs    sync.Pool
	ok, bad atomic.Uint64
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf := rv.bufs.Get().(*[]byte)
	defer rv.bufs.Put(buf)
	body, err := readAll((*buf)[:0], io.LimitReader(r.Body, maxBody))
	*buf = body
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rv.signer.Verify(r.Header.Get(emitter.HeaderMAC), body) != nil {
		rv.bad.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rv.ok.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// readAll is io.ReadAll into a reused buffer.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "`ADDR` to listen on; the URL is printed on the first line of standard output")
	flag.Parse()
	secret := os.Getenv("WMS_MAC_SECRET")
	signer, err := emitter.NewSigner([]byte(secret))
	if err != nil {
		fmt.Fprintln(os.Stderr, "minrecv:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "minrecv:", err)
		os.Exit(2)
	}
	rv := &receiver{signer: signer}
	rv.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	srv := &http.Server{Handler: rv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s/webhook\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	fmt.Fprintf(os.Stderr, "minrecv: %d verified, %d refused\n", rv.ok.Load(), rv.bad.Load())
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "minrecv:", err)
		os.Exit(1)
	}
}
