// Command flood holds many connections open against a webhook receiver,
// each sending a large body with a forged MAC slowly, and meanwhile sends
// valid signed events and times their answers. It is the load of
// bench/flood.sh: part of the benchmark, not of wms-mock.
//
//	WMS_MAC_SECRET=... flood -url http://127.0.0.1:8080/webhook
//
// Every connection sends -piece bytes every -every until its -size body is
// sent or the receiver answers; then it waits -redial and starts again, so
// that -conns connections stay open for the whole -duration. Half of them
// announce the size in Content-Length and half send it chunked (-mode). It
// refuses any host but loopback, and stops by itself after -duration.
//
// It prints what the flood connections were answered and, for each valid
// event (one before the flood, -probes during it), its status and latency;
// -json FILE writes the same to FILE as one JSON object.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/pause"
)

// Bounds of the flags: the flood must stay a benchmark.
const (
	maxConns    = 10_000
	maxDuration = 5 * time.Minute
	maxSize     = 64 << 20
)

type config struct {
	url        *url.URL
	conns      int
	size       int
	piece      int
	every      time.Duration
	redial     time.Duration
	mode       string
	duration   time.Duration
	probes     int
	probeAfter time.Duration
	jsonFile   string
}

// probe is one valid event's answer.
type probe struct {
	During    bool    `json:"during_flood"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// report is what one run saw.
type report struct {
	Conns      int            `json:"conns"`
	Size       int            `json:"size"`
	Mode       string         `json:"mode"`
	Seconds    float64        `json:"seconds"`
	Requests   int64          `json:"requests"`
	DialErrors int64          `json:"dial_errors"`
	BytesSent  int64          `json:"bytes_sent"`
	Answers    map[string]int `json:"answers"` // by status, "closed" for none
	Probes     []probe        `json:"probes"`
}

type flooder struct {
	cfg  config
	body []byte
	mac  string

	requests, dialErrors, bytesSent atomic.Int64
	mu                              sync.Mutex
	answers                         map[string]int
}

func main() {
	cfg, signer, err := parseFlags()
	if err != nil {
		fmt.Fprintf(os.Stderr, "flood: %v\n", err)
		os.Exit(2)
	}
	rep := run(cfg, signer)
	printReport(os.Stdout, rep)
	if cfg.jsonFile != "" {
		b, _ := json.Marshal(rep)
		if err := os.WriteFile(cfg.jsonFile, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "flood: cannot write the report: %v\n", err)
			os.Exit(1)
		}
	}
}

func parseFlags() (config, *emitter.Signer, error) {
	var c config
	raw := flag.String("url", "", "the receiver's webhook `URL` (loopback only)")
	flag.IntVar(&c.conns, "conns", 1000, "flood connections held open at once")
	flag.IntVar(&c.size, "size", 1<<20, "bytes of each forged body")
	flag.IntVar(&c.piece, "piece", 4<<10, "bytes sent at each step")
	flag.DurationVar(&c.every, "every", 100*time.Millisecond, "pause between two steps of one body")
	flag.DurationVar(&c.redial, "redial", 500*time.Millisecond, "pause before a connection starts again once answered or closed")
	flag.StringVar(&c.mode, "mode", "mixed", "how bodies announce their size: length, chunked or mixed (half each)")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "how long the flood lasts")
	flag.IntVar(&c.probes, "probes", 5, "valid events sent during the flood, evenly spaced after -probe-after")
	flag.DurationVar(&c.probeAfter, "probe-after", 5*time.Second, "when the first valid event is sent, once the flood has started")
	flag.StringVar(&c.jsonFile, "json", "", "also write the report to `FILE` as JSON")
	flag.Parse()

	u, err := url.Parse(*raw)
	switch {
	case *raw == "" || err != nil || u.Scheme != "http":
		return c, nil, fmt.Errorf("-url %q: want http://127.0.0.1:PORT/PATH", *raw)
	case !loopback(u.Hostname()):
		return c, nil, fmt.Errorf("-url %q: the flood only runs against loopback (127.0.0.1, ::1, localhost)", *raw)
	case c.conns < 1 || c.conns > maxConns:
		return c, nil, fmt.Errorf("-conns %d: want 1 to %d", c.conns, maxConns)
	case c.size < 1 || c.size > maxSize:
		return c, nil, fmt.Errorf("-size %d: want 1 to %d bytes", c.size, maxSize)
	case c.piece < 1 || c.every <= 0 || c.redial < 0:
		return c, nil, fmt.Errorf("-piece, -every and -redial must be positive")
	case c.duration <= 0 || c.duration > maxDuration:
		return c, nil, fmt.Errorf("-duration %s: want up to %s", c.duration, maxDuration)
	case !slices.Contains([]string{"length", "chunked", "mixed"}, c.mode):
		return c, nil, fmt.Errorf("-mode %q: want length, chunked or mixed", c.mode)
	case c.probes < 0 || c.probeAfter >= c.duration:
		return c, nil, fmt.Errorf("-probes and -probe-after must leave the valid events inside the %s flood", c.duration)
	}
	c.url = u
	secret := os.Getenv("WMS_MAC_SECRET")
	if secret == "" {
		return c, nil, fmt.Errorf("set WMS_MAC_SECRET to the receiver's secret: the valid events are signed with it")
	}
	s, err := emitter.NewSigner([]byte(secret))
	return c, s, err
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(cfg config, signer *emitter.Signer) report {
	f := &flooder{cfg: cfg, body: paddedBody(cfg.size), answers: map[string]int{}}
	f.mac, _ = forgery.New(signer).Header(forgery.WrongSecret, f.body)
	probes := []probe{send(signer, cfg.url.String(), false)}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.conns {
		chunked := cfg.mode == "chunked" || cfg.mode == "mixed" && i%2 == 1
		wg.Go(func() {
			for ctx.Err() == nil {
				f.once(ctx, chunked)
				_ = pause.For(ctx, cfg.redial)
			}
		})
	}
	// The valid events are spread over the flood after -probe-after, the
	// last one well before its end.
	gap := (cfg.duration - cfg.probeAfter) / time.Duration(cfg.probes+1)
	for i := range cfg.probes {
		if pause.Until(ctx, start.Add(cfg.probeAfter+time.Duration(i)*gap)) != nil {
			break
		}
		probes = append(probes, send(signer, cfg.url.String(), true))
	}
	<-ctx.Done()
	wg.Wait()
	return report{Conns: cfg.conns, Size: cfg.size, Mode: cfg.mode, Seconds: time.Since(start).Seconds(),
		Requests: f.requests.Load(), DialErrors: f.dialErrors.Load(), BytesSent: f.bytesSent.Load(),
		Answers: f.answers, Probes: probes}
}

// paddedBody is an event padded to size bytes, so that it reads as one
// until its end.
func paddedBody(size int) []byte {
	b := []byte(`{"timestamp":1700000000,"sessionId":"flood","sequence":0,"event":"WMS_LOADED","severity":"INFO","payload":{"pad":"`)
	for len(b) < size-3 {
		b = append(b, 'x')
	}
	return append(b, `"}}`...)[:size]
}

// once sends one forged body slowly on a new connection, until it is sent,
// the receiver answers or closes, or ctx ends.
func (f *flooder) once(ctx context.Context, chunked bool) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", f.cfg.url.Host)
	if err != nil {
		if ctx.Err() == nil {
			f.dialErrors.Add(1)
		}
		return
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	f.requests.Add(1)

	answer := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answer <- "closed"
			return
		}
		resp.Body.Close()
		answer <- strconv.Itoa(resp.StatusCode)
	}()
	if a := f.dribble(ctx, c, chunked, answer); a != "" {
		f.mu.Lock()
		f.answers[a]++
		f.mu.Unlock()
	}
}

// dribble sends the headers, then the body piece by piece, and returns
// the receiver's answer: a status, "closed" for none, or "" when ctx ended
// first.
func (f *flooder) dribble(ctx context.Context, c net.Conn, chunked bool, answer <-chan string) string {
	wait := func() string {
		select {
		case a := <-answer:
			return a
		case <-ctx.Done():
			return ""
		}
	}
	framing := fmt.Sprintf("Content-Length: %d\r\n", len(f.body))
	if chunked {
		framing = "Transfer-Encoding: chunked\r\n"
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s: %s\r\n%s\r\n",
		f.cfg.url.RequestURI(), f.cfg.url.Host, emitter.HeaderMAC, f.mac, framing)
	if f.write(c, []byte(head)) != nil {
		return wait() // the receiver closed: its answer, if any, is read
	}
	tick := time.NewTicker(f.cfg.every)
	defer tick.Stop()
	for sent := 0; sent < len(f.body); {
		select {
		case a := <-answer:
			return a
		case <-ctx.Done():
			return ""
		case <-tick.C:
		}
		n := min(f.cfg.piece, len(f.body)-sent)
		out := f.body[sent : sent+n]
		if chunked {
			out = fmt.Appendf(nil, "%x\r\n%s\r\n", n, out)
		}
		sent += n
		if f.write(c, out) != nil {
			return wait()
		}
	}
	if chunked {
		_ = f.write(c, []byte("0\r\n\r\n"))
	}
	return wait()
}

// write sends b, counting what went out; a receiver that stops reading
// without closing fails it after a while.
func (f *flooder) write(c net.Conn, b []byte) error {
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Write(b)
	f.bytesSent.Add(int64(n))
	return err
}

// send posts one valid, signed event on a connection of its own and times
// the answer.
func send(signer *emitter.Signer, target string, during bool) probe {
	env := emitter.Envelope{Timestamp: time.Now().Unix(), SessionID: "flood-probe-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Event: "WMS_LOADED", Severity: emitter.SeverityInfo}
	p := probe{During: during}
	body, err := env.AppendJSON(nil)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		p.Error = err.Error()
		return p
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		p.Error = err.Error()
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		p.Status = resp.StatusCode
	}
	p.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	return p
}

// printReport writes rep for people.
func printReport(w io.Writer, rep report) {
	fmt.Fprintf(w, "flood     %d connections, %d-byte forged bodies (%s), %.1fs\n", rep.Conns, rep.Size, rep.Mode, rep.Seconds)
	fmt.Fprintf(w, "  sent    %d requests, %.1f MiB, %d failed dials\n", rep.Requests, float64(rep.BytesSent)/(1<<20), rep.DialErrors)
	fmt.Fprintf(w, "  answers %s\n", humanize.Counts(rep.Answers))
	for _, p := range rep.Probes {
		when := "before the flood"
		if p.During {
			when = "during the flood"
		}
		lat := humanize.Duration(time.Duration(p.LatencyMS * float64(time.Millisecond)))
		if p.Error != "" {
			fmt.Fprintf(w, "  valid   %s: no answer after %s: %s\n", when, lat, p.Error)
			continue
		}
		fmt.Fprintf(w, "  valid   %s: %d in %s\n", when, p.Status, lat)
	}
}
