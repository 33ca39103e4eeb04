package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"text/tabwriter"
)

// printCounts prints one "name  count" line per key, sorted and aligned:
// the CLI's one table of counts.
func printCounts(w io.Writer, indent string, counts map[string]int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(tw, "%s%s\t%d\n", indent, name, counts[name])
	}
	tw.Flush()
}

// isTerminal reports whether w is a terminal, where a live progress line
// helps; in a pipe or a CI log it would only be noise.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func verdictWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
