// Package humanize writes numbers for people: one latency format, one
// counts line and one clip, so that the same figure reads the same in
// every command's output and every report.
package humanize

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Duration rounds d to about three significant digits and formats it:
// 1.234s, 12.35ms, 845µs.
func Duration(d time.Duration) string { return Round(d).String() }

// Round rounds d as Duration does, for callers that keep a time.Duration.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// Counts lists counts by key on one line, the largest first and equal
// counts by key: "401 Unauthorized: 200, 500: 3".
func Counts[K cmp.Ordered, V int | int64 | uint64](m map[K]V) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b K) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v: %d", k, m[k])
	}
	return b.String()
}

// Clip cuts s to at most n bytes, on a rune boundary, and marks the cut
// with "...": for text from outside (a file, a request) that goes into a
// one-line message.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
