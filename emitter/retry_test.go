package emitter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetriesRecordEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithRetry(Retry{Max: 4, Base: time.Millisecond, Cap: 5 * time.Millisecond}))
	out := c.Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`)))
	if !out.OK() || len(out.Attempts) != 3 || out.Attempts[0].Status != 503 || out.Attempts[2].Status != 200 {
		t.Errorf("outcome %+v", out)
	}
	noRetry := newTestClient(t, srv.URL)
	calls.Store(0)
	if out := noRetry.Send(context.Background(), SignedRequest(testSigner(t), []byte(`{}`))); out.Status != 503 || out.Attempts != nil {
		t.Errorf("retries are off by default: %+v", out)
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	r := Retry{Base: 100 * time.Millisecond, Cap: time.Second}
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 20 {
			if d := r.backoff(i); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", i, d, want/2, want)
			}
		}
	}
}
