package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wmsmock/wms-mock/internal/suggest"
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

// BuiltinSource returns the YAML of the built-in scenario called name,
// byte for byte as embedded, so that a scenario can be copied out of an
// installed binary and changed. An unknown name wraps ErrUnknownScenario
// in a one-line error that suggests close names.
func BuiltinSource(name string) ([]byte, error) {
	for _, s := range Builtin() {
		if s.Name == name {
			return library.ReadFile("library/" + strings.TrimPrefix(s.File, "builtin/"))
		}
	}
	return nil, unknownName(name, BuiltinNames(), "")
}

// BuiltinNames returns the built-in scenarios' names, sorted.
func BuiltinNames() []string {
	all := Builtin()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	return names
}

// Journeys returns the built-in realistic, fault-free sessions (tag
// "journey"), sorted by name: what a plain 'wms-mock run' plays and the
// load generator mixes.
func Journeys() []*Scenario {
	return slices.DeleteFunc(Builtin(), func(s *Scenario) bool { return !s.HasTag(TagJourney) })
}

// Find returns the built-in scenario called nameOrPath, or else loads it as
// a YAML file, so that every command takes either. A name that is neither
// wraps ErrUnknownScenario; a path to no file wraps fs.ErrNotExist. Both
// errors are one line that suggests close built-in names, or the name
// alone when a path names a built-in scenario, and 'wms-mock list'. A
// file with problems returns Errors.
func Find(nameOrPath string) (*Scenario, error) {
	all := Builtin()
	names := make([]string, len(all))
	for i, s := range all {
		if s.Name == nameOrPath {
			return s, nil
		}
		names[i] = s.Name
	}
	_, err := os.Stat(nameOrPath)
	if err == nil || !errors.Is(err, fs.ErrNotExist) && looksLikePath(nameOrPath) {
		return Load(nameOrPath)
	}
	if looksLikePath(nameOrPath) {
		return nil, fmt.Errorf("%w; %s", readError(nameOrPath, err), builtinHint(nameOrPath, names))
	}
	return nil, unknownName(nameOrPath, names, " nor a file")
}

// unknownName is the error for a name that is no built-in scenario, with
// the close ones when there are any; nor says what else it is not.
func unknownName(name string, names []string, nor string) error {
	if near := nearNames(name, names); len(near) > 0 {
		return fmt.Errorf("%w %q: did you mean %s? ('wms-mock list' shows the built-in scenarios)", ErrUnknownScenario, name, strings.Join(near, " or "))
	}
	return fmt.Errorf("%w %q: not a built-in name ('wms-mock list' shows them)%s", ErrUnknownScenario, name, nor)
}

// builtinHint says which built-in scenario a path to no file may mean:
// the one its base name names, or close ones.
func builtinHint(path string, names []string) string {
	base := filepath.Base(path)
	name := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	switch near := nearNames(name, names); {
	case slices.Contains(names, name) && base == path:
		return fmt.Sprintf("'%s' is a built-in scenario: drop the %s", name, strings.TrimPrefix(base, name))
	case slices.Contains(names, name):
		return fmt.Sprintf("'%s' is a built-in scenario: name it alone, as %s", name, name)
	case len(near) > 0:
		return fmt.Sprintf("did you mean the built-in %s? ('wms-mock list' shows them)", strings.Join(near, " or "))
	default:
		return fmt.Sprintf("nor is '%s' a built-in scenario ('wms-mock list' shows them)", name)
	}
}

// nearNames returns the built-in names a mistyped name may mean, in name
// order, as messages list them.
func nearNames(name string, names []string) []string {
	near := suggest.Near(name, names, len(names))
	slices.Sort(near)
	return near
}

// looksLikePath reports whether a command's argument names a file rather
// than a built-in scenario.
func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}
