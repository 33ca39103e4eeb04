package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors, wrapped with %w so that callers can tell the causes apart.
var (
	// ErrUnknownScenario is wrapped by Find for a name that is neither a
	// built-in scenario nor a file.
	ErrUnknownScenario = errors.New("unknown scenario")
	// ErrNoSigner is returned by Expand without a Signer: every delivery,
	// faulted ones included, starts from a correctly signed request.
	ErrNoSigner = errors.New("no signer: Expand needs the MAC secret's emitter.Signer")
)

// Error is one problem in a scenario file, at the line and column (both
// from 1) of the YAML that causes it.
type Error struct {
	// File is the file's name as given to Parse or Load.
	File string
	Line int
	Col  int
	// Msg says what is wrong and what to do, in one line.
	Msg string
}

// Error formats as FILE:LINE:COL: message, which editors and CI logs turn
// into links.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in one file, in file order. Parse reports
// them all at once so that a file is fixed in one pass.
type Errors []*Error

// Error puts one problem on each line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
