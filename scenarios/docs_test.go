package scenarios

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/forgery"
)

// schemaDoc is the schema reference, which these tests hold to stepKeys
// and to the forgery package; messages name it from the repository's root.
const schemaDoc = "docs/scenarios.md"

// docTable is one Markdown table of the schema reference.
type docTable struct {
	section string // the nearest heading above it
	header  []string
	rows    [][]string
}

// docTables reads every table of the schema reference, cells trimmed.
func docTables(t *testing.T) []docTable {
	t.Helper()
	data, err := os.ReadFile("../" + schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	var tables []docTable
	section, in := "", false
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if h, ok := strings.CutPrefix(line, "#"); ok {
			section, in = strings.TrimSpace(strings.TrimLeft(h, "#")), false
			continue
		}
		if !strings.HasPrefix(line, "|") {
			in = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case !in:
			tables = append(tables, docTable{section: section, header: cells})
			in = true
		case strings.HasPrefix(cells[0], "---"):
		default:
			tb := &tables[len(tables)-1]
			tb.rows = append(tb.rows, cells)
		}
	}
	return tables
}

// TestDocsListEveryStepKey checks the Steps and Faults tables of the
// schema reference against stepKeys both ways: every key has a row giving
// its value and help as the table does, and every row is a key.
func TestDocsListEveryStepKey(t *testing.T) {
	rows := map[string][]string{}
	for _, tb := range docTables(t) {
		if tb.header[0] != "key" || tb.section != "Steps" && tb.section != "Faults" {
			continue
		}
		for _, r := range tb.rows {
			name := strings.Trim(r[0], "`")
			if _, dup := rows[name]; dup {
				t.Errorf("%s documents step key %q twice", schemaDoc, name)
			}
			rows[name] = r
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no table of step keys under Steps or Faults", schemaDoc)
	}
	for _, k := range stepKeys {
		r, ok := rows[k.name]
		if !ok {
			t.Errorf("%s has no row for step key %q: add | `%s` | %s | ... | %s | to the Steps or Faults table", schemaDoc, k.name, k.name, k.value, k.help)
			continue
		}
		delete(rows, k.name)
		if r[1] != k.value {
			t.Errorf("%s: step key %q takes %q, stepKeys says %q", schemaDoc, k.name, r[1], k.value)
		}
		if !slices.Contains(r, k.help) {
			t.Errorf("%s: the row of step key %q does not say %q, as stepKeys does", schemaDoc, k.name, k.help)
		}
	}
	for name := range rows {
		t.Errorf("%s documents step key %q, which stepKeys does not have", schemaDoc, name)
	}
}

// TestDocsListEveryForgery checks the MAC forgeries table against the
// forgery package, in its order, with the labels deliveries carry.
func TestDocsListEveryForgery(t *testing.T) {
	var got [][]string
	for _, tb := range docTables(t) {
		if tb.section == "MAC forgeries" {
			got = append(got, tb.rows...)
		}
	}
	kinds := forgery.Kinds()
	for i, info := range kinds {
		if i >= len(got) {
			t.Errorf("%s: the MAC forgeries table lacks `%s` (%s)", schemaDoc, info.Kind, info.Label)
			continue
		}
		if r := got[i]; r[0] != "`"+string(info.Kind)+"`" || r[len(r)-1] != info.Label {
			t.Errorf("%s: MAC forgeries row %d is %s ... %s, want `%s` ... %s", schemaDoc, i+1, r[0], r[len(r)-1], info.Kind, info.Label)
		}
	}
	for _, r := range got[min(len(kinds), len(got)):] {
		t.Errorf("%s documents MAC forgery %s, which package forgery does not have", schemaDoc, r[0])
	}
}

// TestDocsListExclusions checks the sentence that lists the keys a raw or
// dropped step does not take against stepKeys' notWith.
func TestDocsListExclusions(t *testing.T) {
	data, err := os.ReadFile("../" + schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(data)), " ")
	for _, maker := range stepKeys {
		if maker.makes == "" {
			continue
		}
		var excluded []string
		for _, k := range stepKeys {
			if slices.Contains(k.notWith, maker.name) {
				excluded = append(excluded, "`"+k.name+"`")
			}
		}
		head := "`" + maker.name + "`"
		if maker.makesIf != nil {
			head = "`" + maker.name + ": true`"
		}
		last := len(excluded) - 1
		want := head + " with " + strings.Join(excluded[:last], ", ") + " or " + excluded[last]
		if !strings.Contains(doc, want) {
			t.Errorf("%s does not say %q", schemaDoc, want)
		}
	}
}

// TestStepKeysTable checks the table itself: one row per name, each with
// its value, help and reader, and every notWith naming a key that makes a
// step of its own.
func TestStepKeysTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range stepKeys {
		if seen[k.name] {
			t.Errorf("step key %q has two rows", k.name)
		}
		seen[k.name] = true
		if k.value == "" || k.help == "" || k.read == nil {
			t.Errorf("step key %q lacks its value, help or reader", k.name)
		}
		for _, other := range k.notWith {
			if o := stepKeyNamed(other); o == nil || o.makes == "" {
				t.Errorf("step key %q is not with %q, which makes no step of its own", k.name, other)
			}
		}
	}
	at := func(name string) int { return slices.Index(stepKeyNames, name) }
	for _, reader := range []string{"payload", "each"} {
		if at(reader) < at("event") || at(reader) < at("custom") {
			t.Errorf("%s must come after event and custom in stepKeys: its reader looks the event up", reader)
		}
	}
}
