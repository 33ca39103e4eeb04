package load

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

func TestJourneysAreRealSignedSessions(t *testing.T) {
	signer := testkit.Signer(t)
	src, err := MixSource(nil, signer, 42)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range scenarios.Journeys() {
		names = append(names, s.Name)
	}
	seen := map[string]bool{}
	ids := map[string]bool{}
	for i := range uint64(300) {
		s, err := src.Script(i)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(names, s.Name) {
			t.Fatalf("session %d follows %q, not a built-in journey", i, s.Name)
		}
		seen[s.Name] = true
		var id string
		for k, req := range drain(t, s) {
			if err := signer.Verify(req.Header[emitter.HeaderMAC][0], req.Body); err != nil {
				t.Fatalf("session %d event %d: %v", i, k, err)
			}
			env := testkit.Decode(t, req.Body)
			if env.Sequence != int64(k) || (k > 0 && env.SessionID != id) {
				t.Fatalf("session %d event %d: sequence %d of session %q, want %d of %q", i, k, env.Sequence, env.SessionID, k, id)
			}
			id = env.SessionID
		}
		if len(id) != scenarios.SessionIDLen || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("session %d has ID %q: want %d lowercase letters and digits, as WMS's", i, id, scenarios.SessionIDLen)
		}
		if ids[id] {
			t.Fatalf("session %d reuses session ID %q", i, id)
		}
		ids[id] = true
	}
	if len(seen) != len(names) {
		t.Errorf("300 sessions followed %d of the %d journeys", len(seen), len(names))
	}

	// The same seed draws the same journeys; another seed draws others.
	again, _ := MixSource(nil, signer, 42)
	other, _ := MixSource(nil, signer, 43)
	differ := 0
	for i := range uint64(50) {
		a, _ := src.Script(i)
		b, _ := again.Script(i)
		c, _ := other.Script(i)
		if a.Name != b.Name {
			t.Fatalf("session %d: %q then %q with the same seed", i, a.Name, b.Name)
		}
		// A rerun with the same seed sends new session IDs, or the
		// receiver would take it for redeliveries.
		if idA, idB := a.Stream.SessionID(), b.Stream.SessionID(); idA == idB {
			t.Fatalf("session %d has ID %q in both runs of seed 42", i, idA)
		}
		if a.Name != c.Name {
			differ++
		}
	}
	if differ == 0 {
		t.Error("seeds 42 and 43 drew the same 50 journeys")
	}
}

func TestJourneysFollowTheMixWeights(t *testing.T) {
	src, err := MixSource([]Weighted{{"happy-path", 3}, {"low-snr", 1}}, testkit.Signer(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for i := range uint64(2000) {
		s, err := src.Script(i)
		if err != nil {
			t.Fatal(err)
		}
		counts[s.Name]++
	}
	if len(counts) != 2 || counts["happy-path"] < 1350 || counts["happy-path"] > 1650 {
		t.Errorf("2000 sessions of happy-path=3,low-snr=1 gave %v: want about 1500 and 500", counts)
	}
}

func TestJourneysRefuseEdgeCases(t *testing.T) {
	_, err := MixSource([]Weighted{{"happy-path", 1}, {"edge-duplicate", 1}}, testkit.Signer(t), 1)
	if !errors.Is(err, ErrNotRealistic) {
		t.Errorf("a mix with edge-duplicate: %v, want ErrNotRealistic", err)
	}
	if _, err := MixSource([]Weighted{{"no-such-journey", 1}}, testkit.Signer(t), 1); !errors.Is(err, scenarios.ErrUnknownScenario) {
		t.Errorf("an unknown name: %v, want ErrUnknownScenario", err)
	}
}

func TestParseMix(t *testing.T) {
	got, err := ParseMix(" happy-path=3, low-snr ,user-cancels=10")
	want := []Weighted{{"happy-path", 3}, {"low-snr", 1}, {"user-cancels", 10}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseMix = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", ",", "a=0", "a=-1", "a=x", "=3", "a=1,a=2"} {
		if _, err := ParseMix(bad); !errors.Is(err, ErrBadMix) {
			t.Errorf("ParseMix(%q) = %v, want ErrBadMix", bad, err)
		}
	}
}

func TestSessionIDsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, nonce := range []uint64{0, 1, nonceSpace - 1} {
		for _, i := range []uint64{0, 1, 35, 36, 1 << 40, ^uint64(0)} {
			id := sessionID(nonce, i)
			if len(id) != scenarios.SessionIDLen || seen[id] {
				t.Fatalf("sessionID(%d, %d) = %q: want %d characters, new", nonce, i, id, scenarios.SessionIDLen)
			}
			seen[id] = true
		}
	}
}

// drain makes every request of s's Stream, stamped now.
func drain(t testing.TB, s Script) []emitter.Request {
	t.Helper()
	var out []emitter.Request
	for s.Stream.Remaining() > 0 {
		_, ev, err := s.Stream.AppendNext(nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.Request())
	}
	return out
}
