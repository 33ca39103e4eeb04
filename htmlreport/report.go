// Package htmlreport renders the conformance suite's JSON report as one
// HTML page that a customer attaches to a ticket or CI keeps as an
// artifact: the verdict, every spec grouped by area with failures first,
// each failure's request, answer and a curl command that replays it, the
// probe, the burst's latency distribution as a chart, and what the suite
// cannot see.
//
// The page is made from the JSON report (docs/report-json.md), the
// suite's one record of a run, so that the two never disagree: the
// suite writes the JSON, Read decodes it, Write renders it. The page is
// self-contained: its style and script are the project's own, inline,
// its chart is SVG drawn in Go, and its Content-Security-Policy lets it
// load nothing at all, so it works from file:// with no network, and a
// body it quotes can never run as script.
package htmlreport

import (
	"github.com/wmsmock/wms-mock/jsonreport"

	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes the page of rep to path, its directories first. The
// page is written to a new file beside path, then renamed onto it, so
// that a reader never sees half a report, and a link at path, in a
// shared temporary directory, is replaced rather than followed.
func WriteFile(path string, rep *jsonreport.Report) error {
	return writeFile(path, func(w io.Writer) error { return Write(w, rep) })
}

// writeFile is WriteFile for any page of this package: render writes it.
func writeFile(path string, render func(io.Writer) error) error {
	fail := func(err error) error { return fmt.Errorf("cannot write the report %s: %w", path, err) }
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(cause(err))
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".wms-mock-report-*")
	if err != nil {
		return fail(cause(err))
	}
	defer os.Remove(f.Name()) // once renamed, there is nothing left to remove
	err = render(f)
	if err == nil {
		err = f.Chmod(0o644) // a report is for sharing
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fail(cause(err))
	}
	return nil
}

// Writable checks that WriteFile can write path before a run sends
// anything, as the suite checks its own reports, so that a typo in a path
// does not cost a whole run; missing parent directories are created. It
// leaves no file behind.
func Writable(path string) error {
	fail := func(err error) error { return fmt.Errorf("cannot write the report %s: %w", path, err) }
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(cause(err))
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fail(errors.New("it is a directory"))
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".wms-mock-report-*")
	if err != nil {
		return fail(cause(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// cause is what an os error says without its path, which the message
// already names: "permission denied".
func cause(err error) error {
	if c := errors.Unwrap(err); c != nil {
		return c
	}
	return err
}
