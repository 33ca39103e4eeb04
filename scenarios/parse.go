package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
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
	maxDeliveries = 10000 // requests sent, and events planned (dropped ones too)
	maxAfter      = 24 * time.Hour
	maxClock      = 7 * 24 * time.Hour // a session's length on its clock
	maxDelay      = 10 * time.Minute
	maxSkew       = 366 * 24 * time.Hour
	maxValueDepth = 16
	maxValueNodes = 10000
	maxStepFields = 64       // payload, extra and each fields of one step
	maxBodyBytes  = 16 << 20 // all the bodies of one session
	maxAliasNodes = 100000   // nodes that aliases add to the file's own
	maxAliasBytes = 1 << 20  // and text
	maxErrors     = 100
	maxNameLen    = 64 // longer names get no "did you mean" and are cut in messages
)

// The keys a file may use, in the order docs/scenarios.md documents them.
func scenarioKeys() []string { return []string{"name", "description", "tags", "session", "steps"} }

func stepKeys() []string {
	return []string{"event", "after", "repeat", "each", "payload", "extra", "sequence", "severity", "skew", "custom",
		"duplicate", "reorder", "drop", "delay", "tamper", "mac", "raw", "expect"}
}

// rawExcludes are keys that shape an envelope, which a raw step does not send.
func rawExcludes() []string {
	return []string{"event", "custom", "payload", "each", "extra", "sequence", "severity", "skew", "tamper"}
}

// dropExcludes are keys about sending, which a dropped step does not do.
func dropExcludes() []string {
	return []string{"duplicate", "reorder", "tamper", "delay", "mac", "raw", "expect"}
}

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

// parser walks the yaml.Node tree itself: yaml.v3's decoder loses
// KnownFields strictness inside custom unmarshalers, and a hand walk
// reports every problem with its position instead of the first one.
type parser struct {
	file   string
	errs   Errors
	seen   map[Error]bool // an aliased node's problem is reported once
	more   *Error         // where checking stopped, past maxErrors problems
	budget int            // payload value nodes left to convert
}

// stepNodes remembers where a step's keys are, for checks made after the
// whole file is read.
type stepNodes struct {
	entry   *yaml.Node // the list entry: the step, or an alias of it
	step    *yaml.Node
	reorder *yaml.Node
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	p.add(Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)})
}

// add records e once, up to maxErrors: past that, a file is more broken
// than a list of its problems helps with, and the walk stops early.
func (p *parser) add(e Error) {
	switch {
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
			p.syntaxError(data, err)
		}
		return nil
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		p.errorf(&second, "one scenario per file: this second YAML document must go in its own file")
	case !errors.Is(err, io.EOF):
		p.syntaxError(data, err)
	}
	root := &doc
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

	s := &Scenario{File: p.file}
	f := p.fields(root, "the scenario", scenarioKeys())
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

	f := p.fields(n, "a step", stepKeys())
	if raw := f["raw"]; raw != nil {
		for _, k := range rawExcludes() {
			if f[k] != nil {
				p.errorf(f.key(k), "%s does not apply to a raw step, which sends its body as written: remove %s or raw", k, k)
			}
		}
	}
	if drop := f["drop"]; drop != nil && isTrue(drop) {
		for _, k := range dropExcludes() {
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
			p.errorf(n, "severity: want INFO, WARN or ERROR, got %s", quote(string(sev)))
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
			p.errorf(n, "mac: want wrong-secret, none or malformed, got %s", quote(string(m)))
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
			p.errorf(n, "expect: want 2xx, 4xx, non-2xx or any, got %s", quote(n.Value))
		} else {
			st.Expect = e
		}
	}
	if ev != nil && eventNode != nil {
		p.needsMeasurement(eventNode, *ev, created, &st)
	}
	if k := len(st.Payload) + len(st.Each) + len(st.Extra); k > maxStepFields {
		p.errorf(n, "the step sets %d payload fields: at most %d (payload, each and extra together); put the rest in a nested value", k, maxStepFields)
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
	if len(name) > maxNameLen { // no catalog name is so long, nor a typo of one
		if !custom {
			p.errorf(n, "unknown event %s ('wms-mock list' shows the 21 events); custom: true sends a name outside the catalog on purpose", quote(name))
		}
		return emitter.Event{}, custom
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
	for i := 0; i+1 < len(n.Content) && !p.stop(n.Content[i]); i += 2 {
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
				p.checkKind(v, field, val, key+"."+clip(name))
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
		p.errorf(k, "%s carries no payload, so %s is not one of its fields: put it under extra: to send it on purpose", ev.Name, quote(name))
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
	p.errorf(k, "%s has no payload field %s (it has %s):%s put it under extra: to send it on purpose", ev.Name, quote(name), strings.Join(names, ", "), hint)
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
			p.errorf(n, "%s: want one of %s, got %s (extra: sends other values on purpose)", where, strings.Join(f.Values, ", "), quote(s))
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
	for i := 0; i+1 < len(n.Content) && !p.stop(n.Content[i]); i += 2 {
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
			p.errorf(k, "each.%s: %s is also under payload: give it in one place", clip(name), clip(name))
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			p.errorf(v, "each.%s: want a list with one value per repetition, like [1.5, 3.2, 6.8], got %s", clip(name), describe(v))
			continue
		}
		if len(v.Content) > maxRepeat {
			p.errorf(v, "each.%s: at most %d values, got %d", clip(name), maxRepeat, len(v.Content))
			continue
		}
		switch {
		case repeatGiven && len(v.Content) != st.Repeat:
			p.errorf(v, "each.%s: %d values for repeat: %d: give one value per repetition", clip(name), len(v.Content), st.Repeat)
			continue
		case !repeatGiven && len(out) > 0 && len(v.Content) != st.Repeat:
			p.errorf(v, "each.%s: %d values, but each.%s has %d: the lists must be as long as each other", clip(name), len(v.Content), clip(out[0].Field), st.Repeat)
			continue
		}
		st.Repeat = len(v.Content)
		s := Series{Field: name, Values: make([]any, 0, len(v.Content))}
		for _, item := range v.Content {
			item = deref(item)
			val, ok := p.value(item, 0)
			if ok && val != nil && ev != nil {
				p.checkKind(item, field, val, "each."+clip(name))
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

// mapping is a YAML mapping's values by key.
type mapping map[string]*yaml.Node

// key returns the key node of name, stored under "\x00"+name.
func (m mapping) key(name string) *yaml.Node { return m["\x00"+name] }

// fields reads a mapping whose keys must be among known, reporting
// unknown and repeated keys. where names the mapping in messages.
func (p *parser) fields(n *yaml.Node, where string, known []string) mapping {
	m := mapping{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content) && !p.stop(n.Content[i]); i += 2 {
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
	if s := closest(name, known); s != "" {
		hint = fmt.Sprintf(": did you mean %q?", s)
	}
	p.errorf(k, "unknown key %s in %s%s (known keys: %s)", quote(name), where, hint, strings.Join(known, ", "))
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
func clip(s string) string {
	if len(s) > maxNameLen {
		return s[:maxNameLen] + "..."
	}
	return s
}

// quote is clip, quoted.
func quote(s string) string { return strconv.Quote(clip(s)) }

// closest returns the candidate nearest to name, if near enough to be a
// typo of it: for keys, payload fields and scenario names (event names
// have emitter.SuggestEvents).
func closest(name string, candidates []string) string {
	if len(name) > maxNameLen {
		return ""
	}
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

// editDistance is the Levenshtein distance between a and b, in one row.
func editDistance(a, b string) int {
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
