package load

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wmsmock/wms-mock/internal/humanize"
)

// Thresholds are limits a run must stay within, as k6's are: a CI job
// gates on a receiver's latency and failures with them rather than by
// reading the figures. A zero or nil field is no limit.
type Thresholds struct {
	// MaxP50, MaxP90 and MaxP99 bound the latency percentiles of
	// Result.Latency.
	MaxP50, MaxP90, MaxP99 time.Duration
	// MaxFailureRate, when set, bounds the fraction of deliveries that did
	// not get a 2xx answer (Result.Failed over Result.Sent), from 0 to 1:
	// a rate at or under it is met, as k6's rate<=X. It is a pointer
	// because 0 is a limit (no failure at all), not the absence of one:
	// MaxFailureRate: new(0.01) tolerates 1%.
	MaxFailureRate *float64
}

// Any reports whether any threshold is set.
func (t Thresholds) Any() bool { return t != Thresholds{} }

// MarshalJSON writes the thresholds set: latencies in milliseconds, as
// Result.Latency's.
func (t Thresholds) MarshalJSON() ([]byte, error) {
	type set struct {
		MaxP50         *float64 `json:"max_p50_ms,omitempty"`
		MaxP90         *float64 `json:"max_p90_ms,omitempty"`
		MaxP99         *float64 `json:"max_p99_ms,omitempty"`
		MaxFailureRate *float64 `json:"max_failure_rate,omitempty"`
	}
	var out set
	for _, f := range []struct {
		d   time.Duration
		dst **float64
	}{{t.MaxP50, &out.MaxP50}, {t.MaxP90, &out.MaxP90}, {t.MaxP99, &out.MaxP99}} {
		if f.d > 0 {
			v := ms(f.d)
			*f.dst = &v
		}
	}
	out.MaxFailureRate = t.MaxFailureRate
	return json.Marshal(out)
}

// CheckThresholds returns an error when a threshold is negative or the
// failure rate is not from 0 to 1: the one rule for Config.Thresholds and the CLI's
// --max-* flags. Its error matches ErrBadConfig without saying so, as
// CheckRate's, so that the CLI can name its flag in front of it.
func CheckThresholds(t Thresholds) error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--max-p50", t.MaxP50}, {"--max-p90", t.MaxP90}, {"--max-p99", t.MaxP99}} {
		if d.v < 0 {
			return badConfig(fmt.Sprintf("%s must be a positive duration, got %v", d.flag, d.v))
		}
	}
	if r := t.MaxFailureRate; r != nil && !(*r >= 0 && *r <= 1) {
		return badConfig(fmt.Sprintf("--max-failure-rate must be a fraction from 0 to 1 (0.01 is 1%%), got %g", *r))
	}
	return nil
}

// Breach is one threshold a run went past.
type Breach struct {
	// Threshold names it as its flag does, without dashes: "max-p99",
	// "max-failure-rate".
	Threshold string `json:"threshold"`
	// Limit and Value are the threshold and what the run came to: in
	// milliseconds for a latency, as a fraction for the failure rate.
	Limit float64 `json:"limit"`
	Value float64 `json:"value"`
	// Message says it in one line, as "p99 latency 123ms is over
	// --max-p99 100ms".
	Message string `json:"message"`
}

// Breaches returns the thresholds of t that res went past, in the order
// p50, p90, p99, failure rate; none when every one was met. A latency
// threshold is breached when the percentile is over it, the failure rate
// when it is over MaxFailureRate (at or under it is met); a run that sent
// nothing breaches no failure rate.
func (res *Result) Breaches(t Thresholds) []Breach {
	var out []Breach
	for _, l := range []struct {
		name       string
		got, limit time.Duration
	}{{"p50", res.Latency.P50, t.MaxP50}, {"p90", res.Latency.P90, t.MaxP90}, {"p99", res.Latency.P99, t.MaxP99}} {
		if l.limit > 0 && l.got > l.limit {
			out = append(out, Breach{
				Threshold: "max-" + l.name, Limit: ms(l.limit), Value: ms(l.got),
				Message: fmt.Sprintf("%s latency %s is over --max-%s %s", l.name, humanize.Duration(l.got), l.name, humanize.Duration(l.limit)),
			})
		}
	}
	if limit := t.MaxFailureRate; limit != nil && res.Sent > 0 {
		rate := float64(res.Failed) / float64(res.Sent)
		if rate > *limit {
			out = append(out, Breach{
				Threshold: "max-failure-rate", Limit: *limit, Value: rate,
				Message: fmt.Sprintf("failure rate %s (%d of %d deliveries) is over --max-failure-rate %s",
					strconv.FormatFloat(rate, 'g', 4, 64), res.Failed, res.Sent, strconv.FormatFloat(*limit, 'g', -1, 64)),
			})
		}
	}
	return out
}
