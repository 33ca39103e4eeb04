package wms

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

// minimalReceiver answers every webhook 204 at once: the benchmark
// measures the mock, not a receiver.
func minimalReceiver(b *testing.B) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(s.Close)
	return s.URL + "/webhook"
}

func benchServer(b *testing.B, opts ...Option) (*Server, string) {
	b.Helper()
	c := ConfigID{ID: testConfigID, Callback: callback, Webhook: minimalReceiver(b), Signer: testkit.Signer(b)}
	srv, err := New(Config{IDs: []ConfigID{c}}, append([]Option{WithKey(mockKey())}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(func() { ts.Close(); srv.Close() })
	return srv, ts.URL
}

// BenchmarkCallIn is call-in to callback round trips at fast pace: each
// decrypts a profile, plays happy-path's 14 webhooks to a receiver on
// loopback, and answers with the 303 and its results.
func BenchmarkCallIn(b *testing.B) {
	srv, base := benchServer(b)
	data, _ := EncryptProfile(srv.PublicKey(), goodProfile.JSON())
	prefix := base + CallInURL("", CallIn{ConfigID: testConfigID, ProfileData: data, AuthToken: "a", RefreshToken: "r"})
	var n atomic.Uint64
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(prefix + "bench-" + strconv.FormatUint(n.Add(1), 10))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callins/s")
}

// BenchmarkRealtimeMemory1000 starts 1,000 sessions at realtime pace,
// each a 40-second happy-path journey waiting between its events, and
// reports the heap they hold: run it with -benchtime=1x.
func BenchmarkRealtimeMemory1000(b *testing.B) {
	const sessions = 1000
	for range b.N {
		b.StopTimer()
		srv, base := benchServer(b, WithPace(scenarios.PaceRealtime))
		data, _ := EncryptProfile(srv.PublicKey(), goodProfile.JSON())
		prefix := base + CallInURL("", CallIn{ConfigID: testConfigID, ProfileData: data, AuthToken: "a", RefreshToken: "r"})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		goroutines := runtime.NumGoroutine()
		b.StartTimer()
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range 32 {
			wg.Go(func() {
				for i := next.Add(1); i <= sessions; i = next.Add(1) {
					resp, err := http.Get(prefix + "mem-" + strconv.FormatInt(i, 10))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if n := srv.store.len(); n != sessions {
			b.Fatalf("%d sessions kept, want %d", n, sessions)
		}
		heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(heap/sessions, "heap-B/session")
		b.ReportMetric(heap/(1<<20), "heap-MiB/1000")
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/sessions, "goroutines/session")
		srv.Close()
	}
}
