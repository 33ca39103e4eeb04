package wms

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/internal/suggest"
	"github.com/wmsmock/wms-mock/scenarios"
)

// maxConfigFile bounds a config file: a real one is a few hundred bytes.
const maxConfigFile = 1 << 20

// The keys of a config file, at each level.
var (
	topKeys    = []string{"configs", "error_codes", "limits"}
	configKeys = []string{"callback", "webhook", "secret_file", "secret_env", "scenario", "settings", "encrypt_results", "customer_key", "two_way"}
	limitKeys  = []string{"height", "weight", "bmi", "age"}
)

// LoadConfig reads a --config FILE strictly: every problem, an unknown key
// above all, is a scenarios.Error at FILE:LINE:COL, all of them at once as
// scenarios.Errors. A Config ID's secret comes from secret_file (a path,
// relative to the file) or secret_env (the name of an environment
// variable, read with getenv, os.Getenv when nil); it is never written in
// the file and never appears in an error.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("cannot read the config file: %w", err)
	}
	return ParseConfig(path, data, getenv)
}

// ParseConfig is LoadConfig for data read from file; relative paths in it
// are relative to file's directory.
func ParseConfig(file string, data []byte, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	l := &loader{file: file, dir: filepath.Dir(file), getenv: getenv}
	if len(data) > maxConfigFile {
		l.errorAt(1, 1, "the file is over %d KiB: a config file lists a few Config IDs", maxConfigFile>>10)
		return Config{}, l.errs
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.syntax(err)
		return Config{}, l.errs
	}
	cfg := l.top(&doc)
	if len(l.errs) > 0 {
		slices.SortStableFunc(l.errs, func(a, b *scenarios.Error) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		return Config{}, l.errs
	}
	return cfg, nil
}

// loader walks one file's YAML nodes, collecting every error.
type loader struct {
	file   string
	dir    string
	getenv func(string) string
	errs   scenarios.Errors
}

func (l *loader) errorAt(line, col int, format string, a ...any) {
	l.errs = append(l.errs, &scenarios.Error{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)})
}

func (l *loader) errorf(n *yaml.Node, format string, a ...any) {
	l.errorAt(n.Line, n.Column, format, a...)
}

func (l *loader) where(n *yaml.Node) string { return fmt.Sprintf("%s:%d:%d", l.file, n.Line, n.Column) }

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns yaml.v3's error, which has a line but no column, into one.
func (l *loader) syntax(err error) {
	msg, line := strings.TrimPrefix(err.Error(), "yaml: "), 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if strings.Contains(msg, "tab") {
		msg += ": YAML indents with spaces only"
	}
	l.errorAt(line, 1, "YAML syntax: %s", msg)
}

// mapping returns n's keys and values, refusing unknown and repeated keys.
func (l *loader) mapping(n *yaml.Node, where string, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping of keys to values", where)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch {
		case out[name] != nil:
			l.errorf(k, "%s is given twice in %s: give each key once", shown(name), where)
		case known != nil && !slices.Contains(known, name):
			l.unknownKey(k, name, where, known)
		default:
			out[name] = v
		}
	}
	return out
}

func (l *loader) unknownKey(k *yaml.Node, name, where string, known []string) {
	if name == "secret" {
		l.errorf(k, "the secret is never written in the file: use secret_file: FILE or secret_env: VARIABLE")
		return
	}
	hint := ": the keys are " + strings.Join(known, ", ")
	if near := suggest.Closest(name, known); near != "" {
		hint = ": did you mean " + near + "?"
	}
	l.errorf(k, "unknown key %s in %s%s", shown(name), where, hint)
}

func (l *loader) top(doc *yaml.Node) Config {
	if len(doc.Content) == 0 {
		l.errorAt(1, 1, "the file is empty: list the Config IDs under configs:")
		return Config{}
	}
	m := l.mapping(doc.Content[0], "the file", topKeys)
	var cfg Config
	if n := m["configs"]; n != nil {
		cfg.IDs = l.configs(n)
	} else if len(l.errs) == 0 {
		l.errorf(doc.Content[0], "no configs: list the Config IDs under configs:, each with callback, webhook and secret_file or secret_env")
	}
	if n := m["error_codes"]; n != nil {
		cfg.ErrorCodes = l.errorCodes(n)
	}
	if n := m["limits"]; n != nil {
		cfg.Limits = l.limits(n)
	}
	return cfg
}

func (l *loader) configs(n *yaml.Node) []ConfigID {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		l.errorf(n, "configs must map each Config ID to its settings")
		return nil
	}
	var out []ConfigID
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			l.errorf(k, "Config ID %s is given twice: give each once", shown(k.Value))
			continue
		}
		seen[k.Value] = true
		if k.Value == "" || strings.ContainsAny(k.Value, "/?#% ") {
			l.errorf(k, "Config ID %s must be a non-empty path segment: letters and digits, as the vendor issues them", shown(k.Value))
			continue
		}
		out = append(out, l.configID(k, v))
	}
	return out
}

// configID reads one Config ID's settings.
func (l *loader) configID(k, v *yaml.Node) ConfigID {
	c := ConfigID{ID: k.Value, at: l.where(k)}
	m := l.mapping(v, "Config ID "+shown(k.Value), configKeys)
	c.Callback = l.url(m, "callback", k)
	c.Webhook = l.url(m, "webhook", k)
	c.Signer = l.secret(m, k)
	c.Scenario = l.str(m["scenario"], "scenario")
	if m["settings"] != nil {
		c.SettingsURL = l.url(m, "settings", k)
	}
	c.EncryptResults = l.boolean(m["encrypt_results"], "encrypt_results")
	c.TwoWay = l.boolean(m["two_way"], "two_way")
	if n := m["customer_key"]; n != nil {
		if p := l.str(n, "customer_key"); p != "" {
			key, err := LoadPublicKey(l.path(p))
			if err != nil {
				l.errorf(n, "customer_key: %v", err)
			}
			c.CustomerKey = key
		}
	}
	if (c.EncryptResults || c.TwoWay) && c.CustomerKey == nil && c.SettingsURL == "" && m["customer_key"] == nil {
		l.errorf(k, "encrypt_results and two_way need the customer's public key: add customer_key: FILE, or settings: URL that publishes it")
	}
	return c
}

// url reads the http(s) URL under name, required.
func (l *loader) url(m map[string]*yaml.Node, name string, id *yaml.Node) string {
	v := m[name]
	if v == nil {
		l.errorf(id, "Config ID %s has no %s: add %s: URL", shown(id.Value), name, name)
		return ""
	}
	s := l.str(v, name)
	if err := checkCallback(s); s != "" && err != nil {
		l.errorf(v, "%s: want an absolute http:// or https:// URL, got %q", name, emitter.RedactURL(s))
	}
	return s
}

// secret resolves secret_file or secret_env into a Signer.
func (l *loader) secret(m map[string]*yaml.Node, id *yaml.Node) *emitter.Signer {
	file, env := m["secret_file"], m["secret_env"]
	var secret string
	switch {
	case file != nil && env != nil:
		l.errorf(env, "give the secret once: secret_file or secret_env, not both")
		return nil
	case file != nil:
		p := l.str(file, "secret_file")
		b, err := os.ReadFile(l.path(p))
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			l.errorf(file, "secret_file: cannot read %s (%v): put the Config ID's MAC secret in it (one line)", p, err)
			return nil
		}
		if secret = strings.TrimRight(string(b), "\r\n"); secret == "" {
			l.errorf(file, "secret_file: %s is empty: put the Config ID's MAC secret in it", p)
			return nil
		}
	case env != nil:
		name := l.str(env, "secret_env")
		if secret = l.getenv(name); secret == "" && name != "" {
			l.errorf(env, "secret_env: the environment variable %s is unset or empty: export it with the Config ID's MAC secret", name)
			return nil
		}
	default:
		l.errorf(id, "Config ID %s has no MAC secret: add secret_file: FILE or secret_env: VARIABLE", shown(id.Value))
		return nil
	}
	s, err := emitter.NewSigner([]byte(secret))
	if err != nil {
		return nil
	}
	return s
}

// path resolves p against the config file's directory.
func (l *loader) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.dir, p)
}

func (l *loader) str(n *yaml.Node, name string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		l.errorf(n, "%s must be a non-empty string", name)
		return ""
	}
	return n.Value
}

func (l *loader) boolean(n *yaml.Node, name string) bool {
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		l.errorf(n, "%s must be true or false", name)
		return false
	}
	return n.Value == "true"
}

func (l *loader) errorCodes(n *yaml.Node) map[Outcome]string {
	var names []string
	for _, o := range ErrorOutcomes() {
		names = append(names, string(o))
	}
	m := l.mapping(n, "error_codes", names)
	out := map[Outcome]string{}
	for name, v := range m {
		code := l.str(v, "error code")
		if err := checkCode(code); code != "" && err != nil {
			l.errorf(v, "error code %v", err)
		}
		out[Outcome(name)] = code
	}
	return out
}

func (l *loader) limits(n *yaml.Node) Limits {
	m := l.mapping(n, "limits", limitKeys)
	return Limits{Height: l.rng(m["height"], "height"), Weight: l.rng(m["weight"], "weight"), BMI: l.rng(m["bmi"], "bmi"), Age: l.rng(m["age"], "age")}
}

// rng reads [min, max].
func (l *loader) rng(n *yaml.Node, name string) Range {
	if n == nil {
		return Range{}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		l.errorf(n, "%s must be [min, max]", name)
		return Range{}
	}
	var r [2]float64
	for i, c := range n.Content {
		f, err := strconv.ParseFloat(c.Value, 64)
		if c.Kind != yaml.ScalarNode || (c.Tag != "!!int" && c.Tag != "!!float") || err != nil {
			l.errorf(c, "%s: %s is not a number", name, shown(c.Value))
			return Range{}
		}
		r[i] = f
	}
	if r[0] >= r[1] {
		l.errorf(n, "%s: min %g must be below max %g", name, r[0], r[1])
		return Range{}
	}
	return Range{r[0], r[1]}
}
