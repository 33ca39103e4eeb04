package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// tabMsg is what a file hears about a tab where YAML wants spaces, the
// most common syntax error of a hand-written file and the one yaml.v3
// words least helpfully.
const tabMsg = "a tab: YAML indents with spaces only; replace the tab with spaces"

// locate turns a yaml.v3 error into an Error. yaml.v3 gives a line but no
// column; a tab, @ or ` it refuses is found and reported at its own line
// and column with what to do, and its offset returned; anything else is
// at the start of yaml.v3's line, at offset -1.
func (p *parser) locate(data []byte, err error) (Error, int) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if at := refusedAt(data, line, err, &p.parses); at >= 0 {
		line, col := lineCol(data, at)
		if data[at] == '\t' {
			msg = tabMsg
		} else {
			msg = fmt.Sprintf("YAML syntax: a plain value cannot start with %c: quote it, like %q", data[at], word(data[at:]))
		}
		return Error{File: p.file, Line: line, Col: col, Msg: msg}, at
	}
	if strings.Contains(msg, "tab character") {
		msg += ": YAML indents with spaces only; replace tabs with spaces"
	}
	return Error{File: p.file, Line: line, Col: 1, Msg: "YAML syntax: " + msg}, -1
}

// errLine is the line a yaml.v3 error names, 1 when it names none.
func errLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line
	}
	return 1
}

// refusedAt returns the offset of the tab, @ or ` that makes data fail to
// parse with err, or -1 when err is about something else. yaml.v3 names no
// column, and for a tab inside a multi-line value it names the line where
// the value began. Its scanner stops at the first character it refuses,
// so a prefix of data fails with the very same error exactly when it
// includes that character: the first candidate whose prefix fails so is
// the one, found in one parse or two for the usual file, and given up
// once budget (bytes to parse, shared by the whole file's recovery) is
// spent.
func refusedAt(data []byte, line int, err error, budget *int) int {
	msg := err.Error()
	from, to, chars := lineStart(data, line), len(data), "\t"
	switch {
	case strings.Contains(msg, "tab character"):
		// On yaml.v3's line or a later one.
	case strings.Contains(msg, "cannot start any token"):
		// On yaml.v3's line, and maybe not one of chars: checked below.
		to, chars = lineStart(data, line+1), "\t@`"
	default:
		return -1
	}
	var cands []int
	for i := from; i < to; i++ {
		if strings.IndexByte(chars, data[i]) >= 0 {
			cands = append(cands, i)
		}
	}
	fails := func(n int) bool {
		if *budget -= n; *budget < 0 {
			return true
		}
		err := decodeAll(data[:n])
		return err != nil && err.Error() == msg
	}
	// The least candidate i with fails(cands[i]+1): gallop from the first,
	// then bisect.
	lo, hi := 0, len(cands)
	for step := 1; lo < hi; step *= 2 {
		i := min(lo+step, hi) - 1
		if fails(cands[i] + 1) {
			hi = i
			break
		}
		lo = i + 1
	}
	base := lo
	lo = base + sort.Search(hi-base, func(i int) bool { return fails(cands[base+i] + 1) })
	if lo == len(cands) || chars != "\t" && fails(cands[lo]) || *budget < 0 {
		return -1
	}
	return cands[lo]
}

// word returns the plain value that starts data, to quote in a message.
func word(data []byte) string {
	end := bytes.IndexAny(data, " \t\r\n,[]{}")
	if end < 0 {
		end = len(data)
	}
	w := strings.TrimSuffix(string(data[:min(end, maxNameLen)]), ":")
	return strings.ToValidUTF8(w, "")
}

// decodeAll parses every YAML document in data, as Parse's decoder does,
// and returns the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// breakAt returns the length of the YAML line break at data[i:], or 0.
// YAML breaks lines at \n, \r\n and \r, and at NEL, LS and PS.
func breakAt(data []byte, i int) int {
	switch {
	case data[i] == '\n':
		return 1
	case data[i] == '\r':
		if i+1 < len(data) && data[i+1] == '\n' {
			return 2
		}
		return 1
	case bytes.HasPrefix(data[i:], []byte("\u0085")):
		return 2
	case bytes.HasPrefix(data[i:], []byte("\u2028")), bytes.HasPrefix(data[i:], []byte("\u2029")):
		return 3
	}
	return 0
}

// lineStart returns the offset where line (from 1) begins, or len(data).
func lineStart(data []byte, line int) int {
	i := 0
	for n := 1; n < line && i < len(data); {
		if b := breakAt(data, i); b > 0 {
			i += b
			n++
		} else {
			i++
		}
	}
	return i
}

// lineCol returns the line and column (both from 1, the column in
// characters, as yaml.v3 counts them) of offset at.
func lineCol(data []byte, at int) (line, col int) {
	line, start := 1, 0
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		start = len("\uFEFF") // a byte order mark is no column
	}
	for i := start; i < at; {
		if b := breakAt(data, i); b > 0 {
			i += b
			line, start = line+1, i
		} else {
			i++
		}
	}
	return line, utf8.RuneCount(data[start:at]) + 1
}
