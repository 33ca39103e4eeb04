package scenarios

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

func TestParsePace(t *testing.T) {
	for in, want := range map[string]string{"fast": "fast", "": "fast", "realtime": "realtime", "x10": "x10", "x0.5": "x0.5"} {
		p, err := ParsePace(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePace(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"slow", "x0", "x-1", "10x", "x", "xNaN", "xInf"} {
		if _, err := ParsePace(in); err == nil || !strings.Contains(err.Error(), "want fast, realtime or xN") {
			t.Errorf("ParsePace(%q) should fail with a hint, got %v", in, err)
		}
	}
	x10, _ := ParsePace("x10")
	if got := x10.Real(30 * time.Second); got != 3*time.Second {
		t.Errorf("x10 plays 30 s in %v, want 3s", got)
	}
	if PaceFast.Real(time.Hour) != 0 || PaceRealtime.Real(time.Second) != time.Second {
		t.Error("fast never waits; realtime waits the virtual time")
	}
	// The named paces are constants, so no caller can change what they
	// mean for everyone else; this does not compile if they are variables.
	const fast, realtime = PaceFast, PaceRealtime
	if fast.String() != "fast" || realtime.String() != "realtime" || Pace(-1).Real(time.Hour) != 0 {
		t.Error("the named paces and a negative pace")
	}
}

func newClient(t *testing.T, url string) *emitter.Client {
	t.Helper()
	c, err := emitter.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// receiverClient is a client of a receiver that accepts every validly
// signed event.
func receiverClient(t *testing.T) *emitter.Client {
	return newClient(t, testkit.NewReceiver(t, testkit.Signer(t)).URL)
}

// TestPlayWaits checks the lower bounds only: a paced session cannot
// finish before its scaled clock, and a delay is waited even at fast pace.
func TestPlayWaits(t *testing.T) {
	s := mustParse(t, "steps:\n  - WMS_LOADED\n  - {event: CONFIGURATION_LOADED, after: 3s}\n  - {event: CAMERA_STARTED, after: 1s, delay: 40ms}\n")
	ds := expand(t, s, ExpandOptions{Signer: testkit.Signer(t)})
	client := receiverClient(t)

	x100, _ := ParsePace("x100")
	begin := time.Now()
	var sent []time.Duration
	err := (&Runner{Sender: client, Pace: x100}).Play(context.Background(), ds, func(r Result) {
		sent = append(sent, time.Since(begin))
		if !r.Passed {
			t.Errorf("%s: %+v", r.Delivery.Event, r.Outcome)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 3 || sent[1] < 30*time.Millisecond || sent[2] < 80*time.Millisecond {
		t.Errorf("x100 with a 40ms delay sent at %v; want after 30ms and 40ms+40ms", sent)
	}

	begin = time.Now()
	if err := (&Runner{Sender: client}).Play(context.Background(), ds, func(Result) {}); err != nil {
		t.Fatal(err)
	}
	if time.Since(begin) < 40*time.Millisecond {
		t.Error("a delay is real time, waited at fast pace too")
	}
}

func TestPlayStopsOnContext(t *testing.T) {
	s := mustParse(t, "steps:\n  - WMS_LOADED\n  - {event: CONFIGURATION_LOADED, after: 1h}\n")
	ds := expand(t, s, ExpandOptions{Signer: testkit.Signer(t)})
	ctx, cancel := context.WithCancel(context.Background())
	reported := 0
	err := (&Runner{Sender: receiverClient(t), Pace: PaceRealtime}).Play(ctx, ds, func(Result) {
		reported++
		cancel() // the next event is an hour away: Play must not wait for it
	})
	if !errors.Is(err, context.Canceled) || reported != 1 {
		t.Errorf("Play returned %v after %d results; want context.Canceled after 1", err, reported)
	}
}

// TestRunConcurrency checks that Run plays sessions at once, each in
// order, reports one result at a time (the race detector watches the
// unguarded counter), and gives a scenario listed twice two sessions.
func TestRunConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == 3 {
			close(release) // three sessions are in flight at once
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := mustParse(t, "name: twice\nsteps: [WMS_LOADED, CONFIGURATION_LOADED, CAMERA_STARTED]\n")
	list := []*Scenario{s, s, s}
	count := 0
	perSession := map[string][]int64{}
	err := (&Runner{Sender: newClient(t, srv.URL), Concurrency: 3}).Run(context.Background(), list, ExpandOptions{Seed: 5, Signer: testkit.Signer(t)}, func(r Result) {
		count++
		perSession[r.Delivery.SessionID] = append(perSession[r.Delivery.SessionID], r.Delivery.Sequence)
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != 9 || len(perSession) != 3 || peak.Load() != 3 {
		t.Errorf("%d results over %d sessions, peak %d in flight; want 9 over 3, peak 3", count, len(perSession), peak.Load())
	}
	for id, seqs := range perSession {
		if len(seqs) != 3 || seqs[0] != 0 || seqs[1] != 1 || seqs[2] != 2 {
			t.Errorf("session %s out of order: %v", id, seqs)
		}
	}
}
