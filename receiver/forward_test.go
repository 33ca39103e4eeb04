package receiver

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/internal/testnet"
)

const forwardSecret = "forward-target-secret-7Hq2"

// newForwarder forwards to url with the forward secret, logging to logs.
func newForwarder(t *testing.T, url string, timeout time.Duration, logs io.Writer, opts ...ForwardOption) *Forwarder {
	t.Helper()
	client, err := emitter.NewClient(url, emitter.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	f, err := NewForwarder(client, testkit.Signer(t, forwardSecret), append(opts, WithForwardLogger(newTextLogger(logs)))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// ended fails unless the Forwarder's goroutine has ended.
func ended(t *testing.T, f *Forwarder) {
	t.Helper()
	select {
	case <-f.done:
	default:
		t.Fatal("the forwarding goroutine outlived Close")
	}
}

// answered is the outcome of a delivery of body answered 200, as the
// Receiver hands it to its Forwarder.
func answered(t *testing.T, body []byte) outcome {
	t.Helper()
	rec, err := decode(body)
	if err != nil {
		t.Fatal(err)
	}
	return outcome{status: http.StatusOK, verdict: string(verdictAccepted), rec: rec, body: body}
}

// exactly copies b into a slice whose capacity is its length, so that the
// queue's byte count is known.
func exactly(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// stallTarget takes each forward and answers only once released.
type stallTarget struct {
	url     string
	got     chan []byte
	release func()
}

func newStallTarget(t *testing.T) *stallTarget {
	t.Helper()
	released := make(chan struct{})
	st := &stallTarget{got: make(chan []byte, 1000)}
	st.release = sync.OnceFunc(func() { close(released) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		st.got <- b
		select {
		case <-released:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(func() { st.release(); srv.Close() })
	st.url = srv.URL + "/webhook"
	return st
}

// taken waits until the target holds the forward of body.
func (st *stallTarget) taken(t *testing.T, body []byte) {
	t.Helper()
	select {
	case b := <-st.got:
		if !bytes.Equal(b, body) {
			t.Fatalf("the target got %s, want %s", b, body)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the target never got %s", body)
	}
}

func TestForwardSendsEveryAnsweredDeliveryAsItArrived(t *testing.T) {
	target := testkit.NewReceiver(t, testkit.Signer(t, forwardSecret))
	var logs syncBuffer
	f := newForwarder(t, target.URL, 5*time.Second, &logs)
	_, url := startReceiver(t, WithForwarder(f))
	signer := testkit.Signer(t)

	bodies := journeyBodies(t, "fwd-order", 7)
	var spaced bytes.Buffer // forwarded as it came, not as stored
	if err := json.Indent(&spaced, bodies[3], "", "  "); err != nil {
		t.Fatal(err)
	}
	bodies[3] = spaced.Bytes()
	var want [][]byte
	for i := len(bodies) - 1; i >= 0; i-- { // backwards: arrival order, not sequence order
		if a := deliver(t, url, signer, bodies[i]); a.status != http.StatusOK {
			t.Fatalf("event %d: %d %s", i, a.status, a.body)
		}
		want = append(want, bodies[i])
	}
	// A redelivery is forwarded as WMS would send it; what is refused is not.
	if a := deliver(t, url, signer, bodies[5]); !strings.Contains(a.body, "duplicate") {
		t.Fatalf("redelivery: %d %s", a.status, a.body)
	}
	want = append(want, bodies[5])
	if a := deliver(t, url, testkit.Signer(t, "not-the-secret"), bodies[6]); a.status != http.StatusUnauthorized {
		t.Fatalf("forgery: %d %s", a.status, a.body)
	}
	if a := deliver(t, url, signer, []byte(`{"sessionId":`)); a.status != http.StatusBadRequest {
		t.Fatalf("malformed: %d %s", a.status, a.body)
	}

	f.Close() // drains the queue
	ended(t, f)
	got := target.Deliveries()
	if len(got) != len(want) {
		t.Fatalf("forwarded %d deliveries, want %d", len(got), len(want))
	}
	for i, d := range got {
		if !bytes.Equal(d.Body, want[i]) {
			t.Errorf("forward %d: body %s, want %s", i, d.Body, want[i])
		}
		if !d.Verified || d.Header.Get(emitter.HeaderMAC) == signer.MAC(d.Body) {
			t.Errorf("forward %d is not re-signed with the forward secret", i)
		}
	}
	if st := f.Stats(); st.Forwarded != len(want) || len(st.Failed) != 0 || st.Dropped != 0 || st.Unsent != 0 {
		t.Errorf("stats %+v, want %d forwarded and nothing else", st, len(want))
	}
	out := logs.String()
	if n := strings.Count(out, "msg=forward"); n != len(want) {
		t.Errorf("%d forward log lines, want %d:\n%s", n, len(want), out)
	}
	for _, line := range []string{"msg=forward session=fwd-order sequence=15 event=PAGE_UNLOADED verdict=accepted status=204 latency=",
		"sequence=5 event=MEASUREMENT_CREATED verdict=duplicate status=204"} {
		if !strings.Contains(out, line) {
			t.Errorf("log lacks %q:\n%s", line, out)
		}
	}
}

func TestForwardQueueOverflowIsCountedAndLogged(t *testing.T) {
	target := newStallTarget(t)
	var logs syncBuffer
	f := newForwarder(t, target.url, 5*time.Second, &logs, WithForwardQueue(2, DefaultForwardQueueBytes))
	bodies := journeyBodies(t, "fwd-full", 3)[:4]

	f.offer(answered(t, bodies[0]))
	target.taken(t, bodies[0]) // in flight: the queue is empty again
	for _, b := range bodies[1:] {
		f.offer(answered(t, b))
	}
	if st := f.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped %d, want 1 past a queue of 2", st.Dropped)
	}
	if out := logs.String(); !strings.Contains(out, "level=WARN msg=forward session=fwd-full sequence=3 event=CAMERA_STARTED verdict=accepted class=dropped error=\"the forward queue is full (2 events)") {
		t.Errorf("the dropped copy is not logged:\n%s", out)
	}

	target.release()
	f.Close()
	ended(t, f)
	target.taken(t, bodies[1])
	target.taken(t, bodies[2])
	if st := f.Stats(); st.Forwarded != 3 || st.Dropped != 1 || st.Unsent != 0 {
		t.Errorf("stats %+v, want 3 forwarded in order and 1 dropped", st)
	}
}

func TestForwardQueueIsBoundedInBytes(t *testing.T) {
	target := newStallTarget(t)
	var logs syncBuffer
	bodies := journeyBodies(t, "fwd-bytes", 3)[:4]
	for i := range bodies {
		bodies[i] = exactly(bodies[i])
	}
	limit := int64(len(bodies[1]) + len(bodies[2]))
	f := newForwarder(t, target.url, 5*time.Second, &logs, WithForwardQueue(100, limit))

	f.offer(answered(t, bodies[0]))
	target.taken(t, bodies[0])
	for _, b := range bodies[1:] {
		f.offer(answered(t, b))
	}
	if st := f.Stats(); st.Dropped != 1 || !strings.Contains(logs.String(), "sequence=3 event=CAMERA_STARTED verdict=accepted class=dropped") {
		t.Fatalf("stats %+v; want the third queued copy dropped past %d bytes:\n%s", st, limit, logs.String())
	}
	target.release()
	f.Close()
	if st := f.Stats(); st.Forwarded != 3 {
		t.Errorf("stats %+v, want 3 forwarded", st)
	}
}

func TestForwardCloseDrainsTheQueue(t *testing.T) {
	target := testkit.NewReceiver(t, testkit.Signer(t, forwardSecret))
	var logs syncBuffer
	f := newForwarder(t, target.URL, 5*time.Second, &logs)
	var want [][]byte
	for i := range 5 {
		for _, b := range journeyBodies(t, "fwd-drain-"+string(rune('a'+i)), uint64(i)) {
			f.offer(answered(t, b))
			want = append(want, b)
		}
	}
	f.Close()
	ended(t, f)
	got := target.Deliveries()
	if len(got) != len(want) {
		t.Fatalf("Close forwarded %d of %d queued copies", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].Body, want[i]) {
			t.Fatalf("forward %d out of order: %s, want %s", i, got[i].Body, want[i])
		}
	}
}

func TestForwardCloseGivesUpAfterTheDrainTime(t *testing.T) {
	target := newStallTarget(t)
	var logs syncBuffer
	f := newForwarder(t, target.url, time.Minute, &logs, WithForwardDrain(100*time.Millisecond))
	bodies := journeyBodies(t, "fwd-stop", 3)[:3]
	for _, b := range bodies {
		f.offer(answered(t, b))
	}
	target.taken(t, bodies[0])

	start := time.Now()
	f.Close()
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Close took %v with a drain time of 100ms", took)
	}
	ended(t, f)
	if st := f.Stats(); st.Unsent != 3 || st.Forwarded != 0 || len(st.Failed) != 0 {
		t.Errorf("stats %+v, want the copy in flight and the 2 queued unsent", st)
	}
	out := logs.String()
	if n := strings.Count(out, "class=unsent error=\"shutting down: the forward queue did not drain within 100ms"); n != 3 {
		t.Errorf("%d unsent copies logged, want 3:\n%s", n, out)
	}

	f.offer(answered(t, bodies[0])) // after Close: counted, not sent
	f.Close()
	if st := f.Stats(); st.Dropped != 1 || !strings.Contains(logs.String(), "the forwarder has stopped") {
		t.Errorf("a copy offered after Close: stats %+v", st)
	}
}

func TestForwardFailuresAreCountedByClass(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/webhook"
	ln.Close()
	refusing := testkit.NewReceiver(t, testkit.Signer(t, forwardSecret), testkit.WithStatus(func(testkit.Delivery) int { return 500 }))
	stalled := newStallTarget(t)

	body := journeyBodies(t, "fwd-fail", 3)[0]
	for _, c := range []struct {
		url, class, log string
	}{
		{closed, "refused", "class=refused error=\"connection refused"},
		{refusing.URL, "status 500", "status=500 answer=\"\" latency="},
		{stalled.url, "timeout", "class=timeout error=\"no complete answer within 200ms: the forward target must answer before the deadline\""},
	} {
		var logs syncBuffer
		f := newForwarder(t, c.url, 200*time.Millisecond, &logs, WithForwardDrain(time.Minute))
		f.offer(answered(t, body))
		f.offer(answered(t, body))
		f.Close()
		ended(t, f)
		if st := f.Stats(); st.Failed[c.class] != 2 || st.Forwarded != 0 || len(st.Failed) != 1 {
			t.Errorf("%s: stats %+v, want 2 failed as %q", c.url, st, c.class)
		}
		if out := logs.String(); strings.Count(out, "level=WARN msg=forward session=fwd-fail sequence=0 event=WMS_LOADED verdict=accepted") != 2 || !strings.Contains(out, c.log) {
			t.Errorf("%s: the log lacks two lines with %q:\n%s", c.url, c.log, out)
		}
	}
}

// A dead forward target costs the sender nothing: every delivery is
// answered 200 at once, stored, and the copies that could not wait are
// dropped and counted.
func TestDeadForwardTargetNeverHoldsTheAnswer(t *testing.T) {
	var logs syncBuffer
	f := newForwarder(t, testnet.SilentHostURL(t), 5*time.Second, &logs,
		WithForwardQueue(4, DefaultForwardQueueBytes), WithForwardDrain(50*time.Millisecond))
	rc, url := startReceiver(t, WithForwarder(f))
	signer := testkit.Signer(t)
	bodies := journeyBodies(t, "fwd-dead", 5)
	for i, b := range bodies {
		start := time.Now()
		if a := deliver(t, url, signer, b); a.status != http.StatusOK {
			t.Fatalf("event %d: %d %s", i, a.status, a.body)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("event %d took %v to answer: the forward held it", i, took)
		}
	}
	if n := len(rc.Events("fwd-dead")); n != len(bodies) {
		t.Errorf("%d events stored, want %d", n, len(bodies))
	}
	f.Close()
	ended(t, f)
	st := f.Stats()
	if st.Dropped < len(bodies)-5 || st.Forwarded != 0 || st.Dropped+st.Unsent+st.Failed["connect_timeout"] != len(bodies) {
		t.Errorf("stats %+v: every one of %d copies must be dropped, unsent or failed", st, len(bodies))
	}
	if n := strings.Count(logs.String(), "msg=forward session=fwd-dead"); n != len(bodies) {
		t.Errorf("%d forward log lines, want one per event (%d):\n%s", n, len(bodies), logs.String())
	}
}

func TestNewForwarderRefusesBadOptions(t *testing.T) {
	client, err := emitter.NewClient("http://127.0.0.1:1/webhook")
	if err != nil {
		t.Fatal(err)
	}
	signer := testkit.Signer(t, forwardSecret)
	for name, c := range map[string]struct {
		client *emitter.Client
		signer *emitter.Signer
		opts   []ForwardOption
		want   string
	}{
		"no client":   {nil, signer, nil, "needs a client"},
		"no signer":   {client, nil, nil, "needs a signer"},
		"no queue":    {client, signer, []ForwardOption{WithForwardQueue(0, 10)}, "must hold something"},
		"no bytes":    {client, signer, []ForwardOption{WithForwardQueue(10, 0)}, "must hold something"},
		"negative dr": {client, signer, []ForwardOption{WithForwardDrain(-time.Second)}, "must not be negative"},
	} {
		if _, err := NewForwarder(c.client, c.signer, c.opts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
}
