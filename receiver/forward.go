package receiver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Bounds of what waits to be forwarded.
const (
	// DefaultForwardQueue is how many deliveries wait for the forward
	// target: minutes of a busy sender while a developer restarts their
	// endpoint, a few megabytes at a few hundred bytes an event.
	DefaultForwardQueue = 10_000
	// DefaultForwardQueueBytes bounds the bodies waiting, whatever their
	// number: bodies up to the size cap must not turn a dead target into
	// gigabytes of memory.
	DefaultForwardQueueBytes = 64 << 20
	// maxAnswerEcho bounds the forward target's answer quoted in a log
	// line: enough to read why it refused.
	maxAnswerEcho = 200
)

// Pseudo failure classes of a copy that never reached the forward target,
// counted beside emitter's classes in the log but apart in ForwardStats.
const (
	forwardDropped = "dropped"
	forwardUnsent  = "unsent"
)

// Forwarder sends a copy of each delivery the Receiver answered 200 on to
// another endpoint, as Stripe CLI's 'listen --forward-to' does: a
// developer's endpoint on localhost gets the traffic a real WMS sends to
// the receiver behind a tunnel, without the tunnel pointing at it.
//
// What is forwarded is each delivery answered 200, redeliveries included,
// with its body exactly as it arrived, re-signed: the developer's endpoint
// sees what WMS would have sent it, duplicates and all, and a delivery the
// receiver had to refuse (a forgery, a failed fsync) is not forwarded,
// while its retry, a duplicate answered 200, is. Copies go one at a time,
// in the order the receiver answered them, which for a sender that waits
// for each answer is the order it sent them.
//
// The sender's answer never waits for a forward and never depends on one:
// the Receiver hands the copy over after it has decided the answer, and a
// slow or dead target only fills a bounded queue, past which copies are
// dropped (the event itself is stored all the same). Every forward, and
// every copy that could not be forwarded, is one log line naming the
// event; ForwardStats counts them. A failed forward is not retried.
type Forwarder struct {
	client   *emitter.Client
	signer   *emitter.Signer
	log      *slog.Logger
	drain    time.Duration
	maxBytes int64

	// ctx ends the forward in flight when Close's drain time is up.
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan forwardCopy
	done   chan struct{} // closed when the worker has ended

	mu     sync.Mutex
	closed bool
	bytes  int64 // body bytes in the queue
	stats  ForwardStats

	closeOnce sync.Once
}

// ForwardStats counts what became of the copies handed to a Forwarder.
type ForwardStats struct {
	// Forwarded is the copies the target answered 2xx.
	Forwarded int `json:"forwarded"`
	// Failed counts the copies that got no 2xx, by emitter's failure
	// class ("refused", "timeout"...) or by status ("status 500").
	Failed map[string]int `json:"failed"`
	// Dropped is the copies not queued because the queue was full: their
	// events are stored, only the copy is lost.
	Dropped int `json:"dropped"`
	// Unsent is the copies still queued, or cut off in flight, when
	// Close's drain time ran out.
	Unsent int `json:"unsent"`
}

type forwardConfig struct {
	queue    int
	bytes    int64
	drain    time.Duration
	drainSet bool
	logger   *slog.Logger
}

// ForwardOption configures a Forwarder.
type ForwardOption func(*forwardConfig)

// WithForwardQueue bounds the copies waiting for the target, in number
// and in body bytes (defaults DefaultForwardQueue and
// DefaultForwardQueueBytes). A copy that would go past either is dropped.
func WithForwardQueue(events int, bytes int64) ForwardOption {
	return func(c *forwardConfig) { c.queue, c.bytes = events, bytes }
}

// WithForwardDrain sets how long Close goes on forwarding what is queued
// (default: the client's timeout, so that shutting down takes about one
// forward longer, not a queue's worth).
func WithForwardDrain(d time.Duration) ForwardOption {
	return func(c *forwardConfig) { c.drain, c.drainSet = d, true }
}

// WithForwardLogger logs one line per copy: session, sequence, event,
// verdict, then the target's status and the latency, or why it was not
// forwarded. The default logs nothing.
func WithForwardLogger(l *slog.Logger) ForwardOption {
	return func(c *forwardConfig) { c.logger = l }
}

// WithForwarder hands each delivery answered 200 to f once its answer is
// decided. Close f after the Receiver, so that every delivery answered
// has had its copy queued.
func WithForwarder(f *Forwarder) Option { return func(c *config) { c.forwarder = f } }

// NewForwarder starts a Forwarder that delivers through client, whose
// timeout is each forward's deadline, signing with signer. Close it to
// end its goroutine.
func NewForwarder(client *emitter.Client, signer *emitter.Signer, opts ...ForwardOption) (*Forwarder, error) {
	c := forwardConfig{queue: DefaultForwardQueue, bytes: DefaultForwardQueueBytes}
	for _, o := range opts {
		o(&c)
	}
	switch {
	case client == nil:
		return nil, errors.New("receiver: forwarding needs a client for the target")
	case signer == nil:
		return nil, errors.New("receiver: forwarding needs a signer: the target verifies every copy")
	case c.queue <= 0 || c.bytes <= 0:
		return nil, fmt.Errorf("receiver: the forward queue must hold something, got %d events and %d bytes", c.queue, c.bytes)
	case c.drain < 0:
		return nil, fmt.Errorf("receiver: the forward drain time must not be negative, got %v", c.drain)
	}
	if !c.drainSet {
		c.drain = client.Timeout()
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Forwarder{client: client, signer: signer, log: c.logger, drain: c.drain, maxBytes: c.bytes,
		ctx: ctx, cancel: cancel, queue: make(chan forwardCopy, c.queue), done: make(chan struct{}),
		stats: ForwardStats{Failed: map[string]int{}}}
	go f.run()
	return f, nil
}

// forwardCopy is one delivery waiting to be forwarded.
type forwardCopy struct {
	session  string
	sequence int64
	event    string
	verdict  string
	body     []byte // as it arrived
}

// size is the memory the copy's body holds, which may be more than its
// length: the receiver's read buffer grows by doubling.
func (fc forwardCopy) size() int64 { return int64(cap(fc.body)) }

func (fc forwardCopy) attrs() []slog.Attr {
	return []slog.Attr{slog.String("session", humanize.Clip(fc.session, maxEcho)), slog.Int64("sequence", fc.sequence),
		slog.String("event", humanize.Clip(fc.event, maxEcho)), slog.String("verdict", fc.verdict)}
}

// offer queues the copy of a delivery answered 200, or drops it when the
// queue is full; it never waits. A nil Forwarder forwards nothing.
func (f *Forwarder) offer(o outcome) {
	if f == nil || o.status != http.StatusOK || o.rec == nil {
		return
	}
	fc := forwardCopy{session: o.rec.SessionID, sequence: o.rec.Sequence, event: o.rec.Event, verdict: o.verdict, body: o.body}
	f.mu.Lock()
	var why string
	switch {
	case f.closed:
		why = "the forwarder has stopped"
	case f.bytes+fc.size() > f.maxBytes:
		why = fmt.Sprintf("the forward queue holds its limit of %d bytes of bodies: the forward target is slower than the sender; the event is stored", f.maxBytes)
	default:
		select {
		case f.queue <- fc:
			f.bytes += fc.size()
			f.mu.Unlock()
			return
		default:
			why = fmt.Sprintf("the forward queue is full (%d events): the forward target is slower than the sender; the event is stored", cap(f.queue))
		}
	}
	f.stats.Dropped++
	f.mu.Unlock()
	f.logNot(fc, forwardDropped, why)
}

// run forwards the queue in order until Close; once the drain time is up
// it only counts what is left.
func (f *Forwarder) run() {
	defer close(f.done)
	for fc := range f.queue {
		f.mu.Lock()
		f.bytes -= fc.size()
		f.mu.Unlock()
		if f.ctx.Err() != nil {
			f.unsent(fc)
			continue
		}
		out := f.client.Send(f.ctx, emitter.SignedRequest(f.signer, fc.body))
		f.record(fc, out.Attempt)
	}
}

// record counts and logs one forward's answer.
func (f *Forwarder) record(fc forwardCopy, a emitter.Attempt) {
	if a.Class == emitter.FailCanceled {
		f.unsent(fc)
		return
	}
	attrs := fc.attrs()
	level, key := slog.LevelInfo, ""
	switch {
	case a.Class != "":
		msg := a.Message
		if a.Class == emitter.FailTimeout {
			// emitter's message names run's --timeout flag.
			msg = fmt.Sprintf("no complete answer within %v: the forward target must answer before the deadline", f.client.Timeout())
		}
		level, key = slog.LevelWarn, string(a.Class)
		attrs = append(attrs, slog.String("class", key), slog.String("error", msg))
	case !a.OK():
		level, key = slog.LevelWarn, "status "+strconv.Itoa(a.Status)
		attrs = append(attrs, slog.Int("status", a.Status), slog.String("answer", humanize.Clip(string(a.Body), maxAnswerEcho)))
	default:
		attrs = append(attrs, slog.Int("status", a.Status))
	}
	attrs = append(attrs, slog.Duration("latency", a.Latency))
	f.mu.Lock()
	if key == "" {
		f.stats.Forwarded++
	} else {
		f.stats.Failed[key]++
	}
	f.mu.Unlock()
	f.log.LogAttrs(context.Background(), level, "forward", attrs...)
}

func (f *Forwarder) unsent(fc forwardCopy) {
	f.mu.Lock()
	f.stats.Unsent++
	f.mu.Unlock()
	f.logNot(fc, forwardUnsent, fmt.Sprintf("shutting down: the forward queue did not drain within %v; the event is stored", f.drain))
}

// logNot logs a copy that never reached the target, and why.
func (f *Forwarder) logNot(fc forwardCopy, class, why string) {
	attrs := append(fc.attrs(), slog.String("class", class), slog.String("error", why))
	f.log.LogAttrs(context.Background(), slog.LevelWarn, "forward", attrs...)
}

// Close stops taking copies, goes on forwarding the queue for the drain
// time, then stops the forward in flight and counts what is left as
// unsent. It returns once the Forwarder's goroutine has ended.
func (f *Forwarder) Close() {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		f.closed = true
		close(f.queue)
		f.mu.Unlock()
		giveUp := time.AfterFunc(f.drain, f.cancel)
		<-f.done
		giveUp.Stop()
		f.cancel()
	})
}

// Stats returns the counts so far; after Close, the final ones.
func (f *Forwarder) Stats() ForwardStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stats
	st.Failed = maps.Clone(f.stats.Failed)
	return st
}
