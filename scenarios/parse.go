package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
)

// Limits that keep a mistyped or hostile file from exhausting memory or
// time; each is far above what a real session needs.
const (
	maxFileSize   = 1 << 20
	maxRepeat     = 1000
	maxDeliveries = 10000
	maxAfter      = 24 * time.Hour
	maxDelay      = 10 * time.Minute
	maxSkew       = 366 * 24 * time.Hour
	maxValueDepth = 16
	maxValueNodes = 10000
)

// The keys a file may use, in the order the README documents them.
var (
	scenarioKeys = []string{"name", "description", "tags", "session", "steps"}
	stepKeys     = []string{"event", "after", "repeat", "each", "payload", "extra", "sequence", "severity", "skew", "custom",
		"duplicate", "reorder", "drop", "delay", "tamper", "mac", "raw", "expect"}
	// rawExcludes are keys that shape an envelope, which a raw step does not send.
	rawExcludes = []string{"event", "custom", "payload", "each", "extra", "sequence", "severity", "skew", "tamper"}
	// dropExcludes are keys about sending, which a dropped step does not do.
	dropExcludes = []string{"duplicate", "reorder", "tamper", "delay", "mac", "raw", "expect"}
)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read scenario %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse checks one scenario file strictly and compiles it for Expand.
// filename is only used in errors and Scenario.File. The error, when not
// nil, is an Errors listing every problem as FILE:LINE:COL: message.
func Parse(filename string, data []byte) (*Scenario, error) {
	p := &parser{file: filename, budget: maxValueNodes}
	s := p.parse(data)
	if len(p.errs) > 0 {
		p.errs.sort()
		return nil, p.errs
	}
	return s, nil
}

// parser walks the yaml.Node tree itself: yaml.v3's decoder loses
// KnownFields strictness inside custom unmarshalers, and a hand walk
// reports every problem with its position instead of the first one.
type parser struct {
	file   string
	errs   Errors
	budget int // payload value nodes left to convert
}

// stepNodes remembers where a step's keys are, for checks made after the
// whole file is read.
type stepNodes struct {
	step    *yaml.Node
	reorder *yaml.Node
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 error, which has a line but no column, into
// an Error at the start of that line.
func (p *parser) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Col: 1, Msg: "YAML syntax: " + msg})
}

func (p *parser) parse(data []byte) *Scenario {
	if len(data) > maxFileSize {
		p.errorf(nil, "the file is over %d bytes: a scenario is a short YAML file", maxFileSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "the file is empty: a scenario needs at least steps:")
		} else {
			p.syntaxError(err)
		}
		return nil
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		p.errorf(&second, "one scenario per file: this second YAML document must go in its own file")
	case !errors.Is(err, io.EOF):
		p.syntaxError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a scenario is a mapping with name, description, tags and steps; got %s", describe(root))
		return nil
	}

	s := &Scenario{File: p.file}
	f := p.fields(root, "the scenario", scenarioKeys)
	if n := f["name"]; n != nil {
		s.Name = p.str(n, "name")
		if s.Name != "" && !validName.MatchString(s.Name) {
			p.errorf(n, "name %q: use letters, digits, '-', '_' and '.' only, so it can be typed on a command line", s.Name)
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
	if n := f["steps"]; n == nil {
		p.errorf(root, "the scenario has no steps: add steps: with a list of events")
	} else {
		s.Steps, meta = p.steps(n)
	}
	if len(p.errs) == 0 {
		p.compile(s, meta)
	}
	h := fnv.New64a()
	h.Write([]byte(s.Name))
	s.nameHash = h.Sum64()
	return s
}

func (p *parser) tags(n *yaml.Node) []string {
	var tags []string
	add := func(t *yaml.Node) {
		tag := p.str(t, "a tag")
		if tag == "" {
			return
		}
		if strings.ContainsAny(tag, " \t,") {
			p.errorf(t, "tag %q: a tag is one word; list several as [journey, camera]", tag)
			return
		}
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		add(n)
	case yaml.SequenceNode:
		for _, t := range n.Content {
			add(deref(t))
		}
	default:
		p.errorf(n, "tags: want a list like [journey, camera], got %s", describe(n))
	}
	return tags
}

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
	for _, sn := range n.Content {
		sn = deref(sn)
		st, m := p.step(sn, created)
		if st.Event == emitter.EventMeasurementCreated && !st.Custom {
			created = true
		}
		steps = append(steps, st)
		meta = append(meta, m)
	}
	return steps, meta
}

// step reads one step. created says whether an earlier step made the
// measurement, which measurement-bound events need.
func (p *parser) step(n *yaml.Node, created bool) (Step, stepNodes) {
	st := Step{Line: n.Line, Col: n.Column, Repeat: 1}
	meta := stepNodes{step: n}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			p.errorf(n, "the step is empty: write an event name (- WMS_LOADED) or a mapping (- event: WMS_LOADED)")
			return st, meta
		}
		st.Event = p.str(n, "a step")
		if ev, ok := p.event(n, st.Event, false); ok {
			p.needsMeasurement(n, ev, created, &st)
		}
		return st, meta
	case yaml.MappingNode:
	default:
		p.errorf(n, "a step is an event name (- WMS_LOADED) or a mapping (- event: WMS_LOADED), got %s", describe(n))
		return st, meta
	}

	f := p.fields(n, "a step", stepKeys)
	if raw := f["raw"]; raw != nil {
		for _, k := range rawExcludes {
			if f[k] != nil {
				p.errorf(f.key(k), "%s does not apply to a raw step, which sends its body as written: remove %s or raw", k, k)
			}
		}
	}
	if drop := f["drop"]; drop != nil && isTrue(drop) {
		for _, k := range dropExcludes {
			if f[k] != nil {
				p.errorf(f.key(k), "%s does not apply to a dropped step, which sends nothing: remove %s or drop", k, k)
			}
		}
	}
	if n := f["custom"]; n != nil {
		st.Custom = p.boolean(n, "custom")
	}

	var ev *emitter.Event
	eventNode := f["event"]
	switch {
	case eventNode != nil:
		st.Event = p.str(eventNode, "event")
		if e, ok := p.event(eventNode, st.Event, st.Custom); ok && !st.Custom {
			ev = &e
		}
	case f["raw"] == nil:
		p.errorf(n, "the step names no event: add event: NAME (or raw: BODY to send a body as written)")
	}

	if n := f["after"]; n != nil {
		st.After = p.duration(n, "after", 0, maxAfter)
	}
	repeatGiven := false
	if n := f["repeat"]; n != nil {
		if v, ok := p.integer(n, "repeat"); ok {
			if v < 1 || v > maxRepeat {
				p.errorf(n, "repeat: want 1 to %d, got %d", maxRepeat, v)
			} else {
				st.Repeat, repeatGiven = int(v), true
			}
		}
	}
	if n := f["payload"]; n != nil {
		st.Payload = p.payload(n, ev, "payload")
	}
	if n := f["each"]; n != nil {
		st.Each = p.each(n, ev, &st, repeatGiven)
	}
	if n := f["extra"]; n != nil {
		st.Extra = p.payload(n, nil, "extra")
	}
	if n := f["sequence"]; n != nil {
		if v, ok := p.integer(n, "sequence"); ok {
			if v < 0 {
				p.errorf(n, "sequence: want 0 or more, got %d", v)
			} else {
				st.Sequence = &v
			}
		}
	}
	if n := f["severity"]; n != nil {
		switch sev := emitter.Severity(p.str(n, "severity")); sev {
		case emitter.SeverityInfo, emitter.SeverityWarn, emitter.SeverityError:
			st.Severity = sev
		case "":
		default:
			p.errorf(n, "severity: want INFO, WARN or ERROR, got %q", string(sev))
		}
	}
	if n := f["skew"]; n != nil {
		st.Skew = p.duration(n, "skew", -maxSkew, maxSkew)
	}
	if n := f["duplicate"]; n != nil {
		st.Faults.Duplicate = p.boolean(n, "duplicate")
	}
	if n := f["reorder"]; n != nil {
		st.Faults.Reorder = p.boolean(n, "reorder")
		meta.reorder = f.key("reorder")
		if st.Faults.Reorder && st.Repeat > 1 {
			p.errorf(meta.reorder, "reorder swaps one event with the next step's: it cannot apply to a repeated step; split the repetition")
		}
	}
	if n := f["drop"]; n != nil {
		st.Faults.Drop = p.boolean(n, "drop")
	}
	if n := f["tamper"]; n != nil {
		st.Faults.Tamper = p.boolean(n, "tamper")
	}
	if n := f["delay"]; n != nil {
		st.Faults.Delay = p.duration(n, "delay", 0, maxDelay)
	}
	if n := f["mac"]; n != nil {
		switch m := MACFault(p.str(n, "mac")); m {
		case MACWrongSecret, MACNone, MACMalformed:
			st.Faults.MAC = m
		default:
			p.errorf(n, "mac: want wrong-secret, none or malformed, got %q", string(m))
		}
	}
	if n := f["raw"]; n != nil {
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
			p.errorf(n, "raw: want the body as a string (a block scalar | keeps it verbatim), got %s", describe(n))
		} else {
			st.Faults.Raw = []byte(n.Value)
		}
	}
	if n := f["expect"]; n != nil {
		if e, err := ParseExpect(p.str(n, "expect")); err != nil {
			p.errorf(n, "expect: %v", err)
		} else {
			st.Expect = e
		}
	}
	if ev != nil && eventNode != nil {
		p.needsMeasurement(eventNode, *ev, created, &st)
	}
	return st, meta
}

// event checks an event name against the catalog. A custom event must be
// outside it, so that custom: true cannot hide a typo of a real name.
func (p *parser) event(n *yaml.Node, name string, custom bool) (emitter.Event, bool) {
	if name == "" {
		if n.ShortTag() == "!!null" || n.Kind != yaml.ScalarNode {
			return emitter.Event{}, false // str already reported it
		}
		p.errorf(n, "the event name is empty")
		return emitter.Event{}, false
	}
	ev, err := emitter.LookupEvent(name)
	switch {
	case custom && err == nil:
		p.errorf(n, "%s is in the catalog: remove custom: true, which is for events WMS does not document", name)
		return emitter.Event{}, false
	case custom:
		return emitter.Event{}, true
	case err != nil:
		p.errorf(n, "%v; custom: true sends a name outside the catalog on purpose", err)
		return emitter.Event{}, false
	}
	return ev, true
}

// needsMeasurement reports a measurement-bound event that comes before any
// MEASUREMENT_CREATED and does not give its measurement ID itself.
func (p *parser) needsMeasurement(n *yaml.Node, ev emitter.Event, created bool, st *Step) {
	if created || !ev.NeedsMeasurement() {
		return
	}
	for _, pl := range []emitter.Payload{st.Payload, st.Extra} {
		if v, ok := pl.Get(emitter.FieldMeasurementID); ok && v != nil {
			return
		}
	}
	for _, s := range st.Each {
		if s.Field == emitter.FieldMeasurementID {
			return
		}
	}
	p.errorf(n, "%s carries the measurement ID, which exists only after MEASUREMENT_CREATED: add that step before it (or give payload: {measurementId: ...} on purpose)", ev.Name)
}

// payload reads a payload mapping. With ev set, every key must be one of
// the event's fields and every value of the field's type; ev nil (extra,
// or a custom event) takes any keys and values.
func (p *parser) payload(n *yaml.Node, ev *emitter.Event, key string) emitter.Payload {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: want a mapping of field: value, got %s", key, describe(n))
		return nil
	}
	out := make(emitter.Payload, 0, len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		name, ok := p.key(k, seen, key)
		if !ok {
			continue
		}
		if ev != nil {
			field, known := p.field(k, name, *ev)
			if !known {
				continue
			}
			val, ok := p.value(v, 0)
			if ok && val != nil {
				p.checkKind(v, field, val, key+"."+name)
			}
			out = append(out, emitter.PayloadField{Key: name, Value: val})
			continue
		}
		if val, ok := p.value(v, 0); ok {
			out = append(out, emitter.PayloadField{Key: name, Value: val})
		}
	}
	return out
}

// field finds a payload field of ev, or reports that ev has no such field.
func (p *parser) field(k *yaml.Node, name string, ev emitter.Event) (emitter.Field, bool) {
	if f, ok := ev.Field(name); ok {
		return f, true
	}
	if !ev.HasPayload() {
		p.errorf(k, "%s carries no payload, so %q is not one of its fields: put it under extra: to send it on purpose", ev.Name, name)
		return emitter.Field{}, false
	}
	names := make([]string, len(ev.Fields))
	for i, f := range ev.Fields {
		names[i] = f.Name
	}
	hint := ""
	if s := closest(name, names); s != "" {
		hint = fmt.Sprintf(" did you mean %q?", s)
	}
	p.errorf(k, "%s has no payload field %q (it has %s):%s put it under extra: to send it on purpose", ev.Name, name, strings.Join(names, ", "), hint)
	return emitter.Field{}, false
}

// checkKind reports a value of the wrong JSON type for a catalog field.
func (p *parser) checkKind(n *yaml.Node, f emitter.Field, v any, where string) {
	want := ""
	switch f.Kind {
	case emitter.KindString, emitter.KindUUID:
		s, ok := v.(string)
		if !ok {
			want = "a string"
		} else if len(f.Values) > 0 && !slices.Contains(f.Values, s) {
			p.errorf(n, "%s: want one of %s, got %q (extra: sends other values on purpose)", where, strings.Join(f.Values, ", "), s)
			return
		}
	case emitter.KindNumber:
		switch v.(type) {
		case int64, uint64, float64:
		default:
			want = "a number"
		}
	case emitter.KindInteger:
		switch v.(type) {
		case int64, uint64:
		default:
			want = "an integer"
		}
	}
	if want != "" {
		p.errorf(n, "%s: want %s, got %s (extra: sends other types on purpose)", where, want, describe(n))
	}
}

// each reads per-repetition values: field: [v1, v2, ...], one value per
// repetition. Without repeat:, the lists' length sets the repetition.
func (p *parser) each(n *yaml.Node, ev *emitter.Event, st *Step, repeatGiven bool) []Series {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "each: want a mapping of field: [value per repetition], got %s", describe(n))
		return nil
	}
	var out []Series
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		name, ok := p.key(k, seen, "each")
		if !ok {
			continue
		}
		var field emitter.Field
		if ev != nil {
			if field, ok = p.field(k, name, *ev); !ok {
				continue
			}
		}
		if _, dup := st.Payload.Get(name); dup {
			p.errorf(k, "each.%s: %s is also under payload: give it in one place", name, name)
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			p.errorf(v, "each.%s: want a list with one value per repetition, like [1.5, 3.2, 6.8], got %s", name, describe(v))
			continue
		}
		if len(v.Content) > maxRepeat {
			p.errorf(v, "each.%s: at most %d values, got %d", name, maxRepeat, len(v.Content))
			continue
		}
		switch {
		case repeatGiven && len(v.Content) != st.Repeat:
			p.errorf(v, "each.%s: %d values for repeat: %d: give one value per repetition", name, len(v.Content), st.Repeat)
			continue
		case !repeatGiven && len(out) > 0 && len(v.Content) != st.Repeat:
			p.errorf(v, "each.%s: %d values, but each.%s has %d: the lists must be as long as each other", name, len(v.Content), out[0].Field, st.Repeat)
			continue
		}
		st.Repeat = len(v.Content)
		s := Series{Field: name, Values: make([]any, 0, len(v.Content))}
		for _, item := range v.Content {
			item = deref(item)
			val, ok := p.value(item, 0)
			if ok && val != nil && ev != nil {
				p.checkKind(item, field, val, "each."+name)
			}
			s.Values = append(s.Values, val)
		}
		out = append(out, s)
	}
	return out
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
		for i := 0; i+1 < len(n.Content); i += 2 {
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
			v, vok := p.value(c, depth+1)
			list = append(list, v)
			ok = ok && vok
		}
		return list, ok
	case yaml.ScalarNode:
	default:
		p.errorf(n, "unsupported YAML value %s", describe(n))
		return nil, false
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			p.errorf(n, "%q is not a boolean", n.Value)
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
		p.errorf(n, "%s does not fit in a 64-bit integer", n.Value)
		return nil, false
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.errorf(n, "%s is not a JSON number", n.Value)
			return nil, false
		}
		return f, true
	case "!!str", "!!timestamp", "!!binary":
		// Dates and base64 stay as written: JSON has no such types.
		return n.Value, true
	default:
		p.errorf(n, "unsupported YAML tag %s: write the value plainly", n.Tag)
		return nil, false
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
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		name, ok := p.key(k, seen, where)
		if !ok {
			continue
		}
		if !slices.Contains(known, name) {
			p.unknownKey(k, name, where, known)
			continue
		}
		m[name] = v
		m["\x00"+name] = k
	}
	return m
}

func (p *parser) unknownKey(k *yaml.Node, name, where string, known []string) {
	if where == "a step" {
		if _, err := emitter.LookupEvent(name); err == nil {
			p.errorf(k, "unknown key %q in a step: write the event as - %s or - event: %s", name, name, name)
			return
		}
	}
	hint := ""
	if s := closest(name, known); s != "" {
		hint = fmt.Sprintf(": did you mean %q?", s)
	}
	p.errorf(k, "unknown key %q in %s%s (known keys: %s)", name, where, hint, strings.Join(known, ", "))
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
		p.errorf(k, "key %q is given twice in %s (first on line %d)", k.Value, where, first.Line)
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
		p.errorf(n, "%s: %s does not fit in a 64-bit integer", what, n.Value)
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
		p.errorf(n, "%s: bad duration %s: add a unit, like %ss or %sms", what, n.Value, n.Value, n.Value)
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.errorf(n, "%s: bad duration %q: write a number and a unit, like 5s, 1.5s, 250ms or 1m30s", what, n.Value)
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
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "an alias"
}

// closest returns the candidate nearest to name, if near enough to be a
// typo of it.
func closest(name string, candidates []string) string {
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist <= max(1, len(best)/3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
