package load

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// BenchmarkMixSource measures what the generator pays to make each event of
// `wms-mock load`'s default mix: expanding a journey, encoding and signing
// every event. It reports ns/event besides ns/session.
func BenchmarkMixSource(b *testing.B) {
	src, err := MixSource(nil, testkit.Signer(b), 1)
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := src.Script(uint64(i))
		if err != nil {
			b.Fatal(err)
		}
		events += s.Stream.Remaining()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkHTTPSender measures one delivery through HTTPSender to a
// loopback receiver that answers 204, and its allocations.
func BenchmarkHTTPSender(b *testing.B) {
	url := fixedAnswerServer(b, "HTTP/1.1 204 No Content\r\n\r\n")
	s, err := NewHTTPSender(url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req := emitter.SignedRequest(testkit.Signer(b), []byte(`{"timestamp":1767225600,"sessionId":"bench-session","sequence":7,"event":"INTERMEDIATE_RESULTS","severity":"INFO"}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if out := s.Send(ctx, req); !out.OK() {
			b.Fatalf("%+v", out)
		}
	}
}

// fixedAnswerServer answers every request on loopback with answer, reading
// requests without parsing more than their end, so that a benchmark counts
// the client's allocations alone. Requests must carry Content-Length.
func fixedAnswerServer(b *testing.B, answer string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					length := 0
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
						if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
							length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
						}
					}
					if _, err := br.Discard(length); err != nil {
						return
					}
					if _, err := io.WriteString(c, answer); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/webhook"
}

// BenchmarkMixStream is BenchmarkMixSource through the Stream: starting
// each session and making every event into one reused buffer.
func BenchmarkMixStream(b *testing.B) {
	src, err := MixSource(nil, testkit.Signer(b), 1)
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	buf := make([]byte, 0, eventBufSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := src.Script(uint64(i))
		if err != nil {
			b.Fatal(err)
		}
		for now := time.Now(); s.Stream.Remaining() > 0; events++ {
			if buf, _, err = s.Stream.AppendNext(buf[:0], now); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
