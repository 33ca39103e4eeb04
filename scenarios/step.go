package scenarios

import (
	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/forgery"
)

// stepKey is one key a step may have: everything the parser, the messages
// and the schema reference need to know about it, so that a new key (a new
// fault) is one row of stepKeys plus what Expand does with it.
type stepKey struct {
	name string
	// value is the kind of YAML value the key takes, and help what it
	// does, as docs/scenarios.md gives them; a test holds the two to it.
	value, help string
	// notWith names the keys that make a step this key does not apply to.
	notWith []string
	// makes, for a key that others name in notWith, is the step it makes,
	// for the message; makesIf says which values make it (nil: any).
	makes   string
	makesIf func(*yaml.Node) bool
	// read checks the key's value and sets it in the step. It runs in the
	// table's order, and may use what earlier rows have set.
	read func(b *stepBuild, n *yaml.Node, key string)
}

// The usual notWith: a key that shapes an envelope does not apply to a raw
// step, and one about sending does not apply to a dropped step.
var (
	notRaw  = []string{"raw"}
	notDrop = []string{"drop"}
)

// stepKeys is every key a step may have, in the order they are read and
// that messages list them. The rules between keys are in stepBuild.rules.
var stepKeys = []stepKey{
	{
		name: "event", value: "event name", notWith: notRaw,
		help: "one of the 21 events (`wms-mock list`); a misspelt name is an error that suggests the closest",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Event = b.p.str(n, k) },
	},
	{
		name: "custom", value: "boolean", notWith: notRaw,
		help: "`event` is a name outside the catalog, sent on purpose",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Custom = b.p.boolean(n, k) },
	},
	{
		name: "after", value: "duration",
		help: "time on the session's clock since the previous event, before each repetition",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.After = b.p.duration(n, k, 0, maxAfter) },
	},
	{
		name: "repeat", value: "1 to 1000",
		help: "send the event this many times, each `after` the one before",
		read: (*stepBuild).readRepeat,
	},
	{
		name: "payload", value: "field: value", notWith: notRaw,
		help: "set payload fields the event has; `null` removes one",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Payload = b.p.payload(n, b.event(), k) },
	},
	{
		name: "each", value: "field: list", notWith: notRaw,
		help: "one payload value per repetition",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Each = b.p.each(n, b.event(), &b.st, b.repeatGiven) },
	},
	{
		name: "extra", value: "field: value", notWith: notRaw,
		help: "add fields as given, unchecked (see below)",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Extra = b.p.payload(n, nil, k) },
	},
	{
		name: "sequence", value: "integer ≥ 0", notWith: notRaw,
		help: "the envelope's `sequence`; later events count on from it",
		read: (*stepBuild).readSequence,
	},
	{
		name: "severity", value: "`INFO`, `WARN`, `ERROR`", notWith: notRaw,
		help: "send another severity on purpose",
		read: (*stepBuild).readSeverity,
	},
	{
		name: "skew", value: "duration, may be negative", notWith: notRaw,
		help: "move this event's timestamp without moving the clock",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Skew = b.p.duration(n, k, -maxSkew, maxSkew) },
	},
	{
		name: "duplicate", value: "`true`", notWith: notDrop,
		help: "the same request twice, byte for byte",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Faults.Duplicate = b.p.boolean(n, k) },
	},
	{
		name: "reorder", value: "`true`", notWith: notDrop,
		help: "this event after the next step's",
		read: func(b *stepBuild, n *yaml.Node, k string) {
			b.st.Faults.Reorder = b.p.boolean(n, k)
			b.meta.reorder = b.f.key(k)
		},
	},
	{
		name: "drop", value: "`true`",
		makes: "a dropped step, which sends nothing", makesIf: isTrue,
		help: "nothing; the event's sequence number is spent, so the receiver sees a gap",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Faults.Drop = b.p.boolean(n, k) },
	},
	{
		name: "delay", value: "duration up to 10m", notWith: notDrop,
		help: "the request, after waiting this long in real time, whatever the pace",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Faults.Delay = b.p.duration(n, k, 0, maxDelay) },
	},
	{
		name: "tamper", value: "`true`", notWith: []string{"raw", "drop"},
		help: "the body changed after signing (its timestamp one second later); still valid JSON",
		read: func(b *stepBuild, n *yaml.Node, k string) { b.st.Faults.Tamper = b.p.boolean(n, k) },
	},
	{
		name: "mac", value: "a forgery's name", notWith: notDrop,
		help: "the `X-WMS-Content-MAC` header forged as the named forgery (below) makes it",
		read: (*stepBuild).readMAC,
	},
	{
		name: "raw", value: "string", notWith: notDrop,
		makes: "a raw step, which sends its body as written",
		help:  "this body verbatim instead of an envelope, correctly signed unless `mac` says otherwise; it has no event and takes no sequence number",
		read:  (*stepBuild).readRaw,
	},
	{
		name: "expect", value: "`2xx`, `4xx`, `non-2xx`, `any`", notWith: notDrop,
		help: "the answer a correct receiver gives",
		read: (*stepBuild).readExpect,
	},
}

// stepKeyNames lists stepKeys' names, for fields and its messages.
var stepKeyNames = func() []string {
	names := make([]string, len(stepKeys))
	for i, k := range stepKeys {
		names[i] = k.name
	}
	return names
}()

// stepKeyNamed returns the row of stepKeys for name.
func stepKeyNamed(name string) *stepKey {
	for i := range stepKeys {
		if stepKeys[i].name == name {
			return &stepKeys[i]
		}
	}
	return nil
}

// stepNodes remembers where a step's keys are, for checks made after the
// whole file is read.
type stepNodes struct {
	entry   *yaml.Node // the list entry: the step, or an alias of it
	step    *yaml.Node
	reorder *yaml.Node
}

// stepBuild is one step being read: the step so far, its keys, and what
// the rules between keys need.
type stepBuild struct {
	p           *parser
	f           mapping
	st          Step
	meta        stepNodes
	repeatGiven bool // repeat: was given, so each:'s lists must match it

	ev     *emitter.Event // the catalog's entry, once looked up
	looked bool
}

// step reads one step. created says whether an earlier step made the
// measurement, which measurement-bound events need.
func (p *parser) step(n *yaml.Node, created bool) (Step, stepNodes) {
	b := &stepBuild{p: p, st: Step{Line: n.Line, Col: n.Column, Repeat: 1}, meta: stepNodes{step: n}}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			p.errorf(n, "the step is empty: write an event name (- WMS_LOADED) or a mapping (- event: WMS_LOADED)")
			return b.st, b.meta
		}
		b.st.Event = p.str(n, "a step")
		if ev, ok := p.event(n, b.st.Event, false); ok {
			p.needsMeasurement(n, ev, created, &b.st)
		}
		return b.st, b.meta
	case yaml.MappingNode:
	default:
		p.errorf(n, "a step is an event name (- WMS_LOADED) or a mapping (- event: WMS_LOADED), got %s", describe(n))
		return b.st, b.meta
	}
	b.f = p.fields(n, "a step", stepKeyNames)
	for _, k := range stepKeys {
		if v := b.f[k.name]; v != nil {
			k.read(b, v, k.name)
		}
	}
	b.rules(n, created)
	return b.st, b.meta
}

// event returns the catalog's entry for the step's event, nil for a
// custom, raw or unknown one. It looks the event up once, the first time
// a key needs it: event and custom come before every such key in stepKeys.
func (b *stepBuild) event() *emitter.Event {
	if !b.looked {
		b.looked = true
		if n := b.f["event"]; n != nil {
			if e, ok := b.p.event(n, b.st.Event, b.st.Custom); ok && !b.st.Custom {
				b.ev = &e
			}
		}
	}
	return b.ev
}

// rules checks what no key can check alone, once every key is read.
func (b *stepBuild) rules(n *yaml.Node, created bool) {
	p, f, st := b.p, b.f, &b.st
	for _, k := range stepKeys {
		for _, other := range k.notWith {
			o := stepKeyNamed(other)
			if f[k.name] != nil && f[other] != nil && (o.makesIf == nil || o.makesIf(f[other])) {
				p.errorf(f.key(k.name), "%s does not apply to %s: remove %s or %s", k.name, o.makes, k.name, other)
			}
		}
	}
	if f["event"] == nil && f["raw"] == nil {
		p.errorf(n, "the step names no event: add event: NAME (or raw: BODY to send a body as written)")
	}
	ev := b.event()
	if st.Faults.Reorder && st.Repeat > 1 {
		p.errorf(b.meta.reorder, "reorder swaps one event with the next step's: it cannot apply to a repeated step; split the repetition")
	}
	if ev != nil {
		p.needsMeasurement(f["event"], *ev, created, st)
	}
	if k := len(st.Payload) + len(st.Each) + len(st.Extra); k > maxStepFields {
		p.errorf(n, "the step sets %d payload fields: at most %d (payload, each and extra together); put the rest in a nested value", k, maxStepFields)
	}
}

func (b *stepBuild) readRepeat(n *yaml.Node, key string) {
	if v, ok := b.p.integer(n, key); ok {
		if v < 1 || v > maxRepeat {
			b.p.errorf(n, "repeat: want 1 to %d, got %d", maxRepeat, v)
		} else {
			b.st.Repeat, b.repeatGiven = int(v), true
		}
	}
}

func (b *stepBuild) readSequence(n *yaml.Node, key string) {
	if v, ok := b.p.integer(n, key); ok {
		if v < 0 {
			b.p.errorf(n, "sequence: want 0 or more, got %d", v)
		} else {
			b.st.Sequence = &v
		}
	}
}

func (b *stepBuild) readSeverity(n *yaml.Node, key string) {
	switch sev := emitter.Severity(b.p.str(n, key)); sev {
	case emitter.SeverityInfo, emitter.SeverityWarn, emitter.SeverityError:
		b.st.Severity = sev
	case "":
	default:
		b.p.errorf(n, "severity: want INFO, WARN or ERROR, got %s", quote(string(sev)))
	}
}

// readMAC takes any forgery's name, and for any other name forgery's own
// message, which lists them and suggests the nearest.
func (b *stepBuild) readMAC(n *yaml.Node, key string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		b.p.str(n, key) // reports it
		return
	}
	k, err := forgery.Parse(clip(n.Value))
	if err != nil {
		b.p.errorf(n, "%s: %v", key, err)
		return
	}
	b.st.Faults.MAC = k
}

func (b *stepBuild) readRaw(n *yaml.Node, key string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		b.p.errorf(n, "raw: want the body as a string (a block scalar | keeps it verbatim), got %s", describe(n))
		return
	}
	b.st.Faults.Raw = []byte(n.Value)
}

func (b *stepBuild) readExpect(n *yaml.Node, key string) {
	if e, err := ParseExpect(b.p.str(n, key)); err != nil {
		b.p.errorf(n, "expect: want 2xx, 4xx, non-2xx or any, got %s", quote(n.Value))
	} else {
		b.st.Expect = e
	}
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
