package scenarios

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// TestSessionSeed: SessionSeed makes the session ID and nothing else, so
// that a command can send Seed's values again as sessions no receiver
// has seen; the same SessionSeed as Seed gives the IDs Seed alone gives,
// which keeps the golden files; a scenario's session: wins over both.
func TestSessionSeed(t *testing.T) {
	signer := testkit.Signer(t)
	s := mustParse(t, "name: a\nsteps: [WMS_LOADED, MEASUREMENT_CREATED, INTERMEDIATE_RESULTS]\n")
	start := time.Unix(goldenStart, 0)
	plain := expand(t, s, ExpandOptions{Seed: 1, Start: start, Signer: signer})
	same := expand(t, s, ExpandOptions{Seed: 1, SessionSeed: 1, Start: start, Signer: signer})
	other := expand(t, s, ExpandOptions{Seed: 1, SessionSeed: 2, Start: start, Signer: signer})
	if same[0].SessionID != plain[0].SessionID || other[0].SessionID == plain[0].SessionID {
		t.Fatalf("session IDs %s (Seed alone), %s (SessionSeed = Seed), %s (another SessionSeed)", plain[0].SessionID, same[0].SessionID, other[0].SessionID)
	}
	for i := range plain {
		want := bytes.ReplaceAll(plain[i].Request.Body, []byte(plain[0].SessionID), []byte(other[0].SessionID))
		if !bytes.Equal(other[i].Request.Body, want) {
			t.Errorf("delivery %d differs in more than the session ID:\n%s\n%s", i, plain[i].Request.Body, other[i].Request.Body)
		}
	}
	fixed := mustParse(t, "session: given\nsteps: [WMS_LOADED]\n")
	if ds := expand(t, fixed, ExpandOptions{Signer: signer, SessionSeed: 9}); ds[0].SessionID != "given" {
		t.Errorf("the scenario's session should win over SessionSeed: %q", ds[0].SessionID)
	}

	// Run gives a scenario listed twice two sessions with SessionSeed too.
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	ids := map[string]bool{}
	err := (&Runner{Sender: newClient(t, srv.URL)}).Run(context.Background(), []*Scenario{s, s}, ExpandOptions{Seed: 1, SessionSeed: 7, Signer: signer}, func(r Result) {
		ids[r.Delivery.SessionID] = true
	})
	if err != nil || len(ids) != 2 {
		t.Errorf("Run: %v, %d sessions, want 2", err, len(ids))
	}
}

// TestBuiltinSource: a built-in scenario's YAML is handed out byte for
// byte as embedded; an unknown name gets the close ones.
func TestBuiltinSource(t *testing.T) {
	want, err := os.ReadFile("library/happy-path.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := BuiltinSource("happy-path"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("BuiltinSource(happy-path) = %d bytes, %v; want the file's %d", len(got), err, len(want))
	}
	_, err = BuiltinSource("hapy-path")
	if !errors.Is(err, ErrUnknownScenario) || err.Error() != `unknown scenario "hapy-path": did you mean happy-path? ('wms-mock list' shows the built-in scenarios)` {
		t.Errorf("unknown name: %v", err)
	}
	if names := BuiltinNames(); len(names) != len(Builtin()) || names[0] > names[len(names)-1] {
		t.Errorf("BuiltinNames: %v", names)
	}
}
