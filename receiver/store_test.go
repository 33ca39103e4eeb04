package receiver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// readEventsFile parses every line of an events file, failing on any line
// that is not a complete record.
func readEventsFile(t testing.TB, path string) []*Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end with a newline", path)
	}
	var out []*Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		rec, err := decode(l.Envelope)
		if err != nil || l.ReceivedAt.IsZero() {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		rec.ReceivedAt = l.ReceivedAt
		out = append(out, rec)
	}
	return out
}

// keyCounts counts records per (sessionId, sequence) and checks each
// stored body is the one sent.
func keyCounts(t testing.TB, recs []*Record, sent map[string][]byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, r := range recs {
		k := fmt.Sprintf("%s/%d", r.SessionID, r.Sequence)
		counts[k]++
		if want, ok := sent[k]; ok && !bytes.Equal(want, r.Body) {
			t.Errorf("%s stored as %s, sent %s", k, r.Body, want)
		}
	}
	return counts
}

func TestRestartOnTornEventsFile(t *testing.T) {
	signer := testkit.Signer(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rc, url := startReceiver(t, WithEventsFile(path))
	bodies := journeyBodies(t, "restart", 7)
	for _, b := range bodies {
		if a := deliver(t, url, signer, b); a.status != 200 {
			t.Fatal(a)
		}
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a write leaves part of a line.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn := `{"receivedAt":"2026-01-02T03:04:05Z","envelope":{"timestamp":1,"sessionId":"restart","seq`
	f.WriteString(torn)
	f.Close()

	var log syncBuffer
	rc2, url2 := startReceiver(t, WithEventsFile(path), WithLogger(newTextLogger(&log)))
	if st := rc2.Stats(); st.Reloaded != len(bodies) || st.Accepted != 0 || st.Events["INTERMEDIATE_RESULTS"] != 5 {
		t.Fatalf("after restart: %+v", st)
	}
	if !strings.Contains(log.String(), "torn last line") || !strings.Contains(log.String(), fmt.Sprintf("bytes=%d", len(torn))) {
		t.Errorf("the torn line was not reported: %s", log.String())
	}
	// The duplicate index survived: every event is a duplicate now.
	for i, b := range bodies {
		if a := deliver(t, url2, signer, b); a.status != 200 || !strings.Contains(a.body, `"duplicate"`) {
			t.Fatalf("redelivery %d after restart: %d %s", i, a.status, a.body)
		}
	}
	extra := eventBody(t, "restart", int64(len(bodies)), "WMS_LOADED", nil)
	if a := deliver(t, url2, signer, extra); !strings.Contains(a.body, `"accepted"`) {
		t.Fatalf("new event after restart: %v", a)
	}
	if err := rc2.Close(); err != nil {
		t.Fatal(err)
	}

	sent := map[string][]byte{}
	for i, b := range append(bodies, extra) {
		sent[fmt.Sprintf("restart/%d", i)] = b
	}
	recs := readEventsFile(t, path)
	counts := keyCounts(t, recs, sent)
	if len(recs) != len(sent) || len(counts) != len(sent) {
		t.Fatalf("file holds %d lines for %d keys, want %d once each", len(recs), len(counts), len(sent))
	}
}

func TestDamagedEventsFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	good := `{"receivedAt":"2026-01-02T03:04:05Z","envelope":{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}}`
	for name, content := range map[string]string{
		"garbage":      "not json\n" + good + "\n",
		"bad envelope": good + "\n" + `{"receivedAt":"2026-01-02T03:04:05Z","envelope":{"sequence":1}}` + "\n",
	} {
		os.WriteFile(path, []byte(content), 0o644)
		_, err := New(testkit.Signer(t), WithEventsFile(path))
		if err == nil || !strings.Contains(err.Error(), "line") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want an error naming the file and line", name, err)
		}
	}
}

// Many clients at once, each event sent two or three times in random order
// from different goroutines: each is answered 2xx, stored once in memory
// and written once to the events file.
func TestConcurrentDeliveriesStoredOnce(t *testing.T) {
	signer := testkit.Signer(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rc, url := startReceiver(t, WithEventsFile(path))

	sent := map[string][]byte{}
	var deliveries [][]byte
	rng := rand.New(rand.NewPCG(1, 2))
	for s := range 24 {
		id := fmt.Sprintf("race-%02d", s)
		for i, b := range journeyBodies(t, id, uint64(s)) {
			sent[fmt.Sprintf("%s/%d", id, i)] = b
			for range 2 + rng.IntN(2) {
				deliveries = append(deliveries, b)
			}
		}
	}
	rng.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })

	work := make(chan []byte)
	var wg sync.WaitGroup
	var mu sync.Mutex
	verdicts := map[string]int{}
	for range 32 {
		wg.Go(func() {
			for b := range work {
				a := deliver(t, url, signer, b)
				mu.Lock()
				verdicts[fmt.Sprint(a.status, " ", strings.TrimSpace(a.body))]++
				mu.Unlock()
			}
		})
	}
	for _, b := range deliveries {
		work <- b
	}
	close(work)
	wg.Wait()

	if verdicts[`200 {"verdict":"accepted"}`] != len(sent) || verdicts[`200 {"verdict":"duplicate"}`] != len(deliveries)-len(sent) {
		t.Fatalf("answers %v; want %d accepted and %d duplicates", verdicts, len(sent), len(deliveries)-len(sent))
	}
	st := rc.Stats()
	if st.Accepted != len(sent) || st.Duplicates != len(deliveries)-len(sent) {
		t.Errorf("stats %+v", st)
	}
	var mem []*Record
	for _, r := range rc.Events("") {
		mem = append(mem, &r)
	}
	if counts := keyCounts(t, mem, sent); len(mem) != len(sent) || len(counts) != len(sent) {
		t.Errorf("memory holds %d events for %d keys, want %d", len(mem), len(counts), len(sent))
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readEventsFile(t, path)
	if counts := keyCounts(t, recs, sent); len(recs) != len(sent) || len(counts) != len(sent) {
		t.Errorf("file holds %d lines for %d keys, want %d", len(recs), len(counts), len(sent))
	}
	if f := rc.Findings(); len(f) != 0 {
		t.Errorf("clean journeys in disorder gave findings: %v", f)
	}
}

func TestMemoryLimit(t *testing.T) {
	signer := testkit.Signer(t)
	rc, url := startReceiver(t, WithMemoryLimit(10))
	var all [][]byte
	for s := range 3 {
		all = append(all, journeyBodies(t, fmt.Sprint("m", s), 1)[:8]...)
	}
	for _, b := range all {
		deliver(t, url, signer, b)
	}
	evs := rc.Events("")
	if len(evs) != 10 || !bytes.Equal(evs[9].Body, all[len(all)-1]) || !bytes.Equal(evs[0].Body, all[len(all)-10]) {
		t.Fatalf("kept %d events, want the last 10 in arrival order", len(evs))
	}
	if st := rc.Stats(); st.Sessions != 2 {
		t.Errorf("%d sessions in memory, want 2", st.Sessions)
	}
	// A trimmed session is not reported as a gap.
	if f := rc.Findings(); len(f) != 0 {
		t.Errorf("findings on trimmed sessions: %v", f)
	}
	// The price of the bound: a forgotten event is stored again.
	if a := deliver(t, url, signer, all[0]); !strings.Contains(a.body, "accepted") {
		t.Errorf("redelivery of a forgotten event: %v", a)
	}
}

// Once the events file cannot be written the receiver stops acknowledging:
// a 2xx must mean the event is on disk.
func TestStorageFailureStopsAcknowledging(t *testing.T) {
	signer := testkit.Signer(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rc, err := New(signer, WithEventsFile(path))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	durable := eventBody(t, "io", 0, "WMS_LOADED", nil)
	if a := deliver(t, srv.URL, signer, durable); a.status != 200 {
		t.Fatal(a)
	}
	rc.journal.f.Close() // the disk goes away

	lost := eventBody(t, "io", 1, "CONFIGURATION_LOADED", nil)
	for i := range 2 {
		if a := deliver(t, srv.URL, signer, lost); a.status != http.StatusServiceUnavailable {
			t.Fatalf("attempt %d of an event that cannot be written: %d %s", i, a.status, a.body)
		}
	}
	if a := deliver(t, srv.URL, signer, eventBody(t, "io", 2, "CAMERA_STARTED", nil)); a.status != 503 {
		t.Errorf("new event after the failure: %d", a.status)
	}
	if a := deliver(t, srv.URL, signer, durable); a.status != 503 {
		t.Errorf("redelivery after the failure: %d", a.status)
	}
	if a := send(t, "GET", srv.URL+"/healthz", nil, nil); a.status != 503 || !strings.Contains(a.body, "cannot write") {
		t.Errorf("healthz: %d %s", a.status, a.body)
	}
	if err := rc.Close(); err == nil {
		t.Error("Close hid the write failure")
	}
	if n := len(readEventsFile(t, path)); n != 1 {
		t.Errorf("file holds %d lines, want 1", n)
	}
}
