package receiver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// BenchmarkDeliver measures the handler from request to answer, without
// the network: MAC, parse, checks, store and, with a file, the fsync.
//
//	memory        no events file
//	file/serial   one request at a time: one fsync per event
//	file/parallel many requests at once: group commit shares each fsync
func BenchmarkDeliver(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchDeliver(b, false, 1) })
	b.Run("file/serial", func(b *testing.B) { benchDeliver(b, true, 0) })
	b.Run("file/parallel", func(b *testing.B) { benchDeliver(b, true, 32) })
}

// benchDeliver sends b.N distinct events; parallelism 0 sends them one at a
// time, otherwise from parallelism×GOMAXPROCS goroutines.
func benchDeliver(b *testing.B, file bool, parallelism int) {
	signer := testkit.Signer(b)
	opts := []Option{WithMemoryLimit(1 << 20)}
	if file {
		opts = append(opts, WithEventsFile(filepath.Join(b.TempDir(), "events.jsonl")))
	}
	rc, err := New(signer, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	var next atomic.Int64
	one := func() {
		n := next.Add(1)
		env := emitter.Envelope{Timestamp: 1_700_000_000, SessionID: "bench-" + strconv.FormatInt(n/20, 10), Sequence: n % 20,
			Event: "MEASUREMENT_CREATED", Severity: emitter.SeverityInfo,
			Payload: emitter.Payload{{Key: "measurementId", Value: "a1e6c2e6-410b-4e19-bae5-a72a0343d322"}}}
		body, _ := env.AppendJSON(nil)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header[emitter.HeaderMAC] = []string{signer.MAC(body)}
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	if parallelism == 0 {
		for b.Loop() {
			one()
		}
	} else {
		b.SetParallelism(parallelism)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				one()
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "events/s")
}
