package conformance_test

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/conformance"
	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/testkit"
)

// TestDocsListEverySpec checks that docs/conformance.md has a table row for
// each built-in spec, so that a customer can look up any spec a report
// names.
func TestDocsListEverySpec(t *testing.T) {
	doc := mustRead(t, "../docs/conformance.md")
	for _, sp := range conformance.Specs() {
		if !strings.Contains(doc, "| `"+sp.ID+"` |") && !strings.Contains(doc, "| `"+sp.ID+"` † |") {
			t.Errorf("docs/conformance.md has no row for spec %s", sp.ID)
		}
	}
}

// TestDocsDescribeEveryReportField writes a JSON report with problems,
// figures and a burst, and checks that docs/report-json.md names every
// key it holds, and the optional ones it does not.
func TestDocsDescribeEveryReportField(t *testing.T) {
	srv := serve(t, verifier(t, func(*emitter.Signer, string, []byte) bool { return true }))
	path := filepath.Join(t.TempDir(), "report.json")
	if _, err := conformance.Run(context.Background(), conformance.Config{URL: srv.URL, Signer: testkit.Signer(t), LabelFilter: "wrong-secret || deadline || burst", JSONReport: path}); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(mustRead(t, path)), &v); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"diagnosis": true, "interrupted": true, "setupError": true, "message": true}
	collectKeys(v, keys)
	doc := mustRead(t, "../docs/report-json.md")
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !strings.Contains(doc, "`"+k+"`") && !strings.Contains(doc, "."+k+"`") {
			t.Errorf("docs/report-json.md does not describe the field %q", k)
		}
	}
}

// collectKeys adds every object key in v to keys.
func collectKeys(v any, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			keys[k] = true
			collectKeys(x, keys)
		}
	case []any:
		for _, x := range v {
			collectKeys(x, keys)
		}
	}
}
