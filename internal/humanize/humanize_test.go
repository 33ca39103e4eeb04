package humanize

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12345678 * time.Nanosecond:   "12.35ms",
		845321 * time.Nanosecond:     "845µs",
		1234567891 * time.Nanosecond: "1.235s",
		0:                            "0s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestCounts(t *testing.T) {
	got := Counts(map[string]int{"500": 3, "401 Unauthorized": 200, "404": 3})
	if want := "401 Unauthorized: 200, 404: 3, 500: 3"; got != want {
		t.Errorf("Counts = %q, want %q", got, want)
	}
	if got := Counts(map[int]uint64{}); got != "" {
		t.Errorf("empty Counts = %q", got)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefgh", 4, "abcd..."},
		{"aéb", 2, "a..."}, // é is two bytes: never cut inside it
		{"日本語", 4, "日..."},
	} {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
