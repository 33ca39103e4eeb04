package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeTellsANewUser: the README's commands table has a row for
// every command the binary lists (completion among them, with how to
// load it), and says how to install from a clone, which works before the
// module is published, and where 'make run' leaves the binary.
func TestReadmeTellsANewUser(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	r := runBinary(t, nil, "", "--help")
	_, commands, _ := strings.Cut(r.stdout, "Commands:\n")
	commands, _, _ = strings.Cut(commands, "\n\n")
	for _, l := range strings.Split(commands, "\n") {
		name := strings.Fields(l)[0]
		if !strings.Contains(readme, "| `wms-mock "+name) && !strings.Contains(readme, ", `"+name+"` |") {
			t.Errorf("the README's commands table has no row for %s", name)
		}
	}
	for _, want := range []string{"go install ./cmd/wms-mock", "`make run` builds `bin/wms-mock`", "The binary\nstays at `bin/wms-mock`", "source <(wms-mock completion bash)"} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README lacks %q", want)
		}
	}
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil || !strings.Contains(string(makefile), "BIN     := bin/wms-mock") {
		t.Errorf("the Makefile no longer builds bin/wms-mock, as the README says: %v", err)
	}
}
