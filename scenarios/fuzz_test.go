package scenarios

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/wmsmock/wms-mock/internal/testkit"
)

// FuzzParse feeds the loader arbitrary bytes. It must never panic or hang;
// every error must be FILE:LINE:COL with a position inside the file; and
// whatever it accepts must expand into as many deliveries as Len says,
// each envelope valid JSON, and, when it has no faults, stream into the
// same bytes as Expand and a Clock send. The seed corpus (the built-in
// library and testdata/fuzz/FuzzParse) runs in every plain 'go test'.
func FuzzParse(f *testing.F) {
	files, _ := fs.Glob(library, "library/*.yaml")
	for _, name := range files {
		data, _ := library.ReadFile(name)
		f.Add(data)
	}
	signer := testkit.Signer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			lines := 2 // YAML breaks lines at \r as well as \n, and at NEL, LS and PS
			for _, brk := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
				lines += strings.Count(string(data), brk)
			}
			for _, e := range es {
				if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 || e.Line > lines || e.Msg == "" {
					t.Fatalf("bad error position or message: %q (file has %d lines)", e.Error(), lines)
				}
			}
			return
		}
		ds, err := s.Expand(ExpandOptions{Seed: 1, Start: time.Unix(goldenStart, 0), Signer: signer})
		if err != nil {
			t.Fatalf("Parse accepted what Expand refuses: %v", err)
		}
		if len(ds) != s.Len() {
			t.Fatalf("Len %d, Expand made %d", s.Len(), len(ds))
		}
		for _, d := range ds {
			if d.Sequence >= 0 && !json.Valid(d.Request.Body) {
				t.Fatalf("invalid JSON envelope: %s", d.Request.Body)
			}
		}
		if s.faulted == nil && len(ds) > 0 {
			checkStreamMatches(t, s, ExpandOptions{Seed: 1, Signer: signer})
		}
	})
}
