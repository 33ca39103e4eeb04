package load

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

func TestBreachesSayWhichThresholdAndBy(t *testing.T) {
	res := &Result{
		Sent: 1000, OK: 975, Failed: 25,
		Latency: Latency{P50: 12 * time.Millisecond, P90: 80 * time.Millisecond, P99: 123 * time.Millisecond},
	}
	got := res.Breaches(Thresholds{MaxP50: 20 * time.Millisecond, MaxP90: 50 * time.Millisecond, MaxP99: 100 * time.Millisecond, MaxFailureRate: new(0.01)})
	want := []Breach{
		{Threshold: "max-p90", Limit: 50, Value: 80, Message: "p90 latency 80ms is over --max-p90 50ms"},
		{Threshold: "max-p99", Limit: 100, Value: 123, Message: "p99 latency 123ms is over --max-p99 100ms"},
		{Threshold: "max-failure-rate", Limit: 0.01, Value: 0.025, Message: "failure rate 0.025 (25 of 1000 deliveries) is over --max-failure-rate 0.01"},
	}
	if len(got) != len(want) {
		t.Fatalf("breaches %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("breach %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestThresholdsMetOrOff(t *testing.T) {
	res := &Result{Sent: 100, OK: 99, Failed: 1, Latency: Latency{P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 5 * time.Millisecond}}
	cases := []Thresholds{
		{},                             // all off
		{MaxP99: 5 * time.Millisecond}, // equal is not over
		{MaxP50: time.Millisecond, MaxP90: 3 * time.Millisecond, MaxFailureRate: new(0.01)},
	}
	for _, th := range cases {
		if b := res.Breaches(th); len(b) != 0 {
			t.Errorf("%+v: breaches %+v, want none", th, b)
		}
	}
	// At the limit is within it; 0 is a limit, not the absence of one.
	if b := res.Breaches(Thresholds{MaxFailureRate: new(0.01)}); len(b) != 0 {
		t.Errorf("a failure rate at the limit: breaches %+v", b)
	}
	if b := res.Breaches(Thresholds{MaxFailureRate: new(0.0)}); len(b) != 1 || b[0].Threshold != "max-failure-rate" {
		t.Errorf("one failure with --max-failure-rate 0: breaches %+v", b)
	}
	empty := &Result{}
	if b := empty.Breaches(Thresholds{MaxFailureRate: new(0.5), MaxP99: time.Millisecond}); len(b) != 0 {
		t.Errorf("a run that sent nothing: %+v", b)
	}
}

func TestCheckThresholds(t *testing.T) {
	for _, bad := range []Thresholds{{MaxP50: -1}, {MaxP99: -time.Second}, {MaxFailureRate: new(-0.1)}, {MaxFailureRate: new(1.5)}, {MaxFailureRate: new(math.NaN())}} {
		err := CheckThresholds(bad)
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "--max-") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := CheckThresholds(Thresholds{MaxP99: time.Second, MaxFailureRate: new(1.0)}); err != nil {
		t.Errorf("valid thresholds: %v", err)
	}
	_, err := Run(context.Background(), Config{Source: testSource(testkit.Signer(t)), Sender: &fakeSender{}, Sessions: 1, Thresholds: Thresholds{MaxFailureRate: new(2.0)}})
	if !errors.Is(err, ErrBadConfig) {
		t.Errorf("Run with a failure rate of 2: %v", err)
	}
}

// A run judges its thresholds and reports them in text and JSON.
func TestRunReportsThresholdsAndBreaches(t *testing.T) {
	_, client := startRecorder(t, func(d testkit.Delivery) int {
		if d.Envelope.Sequence == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	th := Thresholds{MaxP99: time.Hour, MaxFailureRate: new(0.05)}
	res, err := Run(context.Background(), Config{Source: testSource(testkit.Signer(t)), Sender: client, Sessions: 10, Concurrency: 2, Thresholds: th})
	if err != nil {
		t.Fatal(err)
	}
	if res.Thresholds == nil || *res.Thresholds != th || len(res.Breached) != 1 || res.Breached[0].Threshold != "max-failure-rate" {
		t.Fatalf("thresholds %+v, breached %+v: want the failure rate breached", res.Thresholds, res.Breached)
	}
	var text strings.Builder
	res.WriteText(&text)
	if !strings.Contains(text.String(), "  breach   failure rate ") {
		t.Errorf("text lacks the breach:\n%s", text.String())
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Thresholds map[string]float64 `json:"thresholds"`
		Breached   []Breach           `json:"breached"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Thresholds["max_p99_ms"] != 3.6e6 || back.Thresholds["max_failure_rate"] != 0.05 || len(back.Thresholds) != 2 {
		t.Errorf("JSON thresholds %v", back.Thresholds)
	}
	if len(back.Breached) != 1 || back.Breached[0] != res.Breached[0] {
		t.Errorf("JSON breaches %+v, want %+v", back.Breached, res.Breached)
	}

	met, err := Run(context.Background(), Config{Source: testSource(testkit.Signer(t)), Sender: client, Sessions: 2, Thresholds: Thresholds{MaxFailureRate: new(0.9)}})
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	met.WriteText(&text)
	if len(met.Breached) != 0 || !strings.Contains(text.String(), "thresholds met") {
		t.Errorf("breached %+v; text:\n%s", met.Breached, text.String())
	}
	noThresholds, _ := json.Marshal(&Result{})
	if strings.Contains(string(noThresholds), "thresholds") || strings.Contains(string(noThresholds), "breached") {
		t.Errorf("a run without thresholds shows them: %s", noThresholds)
	}
}

func TestFailuresToConnectStayOutOfLatency(t *testing.T) {
	rec := newRecorder()
	rec.record(emitter.Attempt{Status: 204}, 10*time.Millisecond)
	for _, c := range []emitter.FailureClass{emitter.FailRefused, emitter.FailConnect, emitter.FailDNS, FailTooManyOpenFiles} {
		rec.record(emitter.Attempt{Class: c}, time.Microsecond)
	}
	rec.record(emitter.Attempt{Class: emitter.FailTimeout}, time.Second)
	res := rec.result(time.Second)
	if res.Sent != 6 || res.OK != 1 || res.Failed != 5 || res.Failures[FailTooManyOpenFiles] != 1 {
		t.Errorf("sent %d ok %d failed %d failures %v", res.Sent, res.OK, res.Failed, res.Failures)
	}
	if res.Latency.P50 < 9*time.Millisecond || res.Latency.Max != time.Second {
		t.Errorf("latency %+v: want the answer and the timeout only", res.Latency)
	}
	// The summary names the generator's own limit and what to do.
	var text strings.Builder
	res.WriteText(&text)
	if !strings.Contains(text.String(), "warning: 1 of the failures are too_many_open_files: the generator ran out of file descriptors") ||
		!strings.Contains(text.String(), "ulimit -n") {
		t.Errorf("summary:\n%s", text.String())
	}
}
