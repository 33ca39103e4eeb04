package scenarios

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/humanize"
	"github.com/wmsmock/wms-mock/internal/suggest"
)

// parser walks the yaml.Node tree of one file and collects its problems.
// It walks the tree by hand: yaml.v3's decoder loses KnownFields
// strictness inside custom unmarshalers, and a hand walk reports every
// problem with its position instead of the first one.
type parser struct {
	file   string
	errs   Errors
	seen   map[Error]bool // an aliased node's problem is reported once
	more   *Error         // where checking stopped, past maxErrors problems
	budget int            // payload value nodes left to convert

	repairs []repair // characters replaced so that the file could be read past them
	partial bool     // the file is read only up to a syntax error
	parses  int      // bytes left to parse while reading past syntax errors
}

// errorf records a problem at n, or at the start of the file for nil.
func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	p.add(Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)})
}

// add records e once, up to maxErrors: past that, a file is more broken
// than a list of its problems helps with, and the walk stops early. e's
// position is in the text as repaired; it is recorded as written, and a
// problem with a value whose first character was replaced is not
// recorded at all.
func (p *parser) add(e Error) {
	e.Line, e.Col = p.original(e.Line, e.Col)
	switch {
	case p.inRepairedValue(e.Line, e.Col):
	case p.seen[e]:
	case len(p.errs) >= maxErrors:
		p.stopAt(e.Line, e.Col)
	default:
		p.seen[e] = true
		p.errs = append(p.errs, &e)
	}
}

// stop reports whether the walk should stop before n, because the file has
// as many problems as are worth listing; it notes where checking stopped.
func (p *parser) stop(n *yaml.Node) bool {
	if len(p.errs) < maxErrors {
		return false
	}
	p.stopAt(n.Line, n.Column)
	return true
}

func (p *parser) stopAt(line, col int) {
	if p.more == nil {
		p.more = &Error{File: p.file, Line: line, Col: col,
			Msg: fmt.Sprintf("checking stopped after %d problems: fix the ones above and check again", maxErrors)}
	}
}

// mapping is a YAML mapping's values by key.
type mapping map[string]*yaml.Node

// key returns the key node of name, stored under "\x00"+name.
func (m mapping) key(name string) *yaml.Node { return m["\x00"+name] }

// fields reads a mapping whose keys must be among known, reporting
// unknown and repeated keys. where names the mapping in messages.
func (p *parser) fields(n *yaml.Node, where string, known []string) mapping {
	m := mapping{}
	for e := range p.entries(n, where) {
		k, name, v := e.k, e.name, e.v
		if !slices.Contains(known, name) {
			p.unknownKey(k, name, where, known)
			continue
		}
		m[name] = v
		m["\x00"+name] = k
	}
	return m
}

// unknownKey reports a key that is not among known, with what it may mean:
// a known key, or an event written as a key.
func (p *parser) unknownKey(k *yaml.Node, name, where string, known []string) {
	if where == "a step" && len(name) <= maxNameLen && strings.ToUpper(name) == name {
		if _, err := emitter.LookupEvent(name); err == nil {
			p.errorf(k, "unknown key %q in a step: write the event as - %s or - event: %s", name, name, name)
			return
		}
		if near := emitter.SuggestEvents(name); len(near) > 0 {
			p.errorf(k, "unknown key %q in a step: did you mean the event %s? write it as - event: %s", name, near[0], near[0])
			return
		}
	}
	hint := ""
	if s := suggest.Closest(name, known); s != "" {
		hint = fmt.Sprintf(": did you mean %q?", s)
	}
	p.errorf(k, "unknown key %s in %s%s (known keys: %s)", quote(name), where, hint, strings.Join(known, ", "))
}

// entry is one key: value pair of a mapping, the value's aliases followed.
type entry struct {
	k    *yaml.Node
	name string
	v    *yaml.Node
}

// entries yields the pairs of mapping n whose key is a plain name given
// once, and reports the others; where names the mapping in messages. It
// ends early when the file has as many problems as are worth listing.
func (p *parser) entries(n *yaml.Node, where string) iter.Seq[entry] {
	return func(yield func(entry) bool) {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content) && !p.stop(n.Content[i]); i += 2 {
			k := n.Content[i]
			if name, ok := p.key(k, seen, where); ok && !yield(entry{k, name, deref(n.Content[i+1])}) {
				return
			}
		}
	}
}

// key reads a mapping key, which must be a plain string given once.
func (p *parser) key(k *yaml.Node, seen map[string]*yaml.Node, where string) (string, bool) {
	k = deref(k)
	if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
		p.errorf(k, "a key in %s must be a plain name, got %s", where, describe(k))
		return "", false
	}
	if k.Value == "<<" && k.ShortTag() == "!!merge" {
		p.errorf(k, "merge keys (<<) are not supported: write the keys out, or use an anchor for a whole value")
		return "", false
	}
	if first, dup := seen[k.Value]; dup {
		p.errorf(k, "key %s is given twice in %s (first on line %d)", quote(k.Value), where, first.Line)
		return "", false
	}
	seen[k.Value] = k
	return k.Value, true
}

// str reads a scalar as a string; what names the value in messages.
func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: want a string, got %s", what, describe(n))
		return ""
	}
	if n.ShortTag() == "!!null" {
		p.errorf(n, "%s: want a string, got nothing", what)
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.errorf(n, "%s: want true or false, got %s", what, describe(n))
		return false
	}
	var b bool
	_ = n.Decode(&b)
	return b
}

// isTrue reports whether n is the boolean true, without reporting anything.
func isTrue(n *yaml.Node) bool {
	var b bool
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" && n.Decode(&b) == nil && b
}

func (p *parser) integer(n *yaml.Node, what string) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.errorf(n, "%s: want a whole number, got %s", what, describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		p.errorf(n, "%s: %s does not fit in a 64-bit integer", what, clip(n.Value))
		return 0, false
	}
	return v, true
}

func (p *parser) duration(n *yaml.Node, what string, lo, hi time.Duration) time.Duration {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, "%s: want a duration like 5s or 250ms, got %s", what, describe(n))
		return 0
	}
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		v := clip(n.Value)
		p.errorf(n, "%s: bad duration %s: add a unit, like %ss or %sms", what, v, v, v)
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.errorf(n, "%s: bad duration %s: write a number and a unit, like 5s, 1.5s, 250ms or 1m30s", what, quote(n.Value))
		return 0
	}
	if d < lo || d > hi {
		if lo == 0 {
			p.errorf(n, "%s: want 0 to %v, got %v", what, hi, d)
		} else {
			p.errorf(n, "%s: want %v to %v, got %v", what, lo, hi, d)
		}
		return 0
	}
	return d
}

// value converts a YAML value to what emitter.Payload encodes.
func (p *parser) value(n *yaml.Node, depth int) (any, bool) {
	n = deref(n)
	if p.budget--; p.budget < 0 {
		if p.budget == -1 {
			p.errorf(n, "payload values are too large: at most %d nodes in a file", maxValueNodes)
		}
		return nil, false
	}
	if depth > maxValueDepth {
		p.errorf(n, "payload value nested deeper than %d levels", maxValueDepth)
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		obj := make(emitter.Payload, 0, len(n.Content)/2)
		seen := map[string]*yaml.Node{}
		ok := true
		for i := 0; i+1 < len(n.Content) && !p.stop(n.Content[i]); i += 2 {
			name, kok := p.key(n.Content[i], seen, "payload")
			v, vok := p.value(n.Content[i+1], depth+1)
			if kok && vok {
				obj = append(obj, emitter.PayloadField{Key: name, Value: v})
			}
			ok = ok && kok && vok
		}
		return obj, ok
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		ok := true
		for _, c := range n.Content {
			if p.stop(c) {
				return list, false
			}
			v, vok := p.value(c, depth+1)
			list = append(list, v)
			ok = ok && vok
		}
		return list, ok
	case yaml.ScalarNode:
		return p.scalar(n)
	default:
		p.errorf(n, "unsupported YAML value %s", describe(n))
		return nil, false
	}
}

// scalar converts a YAML scalar to its JSON value.
func (p *parser) scalar(n *yaml.Node) (any, bool) {
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			p.errorf(n, "%s is not a boolean", quote(n.Value))
			return nil, false
		}
		return b, true
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, true
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return u, true
		}
		p.errorf(n, "%s does not fit in a 64-bit integer", clip(n.Value))
		return nil, false
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.errorf(n, "%s is not a JSON number", clip(n.Value))
			return nil, false
		}
		return f, true
	case "!!str", "!!timestamp", "!!binary":
		// Dates and base64 stay as written: JSON has no such types.
		return n.Value, true
	default:
		p.errorf(n, "unsupported YAML tag %s: write the value plainly", clip(n.Tag))
		return nil, false
	}
}

// checkAliases refuses a document whose aliases would make the walk much
// longer than the file (a few bytes of "- *a" can stand for a large
// anchored step, again and again), or that uses an alias inside its own
// anchor. Each alias counts as the nodes and text it stands for, its own
// aliases expanded; the file's own are bounded by its size.
func (p *parser) checkAliases(root *yaml.Node) bool {
	type size struct{ nodes, bytes int }
	open := size{-1, -1}
	sizes := map[*yaml.Node]size{} // of each anchored node, capped
	var added size
	var bad *yaml.Node
	var why string
	var measure func(n *yaml.Node) size
	measure = func(n *yaml.Node) size {
		if bad != nil {
			return size{}
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			s, ok := sizes[n.Alias]
			switch {
			case !ok:
				s = measure(n.Alias) // yaml.v3 puts anchors first: not reached
			case s == open:
				bad, why = n, fmt.Sprintf("alias *%s is inside the anchor &%s it names, which would make it endless: use the alias after that value", clip(n.Value), clip(n.Value))
				return size{}
			}
			added.nodes += s.nodes
			added.bytes += s.bytes
			if (added.nodes > maxAliasNodes || added.bytes > maxAliasBytes) && bad == nil {
				bad, why = n, fmt.Sprintf("aliases here expand the file by over %d YAML nodes or %d MiB of text: write the steps out or split the scenario", maxAliasNodes, maxAliasBytes>>20)
			}
			return s
		}
		if n.Anchor != "" {
			sizes[n] = open
		}
		total := size{1, len(n.Value)}
		for _, c := range n.Content {
			s := measure(c)
			total = size{min(total.nodes+s.nodes, maxAliasNodes+1), min(total.bytes+s.bytes, maxAliasBytes+1)}
		}
		if n.Anchor != "" {
			sizes[n] = total
		}
		return total
	}
	measure(root)
	if bad != nil {
		p.errorf(bad, "%s", why)
		return false
	}
	return true
}

// deref follows aliases to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// describe names a node's type for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "the boolean " + n.Value
		case "!!int", "!!float":
			return "the number " + n.Value
		}
		return quote(n.Value)
	}
	return "an alias"
}

// clip cuts a value from the file to a length fit for a one-line message.
func clip(s string) string { return humanize.Clip(s, maxNameLen) }

// quote is clip, quoted.
func quote(s string) string { return strconv.Quote(clip(s)) }
