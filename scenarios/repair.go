package scenarios

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 stops at the first syntax error and gives no tree at all, so a
// file with a tab in its second step would hear of nothing else. The
// loader reads on past the errors it can: a refused tab, @ or ` is
// reported and replaced, and the file parsed again; past any other error,
// the lines before it are checked.

// syntaxParseBudget bounds the bytes parsed while reading past syntax
// errors: twelve parses of the largest file (about a second), enough to
// read past a tab in it; a usual file of a few kilobytes can have
// thousands.
const syntaxParseBudget = 12 * maxFileSize

// maxPrefixTries bounds the shorter and shorter prefixes tried before a
// syntax error that no replacement gets past.
const maxPrefixTries = 8

// repair is one character that yaml.v3 refused, replaced so that the rest
// of the file can be read.
type repair struct {
	// line and col are where the character was, in the text as it was
	// before this repair (col in characters, as yaml.v3 counts them).
	line, col int
	// removed characters were replaced by added ones: a run of tabs by
	// as many spaces as make the line parse, else one by one.
	removed, added int
	// value marks an @ or ` replaced by a letter: the value it starts is
	// not the one written, so no problem is reported at it.
	value bool
	// at is where the character is in the file as written.
	at [2]int
}

// readable reports the syntax errors of data, which yaml.v3 refuses with
// err, and returns what of it can be read: data with each refused tab, @
// or ` replaced, so that every problem after it is still found, or, past
// an error that no replacement gets past, the part before it (nil when
// there is none), with p.partial set.
func (p *parser) readable(data []byte, err error) []byte {
	p.parses = syntaxParseBudget - len(data)
	for err != nil {
		e, at := p.locate(data, err)
		if at < 0 || len(p.errs) >= maxErrors || p.parses <= 0 {
			return p.unreadable(data, err, e)
		}
		p.add(e)
		data, err = p.replace(data, at, e.Line, e.Col)
	}
	return data
}

// replace replaces the refused character at data[at], at line and col,
// records the repair, and returns the new text and yaml.v3's error for it.
func (p *parser) replace(data []byte, at, line, col int) ([]byte, error) {
	r := repair{line: line, col: col, removed: 1, added: 1}
	r.at[0], r.at[1] = p.original(line, col)
	var fixed []byte
	var err error
	switch {
	case data[at] != '\t':
		r.value = true
		fixed = splice(data, at, 1, "x")
		err = p.decode(fixed)
	case indents(data, at):
		fixed, r.removed, r.added, err = p.retab(data, at, col)
	default:
		fixed = splice(data, at, 1, " ")
		err = p.decode(fixed)
	}
	p.repairs = append(p.repairs, r)
	return fixed, err
}

// retab replaces the run of tabs at data[at], in the indentation of its
// line at column col, with the spaces that let the file parse: up to the
// stops of tabs 4, 8 or 2 wide, or none, as the author's editor may have
// shown them (yaml.v3 counts a tab as one column). The first that parses
// is taken, else the one that parses furthest.
func (p *parser) retab(data []byte, at, col int) (fixed []byte, removed, added int, err error) {
	for removed = 1; at+removed < len(data) && data[at+removed] == '\t'; removed++ {
	}
	best := -1
	tried := map[int]bool{}
	for _, w := range []int{4, 8, 2, 0} {
		end := col // the column after the tabs
		for range removed {
			if w > 0 {
				end += w - (end-1)%w
			}
		}
		n := end - col
		if tried[n] {
			continue
		}
		tried[n] = true
		cand := splice(data, at, removed, strings.Repeat(" ", n))
		cerr := p.decode(cand)
		if cerr == nil {
			return cand, removed, n, nil
		}
		if l := errLine(cerr); l > best {
			fixed, added, err, best = cand, n, cerr, l
		}
		if p.parses <= 0 {
			break
		}
	}
	return fixed, removed, added, err
}

// unreadable reports e, the error err that no replacement gets past, and
// returns the part of data before it that yaml.v3 reads, for the walk to
// check: the lines before yaml.v3's line, or fewer when those end inside
// an unfinished value (a flow mapping, say), tried a few times.
func (p *parser) unreadable(data []byte, err error, e Error) []byte {
	p.partial = true
	cut := min(errLine(err), e.Line)
	var prefix []byte
	for tries := 0; cut > 1 && tries < maxPrefixTries; tries++ {
		prefix = data[:lineStart(data, cut)]
		perr := decodeAll(prefix)
		if perr == nil {
			break
		}
		prefix = nil
		cut = min(errLine(perr), cut-1)
	}
	if prefix == nil && len(bytes.TrimSpace(data[:lineStart(data, e.Line)])) > 0 {
		e.Msg += fmt.Sprintf(": the file cannot be read past line %d, and nothing before it could be checked: fix this and check again", e.Line)
	} else {
		e.Msg += fmt.Sprintf(": the rest of the file cannot be read past line %d", e.Line)
	}
	p.add(e)
	return prefix
}

// decode parses data as Parse does, counting the bytes against the
// recovery's budget.
func (p *parser) decode(data []byte) error {
	p.parses -= len(data)
	return decodeAll(data)
}

// original maps a position in the repaired text back to the file as
// written, undoing the repairs from the last.
func (p *parser) original(line, col int) (int, int) {
	for i := len(p.repairs) - 1; i >= 0; i-- {
		r := &p.repairs[i]
		switch {
		case line != r.line || col < r.col:
		case col >= r.col+r.added:
			col += r.removed - r.added
		default: // in the spaces that replaced tabs
			col = r.col
		}
	}
	return line, col
}

// inRepairedValue reports whether line and col (as written) start a value
// whose first character was replaced, so that what is wrong with it is
// the replacement's doing.
func (p *parser) inRepairedValue(line, col int) bool {
	for _, r := range p.repairs {
		if r.value && r.at == [2]int{line, col} {
			return true
		}
	}
	return false
}

// trimCut drops from the root of a file read only up to a syntax error
// what the cut may have left unfinished, so that no problem is made up:
// the last key's value, or with steps last, the last step. A value given
// by an alias or in flow style ([...], {...}) is whole.
func trimCut(root *yaml.Node) {
	n := len(root.Content)
	if n < 2 || root.Style&yaml.FlowStyle != 0 {
		return
	}
	k, v := root.Content[n-2], root.Content[n-1]
	if v.Kind == yaml.AliasNode || v.Style&yaml.FlowStyle != 0 {
		return
	}
	if k.Value == "steps" && v.Kind == yaml.SequenceNode && len(v.Content) > 1 {
		if last := v.Content[len(v.Content)-1]; last.Kind != yaml.AliasNode && last.Style&yaml.FlowStyle == 0 {
			v.Content = v.Content[:len(v.Content)-1]
		}
		return
	}
	root.Content = root.Content[:n-2]
}

// indents reports whether data[at] is in the indentation of its line.
func indents(data []byte, at int) bool {
	for i := at - 1; i >= 0; i-- {
		switch {
		case data[i] == ' ' || data[i] == '\t':
		case data[i] == '\n' || data[i] == '\r':
			return true
		case i == 2 && bytes.HasPrefix(data, []byte("\uFEFF")):
			return true
		default:
			return false
		}
	}
	return true
}

// splice returns data with the n bytes at data[at] replaced by s, in a
// new slice.
func splice(data []byte, at, n int, s string) []byte {
	out := make([]byte, 0, len(data)-n+len(s))
	out = append(out, data[:at]...)
	out = append(out, s...)
	return append(out, data[at+n:]...)
}
