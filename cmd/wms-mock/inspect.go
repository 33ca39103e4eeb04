package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/spf13/pflag"

	"github.com/wmsmock/wms-mock/inspector"
	"github.com/wmsmock/wms-mock/receiver"
)

// inspectFlags are the flags of the commands that can serve the
// receiver's inspector page: receive and demo.
type inspectFlags struct {
	addr  string
	token string
}

func (f *inspectFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "inspect", "", "serve the inspector, a live page of what the receiver got, on `ADDR` (host:port, its own listener; default off)")
	fs.StringVar(&f.token, "inspect-token", "", "let clients that are not on loopback into the inspector with `TOKEN` (default $WMS_INSPECT_TOKEN; without one, loopback only)")
}

// validate refuses an inspector on a non-loopback address without a
// token: a receiver behind a public tunnel must never show its sessions
// to whoever finds the port.
func (f *inspectFlags) validate(std *stdio) error {
	if f.addr == "" {
		if f.token != "" {
			return errors.New("--inspect-token goes with --inspect ADDR")
		}
		return nil
	}
	if f.token == "" {
		f.token = std.getenv("WMS_INSPECT_TOKEN")
	}
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return fmt.Errorf("--inspect %q: want host:port, such as 127.0.0.1:8081", f.addr)
	}
	if ip := net.ParseIP(host); f.token == "" && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--inspect %s is not a loopback address: give --inspect-token (or $WMS_INSPECT_TOKEN) so that only who knows it sees the sessions, or use 127.0.0.1", f.addr)
	}
	return nil
}

// inspectorServer is a running inspector.
type inspectorServer struct {
	URL  string
	done chan error
}

// serve starts the inspector of rc on its own listener until ctx ends;
// webhook is the receiver's URL, which the page shows. A port in use is
// an error that names it.
func (f *inspectFlags) serve(ctx context.Context, rc *receiver.Receiver, webhook string) (*inspectorServer, error) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("cannot serve the inspector on %s: %w (pick another --inspect address)", f.addr, err)
	}
	h := inspector.New(rc, inspector.WithToken(f.token), inspector.WithWebhookURL(webhook))
	srv := receiver.NewServer(f.addr, h)
	s := &inspectorServer{URL: "http://" + ln.Addr().String() + "/", done: make(chan error, 1)}
	go func() {
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			s.done <- err
			return
		case <-ctx.Done():
		}
		// The live streams never go idle, so a graceful shutdown would
		// only wait for them: close at once.
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			s.done <- err
			return
		}
		s.done <- nil
	}()
	return s, nil
}

// wait returns once the inspector has stopped.
func (s *inspectorServer) wait() error { return <-s.done }
