package receiver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Limits of NewServer. A webhook request is small and sent at once, so
// anything slower or bigger is a broken or hostile client; each limit frees
// the goroutine and the connection it would hold.
const (
	// ReadHeaderTimeout bounds the headers: slowloris clients dribble them.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the whole request: the headers, then the body
	// within BodyTimeout, which the receiver also sets on its own.
	ReadTimeout = ReadHeaderTimeout + BodyTimeout
	// WriteTimeout bounds a request from its headers to the end of the
	// answer, fsync included.
	WriteTimeout = 20 * time.Second
	// IdleTimeout closes kept-alive connections nobody uses.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes caps the headers; WMS sends a handful.
	MaxHeaderBytes = 64 << 10
	// ShutdownTimeout is how long Serve waits for requests in flight.
	ShutdownTimeout = 10 * time.Second
)

// NewServer returns an http.Server for h with the limits above, so that
// slow or oversized clients cannot hold it. Go's default server has none.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Serve answers on ln until ctx is done, then shuts srv down gracefully:
// it stops accepting, lets requests in flight finish (up to
// ShutdownTimeout) and returns. Close the Receiver after Serve returns, so
// that nothing arrives after its last write.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		srv.Close()
	}
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
