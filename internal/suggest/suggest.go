// Package suggest finds what a mistyped name most likely meant, for the
// "did you mean" of every error that names a key, an event, a scenario or
// a forgery.
package suggest

import (
	"cmp"
	"slices"
	"strings"
)

// maxName bounds the names compared: a name longer than any real one is
// not a typo of one, and comparing it would cost time for nothing.
const maxName = 200

// Closest returns the candidate nearest to name, ignoring case, if it is
// near enough to be a typo of it (at most a third of its letters off), or
// "".
func Closest(name string, candidates []string) string {
	if len(name) > maxName {
		return ""
	}
	best, bestDist := "", -1
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if d := Distance(lower, strings.ToLower(c)); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist >= 0 && bestDist <= max(1, len(best)/3) {
		return best
	}
	return ""
}

// Near returns up to limit candidates that name may mean, closest first:
// those a few edits away, ignoring case, and those that contain it.
func Near(name string, candidates []string, limit int) []string {
	if len(name) > maxName {
		return nil
	}
	type near struct {
		name string
		dist int
	}
	lower := strings.ToLower(strings.TrimSpace(name))
	var found []near
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(lower, lc)
		if d <= max(2, len(c)/3) || (len(lower) >= 4 && strings.Contains(lc, lower)) {
			found = append(found, near{c, d})
		}
	}
	slices.SortStableFunc(found, func(a, b near) int { return cmp.Compare(a.dist, b.dist) })
	out := make([]string, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.name)
	}
	return out
}

// Distance is the Levenshtein distance between a and b, in bytes, in one
// row of memory.
func Distance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := range len(a) {
		diag := row[0]
		row[0] = i + 1
		for j := range len(b) {
			sub := diag
			if a[i] != b[j] {
				sub++
			}
			diag, row[j+1] = row[j+1], min(row[j+1]+1, row[j]+1, sub)
		}
	}
	return row[len(b)]
}
