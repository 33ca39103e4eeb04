package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
)

// scenarioKeys are the keys of a scenario, in the order docs/scenarios.md
// documents them and messages list them.
var scenarioKeys = []string{"name", "description", "tags", "session", "steps"}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, readError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, readError(path, err)
	}
	return Parse(path, data)
}

// readError names path once: an fs.PathError names it too, after the
// operation, which says nothing to someone running a command.
func readError(path string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("cannot read scenario %s: %w", path, err)
}

// Parse checks one scenario file strictly and compiles it for Expand.
// filename is only used in errors and Scenario.File. The error, when not
// nil, is an Errors listing every problem as FILE:LINE:COL: message.
func Parse(filename string, data []byte) (*Scenario, error) {
	p := &parser{file: filename, budget: maxValueNodes, seen: map[Error]bool{}}
	s := p.parse(data)
	if len(p.errs) > 0 {
		p.errs.sort()
		if p.more != nil {
			p.errs = append(p.errs, p.more)
		}
		return nil, p.errs
	}
	return s, nil
}

// parse reads the file's one YAML document and the scenario in it.
func (p *parser) parse(data []byte) *Scenario {
	root := p.document(data)
	if root == nil {
		return nil
	}
	s := p.scenario(root)
	h := fnv.New64a()
	h.Write([]byte(s.Name))
	s.nameHash = h.Sum64()
	return s
}

// document returns the mapping at the root of data, or nil when there is
// none to read: the file is too large, empty, not YAML, a bomb of aliases,
// or not a mapping. A file with syntax errors is read as far as
// p.readable can.
func (p *parser) document(data []byte) *yaml.Node {
	if len(data) > maxFileSize {
		p.errorf(nil, "the file is over %d bytes: a scenario is a short YAML file", maxFileSize)
		return nil
	}
	doc, second, err := decodeDocs(data)
	if err != nil {
		if doc, second, err = decodeDocs(p.readable(data, err)); err != nil {
			p.errorf(nil, "YAML syntax: %s", strings.TrimPrefix(err.Error(), "yaml: ")) // not reached: readable returns what parses
			return nil
		}
	}
	switch {
	case doc == nil && p.partial:
		return nil // nothing before the syntax error
	case doc == nil:
		p.errorf(nil, "the file is empty: a scenario needs at least steps:")
		return nil
	case second != nil:
		p.errorf(second, "one scenario per file: this second YAML document must go in its own file")
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if !p.checkAliases(root) {
		return nil
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a scenario is a mapping with name, description, tags and steps; got %s", describe(root))
		return nil
	}
	if p.partial && second == nil {
		trimCut(root) // the syntax error is in this document
	}
	return root
}

// decodeDocs parses every YAML document in data and returns the first two
// of them, nil when there are fewer, and the first syntax error.
func decodeDocs(data []byte) (first, second *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return first, second, nil
			}
			return first, second, err
		}
		switch i {
		case 0:
			first = &n
		case 1:
			second = &n
		}
	}
}

// scenario reads the scenario's keys and compiles its steps.
func (p *parser) scenario(root *yaml.Node) *Scenario {
	s := &Scenario{File: p.file}
	f := p.fields(root, "the scenario", scenarioKeys)
	if n := f["name"]; n != nil {
		s.Name = p.str(n, "name")
		if s.Name != "" && !validName.MatchString(s.Name) {
			p.errorf(n, "name %s: use letters, digits, '-', '_' and '.' only, so it can be typed on a command line", quote(s.Name))
		}
	} else {
		s.Name = strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
	}
	if n := f["description"]; n != nil {
		s.Description = strings.Join(strings.Fields(p.str(n, "description")), " ")
	}
	if n := f["tags"]; n != nil {
		s.Tags = p.tags(n)
	}
	if n := f["session"]; n != nil {
		if s.SessionID = p.str(n, "session"); s.SessionID == "" && n.ShortTag() != "!!null" {
			p.errorf(n, "session: the session ID is empty: give one or leave session out to generate it")
		}
	}
	var meta []stepNodes
	switch n := f["steps"]; {
	case n != nil:
		s.Steps, meta = p.steps(n)
	case !p.partial: // else the steps may be past the syntax error
		p.errorf(root, "the scenario has no steps: add steps: with a list of events")
	}
	// The checks of the whole session run whatever the steps' own
	// problems, so that a file is fixed in one pass.
	p.compile(s, meta)
	return s
}

// tags reads one tag or a list of them, each once.
func (p *parser) tags(n *yaml.Node) []string {
	var tags []string
	seen := map[string]bool{}
	add := func(t *yaml.Node) {
		tag := p.str(t, "a tag")
		if tag == "" {
			return
		}
		if strings.ContainsAny(tag, " \t,") {
			p.errorf(t, "tag %s: a tag is one word; list several as [journey, camera]", quote(tag))
			return
		}
		if !seen[tag] {
			seen[tag] = true
			tags = append(tags, tag)
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		add(n)
	case yaml.SequenceNode:
		for _, t := range n.Content {
			if p.stop(t) {
				break
			}
			add(deref(t))
		}
	default:
		p.errorf(n, "tags: want a list like [journey, camera], got %s", describe(n))
	}
	return tags
}

// steps reads the list of steps and where each is in the file.
func (p *parser) steps(n *yaml.Node) ([]Step, []stepNodes) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "steps: want a list of events (each line starting with '- '), got %s", describe(n))
		return nil, nil
	}
	if len(n.Content) == 0 {
		p.errorf(n, "steps: the list is empty: add at least one event")
		return nil, nil
	}
	steps := make([]Step, 0, len(n.Content))
	meta := make([]stepNodes, 0, len(n.Content))
	created := false
	for _, entry := range n.Content {
		if p.stop(entry) {
			break
		}
		st, m := p.step(deref(entry), created)
		m.entry = entry
		if st.Event == emitter.EventMeasurementCreated && !st.Custom {
			created = true
		}
		steps = append(steps, st)
		meta = append(meta, m)
	}
	return steps, meta
}
