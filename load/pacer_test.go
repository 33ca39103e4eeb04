package load

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

var pacerStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// randomRate draws one of rates across the allowed range, whole and not.
func randomRate(r *rand.Rand) float64 {
	rates := []float64{MinRate, 0.37, 1, 3, 7, 99.5, 1000, 123_456.789, MaxRate}
	return rates[r.IntN(len(rates))]
}

func TestPacerDueTimes(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		i    uint64
		want time.Duration
	}{
		{100, 0, 0},
		{100, 1, 10 * time.Millisecond},
		{100, 9, 90 * time.Millisecond},
		{1, 5, 5 * time.Second},
		{MinRate, 1, 1000 * time.Second},
		{MaxRate, 1, time.Microsecond},
		{MaxRate, 1_000_000, time.Second},
		{3, 1, 333_333_333}, // to the nearest nanosecond
		{3, 2, 666_666_667}, // rounded, not truncated
		{3, 3, time.Second}, // three events a second: the third is at 1s exactly
		{7, 7, time.Second}, // not 7 rounded intervals of 142857143ns
		{2.5, 5, 2 * time.Second},
		{20_000, 1, 50 * time.Microsecond},
		// Large i: each due time comes from the start, so no rounding
		// adds up. A day at MaxRate, a year at 3 and at 7 per second.
		{MaxRate, 86_400_000_000, 24 * time.Hour},
		{3, 3 * 86_400 * 365, 365 * 24 * time.Hour},
		{7, 7 * 86_400 * 365, 365 * 24 * time.Hour},
		// Past what a Duration holds: the largest Duration, not a wrap.
		{MinRate, 10_000_000, math.MaxInt64},
		{MaxRate, math.MaxUint64, math.MaxInt64},
		{MinRate, math.MaxUint64, math.MaxInt64},
	} {
		p := pacer{start: pacerStart, rate: tc.rate}
		if got := p.offset(tc.i); got != tc.want {
			t.Errorf("rate %g: event %d due after %v (%d ns), want %v (%d ns)", tc.rate, tc.i, got, int64(got), tc.want, int64(tc.want))
		}
		if tc.want < math.MaxInt64 {
			if got := p.due(tc.i); !got.Equal(pacerStart.Add(tc.want)) {
				t.Errorf("rate %g: event %d due at %v, want %v", tc.rate, tc.i, got, pacerStart.Add(tc.want))
			}
		}
	}
}

// TestPacerDoesNotDrift compares due times with the exact i/rate seconds
// across the whole range of i: the error stays within a nanosecond plus
// float64's relative precision of the offset, however large i is.
func TestPacerDoesNotDrift(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		rate := randomRate(r)
		i := r.Uint64N(1 << uint(1+r.IntN(63)))
		exact := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(i), big.NewInt(int64(time.Second))), big.NewInt(1))
		exact.Quo(exact, new(big.Rat).SetFloat64(rate))
		want, _ := exact.Float64()
		if want >= math.MaxInt64 {
			continue // saturates: TestPacerDueTimes
		}
		got := float64(pacer{start: pacerStart, rate: rate}.offset(i))
		if d := math.Abs(got - want); d > 1+want*0x1p-51 {
			t.Fatalf("rate %g: event %d due after %.0f ns, exactly %.3f ns: off by %.3f ns", rate, i, got, want, d)
		}
	}
}

// TestPacerDueTimesOnlyGrow checks that due times never go back, and are
// distinct while float64 resolves the offset finer than the interval
// (below 2^60 ns, 36 years, at MaxRate); past that, and once saturated,
// neighbours may share a due time.
func TestPacerDueTimesOnlyGrow(t *testing.T) {
	for _, rate := range []float64{MinRate, 1, 3, MaxRate} {
		p := pacer{start: pacerStart, rate: rate}
		// The first event past a Duration, and the last before 2^60 ns.
		last := uint64(float64(math.MaxInt64) * rate / float64(time.Second))
		fine := uint64(0x1p60 * rate / float64(time.Second))
		for _, base := range []uint64{0, 1 << 20, fine - 8, last - 3} {
			for i := base; i < base+8; i++ {
				a, b := p.offset(i), p.offset(i+1)
				if b < a || (b == a && i < fine) {
					t.Fatalf("rate %g: event %d due after %d ns, event %d after %d ns: want each later than the one before", rate, i, a, i+1, b)
				}
			}
		}
	}
}

func TestPacerFallenAndMissed(t *testing.T) {
	p := pacer{start: pacerStart, rate: 100} // an event every 10 ms
	at := func(d time.Duration) time.Time { return pacerStart.Add(d) }
	for _, tc := range []struct {
		end    time.Duration
		next   uint64
		fallen uint64
		missed uint64
	}{
		{-time.Millisecond, 0, 0, 0}, // before the start
		{0, 0, 1, 1},                 // event 0 is due at the start
		{10*time.Millisecond - 1, 1, 1, 0},
		{10 * time.Millisecond, 1, 2, 1}, // due exactly at the end: fell due
		{10*time.Millisecond + 1, 1, 2, 1},
		{95 * time.Millisecond, 4, 10, 6},  // the 40 to 90 ms events
		{95 * time.Millisecond, 10, 10, 0}, // every due event handed out
		{95 * time.Millisecond, 12, 10, 0}, // a dispatcher ahead of the end
		{time.Hour, 0, 360_001, 360_001},   // 0, 10ms, ..., 1h
		{math.MaxInt64, 0, 922_337_203_686, 922_337_203_686},
	} {
		if got := p.fallen(at(tc.end)); got != tc.fallen {
			t.Errorf("fallen by %v = %d, want %d", tc.end, got, tc.fallen)
		}
		if got := p.missed(tc.next, at(tc.end)); got != tc.missed {
			t.Errorf("missed from event %d by %v = %d, want %d", tc.next, tc.end, got, tc.missed)
		}
	}
}

// TestPacerFallenAgreesWithDue checks the boundary at every rate: an
// event has fallen due at its due time and not a nanosecond before (for
// runs under 36 years, where due times are distinct).
func TestPacerFallenAgreesWithDue(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		rate := randomRate(r)
		p := pacer{start: pacerStart, rate: rate}
		i := 1 + r.Uint64N(uint64(0x1p60*rate/float64(time.Second)))
		due := p.due(i)
		if got := p.fallen(due); got != i+1 {
			t.Fatalf("rate %g: %d events fallen due at event %d's due time, want %d", rate, got, i, i+1)
		}
		if got := p.fallen(due.Add(-1)); got != i {
			t.Fatalf("rate %g: %d events fallen due a nanosecond before event %d, want %d", rate, got, i, i)
		}
	}
}
