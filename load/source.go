package load

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// Script is what one WMS session sends: its requests, signed, in the order
// they must arrive.
type Script struct {
	// Name names the journey the session follows, for the per-journey
	// counts of the result.
	Name string
	// Requests are delivered one at a time, each after the previous one
	// was answered, as WMS does.
	Requests []emitter.Request
	// Stream, when set, is played instead of Requests: each event is made,
	// stamped and signed when it is sent, into the sending goroutine's
	// buffer, so that no event carries a timestamp from before it was
	// sent and none allocates.
	Stream *scenarios.Stream
}

// Source makes the sessions of a run. Script is called once for each
// index 0, 1, 2, ... from many goroutines at once, when the session starts,
// so a Source holds only what it needs to build one: memory stays bounded
// however many sessions a run has. A Source should derive everything from
// the index and its own seed, so that a run can be repeated, except what
// must differ between runs, such as session IDs.
type Source interface {
	Script(i uint64) (Script, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(i uint64) (Script, error)

// Script calls f.
func (f SourceFunc) Script(i uint64) (Script, error) { return f(i) }

// ErrBadMix is wrapped by ParseMix for a mix it cannot read.
var ErrBadMix = errors.New("bad mix")

// Weighted is one entry of a mix: a scenario name and its relative weight.
type Weighted struct {
	Name   string
	Weight int
}

// ParseMix reads a mix written as NAME=WEIGHT,NAME=WEIGHT,... A name without
// "=WEIGHT" weighs 1.
func ParseMix(s string) ([]Weighted, error) {
	var mix []Weighted
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, weight, hasWeight := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		w := 1
		if hasWeight {
			n, err := strconv.Atoi(strings.TrimSpace(weight))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%w: %q: a weight is a whole number above 0, as in happy-path=3", ErrBadMix, item)
			}
			w = n
		}
		if name == "" {
			return nil, fmt.Errorf("%w: %q has no scenario name: write NAME=WEIGHT", ErrBadMix, item)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: %q appears twice: give each scenario once", ErrBadMix, name)
		}
		seen[name] = true
		mix = append(mix, Weighted{name, w})
	}
	if len(mix) == 0 {
		return nil, fmt.Errorf("%w: it is empty: write NAME=WEIGHT,NAME=WEIGHT", ErrBadMix)
	}
	return mix, nil
}

// picker draws mix entries with probability proportional to their weights.
type picker struct {
	cumulative []int
	total      int
}

func newPicker(mix []Weighted) picker {
	p := picker{cumulative: make([]int, len(mix))}
	for i, w := range mix {
		p.total += w.Weight
		p.cumulative[i] = p.total
	}
	return p
}

// pick returns the index of the entry drawn with r.
func (p picker) pick(r *rand.Rand) int {
	n := r.IntN(p.total)
	for i, c := range p.cumulative {
		if n < c {
			return i
		}
	}
	return len(p.cumulative) - 1
}
