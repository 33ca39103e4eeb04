package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// library holds the built-in scenarios, one per file, named as the file.
//
//go:embed library/*.yaml
var library embed.FS

// Builtin returns every built-in scenario, sorted by name. Each call parses
// the embedded files afresh (about a millisecond), so callers own what they
// get. The files are checked by the package's tests; a broken one is a
// build defect and panics.
func Builtin() []*Scenario {
	files, err := fs.Glob(library, "library/*.yaml")
	if err != nil {
		panic(err)
	}
	out := make([]*Scenario, 0, len(files))
	for _, f := range files {
		data, err := library.ReadFile(f)
		if err != nil {
			panic(err)
		}
		s, err := Parse("builtin/"+path.Base(f), data)
		if err != nil {
			panic(fmt.Sprintf("built-in scenario %s is invalid: %v", f, err))
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Journeys returns the built-in realistic, fault-free sessions (tag
// "journey"), sorted by name: what a plain 'wms-mock run' plays and the
// load generator mixes.
func Journeys() []*Scenario {
	return slices.DeleteFunc(Builtin(), func(s *Scenario) bool { return !s.HasTag(TagJourney) })
}

// Find returns the built-in scenario called nameOrPath, or else loads it as
// a YAML file. An argument that is neither wraps ErrUnknownScenario and
// suggests close built-in names; a file with problems returns Errors.
func Find(nameOrPath string) (*Scenario, error) {
	all := Builtin()
	for _, s := range all {
		if s.Name == nameOrPath {
			return s, nil
		}
	}
	if _, err := os.Stat(nameOrPath); err == nil || looksLikePath(nameOrPath) {
		return Load(nameOrPath)
	}
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	var near []string
	for _, n := range names {
		if editDistance(nameOrPath, n) <= max(2, len(n)/4) || (len(nameOrPath) >= 4 && strings.Contains(n, nameOrPath)) {
			near = append(near, n)
		}
	}
	if len(near) > 0 {
		return nil, fmt.Errorf("%w %q: did you mean %s? ('wms-mock list' shows the built-in scenarios)", ErrUnknownScenario, nameOrPath, strings.Join(near, " or "))
	}
	return nil, fmt.Errorf("%w %q: not a built-in name ('wms-mock list' shows them) nor a file", ErrUnknownScenario, nameOrPath)
}

func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}
