package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/suggest"
)

// payload reads a payload mapping. With ev set, every key must be one of
// the event's fields and every value of the field's type; ev nil (extra,
// or a custom event) takes any keys and values.
func (p *parser) payload(n *yaml.Node, ev *emitter.Event, key string) emitter.Payload {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: want a mapping of field: value, got %s", key, describe(n))
		return nil
	}
	out := make(emitter.Payload, 0, len(n.Content)/2)
	for e := range p.entries(n, key) {
		k, name, v := e.k, e.name, e.v
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
	if s := suggest.Closest(name, names); s != "" {
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
	for e := range p.entries(n, "each") {
		k, name, v := e.k, e.name, e.v
		var field emitter.Field
		if ev != nil {
			var ok bool
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
