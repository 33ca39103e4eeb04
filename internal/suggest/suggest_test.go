package suggest

import (
	"slices"
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"repeat", "repaet", 2}, {"same", "same", 0},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"event", "after", "repeat", "payload"}
	for name, want := range map[string]string{
		"evnt": "event", "Repeat": "repeat", "paylod": "payload", "zzz": "", "": "",
		strings.Repeat("a", 300): "",
	} {
		if got := Closest(name, keys); got != want {
			t.Errorf("Closest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestNear(t *testing.T) {
	names := []string{"happy-path", "happy-path-reconnect", "low-snr", "camera-denied"}
	if got := Near("happy", names, 3); !slices.Equal(got, []string{"happy-path", "happy-path-reconnect"}) {
		t.Errorf("Near(happy) = %q", got)
	}
	if got := Near("happy-pth", names, 2); !slices.Equal(got, []string{"happy-path"}) {
		t.Errorf("Near(happy-pth) = %q", got)
	}
	if got := Near("camera", names, 3); !slices.Equal(got, []string{"camera-denied"}) {
		t.Errorf("Near(camera) = %q: a name contained in a candidate is near it", got)
	}
	if got := Near("xyz-nothing-like", names, 3); len(got) != 0 {
		t.Errorf("Near(xyz) = %q, want none", got)
	}
	if got := Near("happy-path", names, 1); len(got) != 1 || got[0] != "happy-path" {
		t.Errorf("limit 1 = %q", got)
	}
}
