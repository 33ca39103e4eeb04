package wms

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmsmock/wms-mock/internal/testkit"
	"github.com/wmsmock/wms-mock/scenarios"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig("testdata/config.yaml", env(map[string]string{"STAGING_WMS_MAC_SECRET": "staging secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.IDs) != 2 || cfg.IDs[0].ID != "AbC123xYz89" || cfg.IDs[1].ID != "QrS456tUv01" {
		t.Fatalf("IDs: %+v", cfg.IDs)
	}
	a, b := cfg.IDs[0], cfg.IDs[1]
	body := []byte(`{"probe":1}`)
	if a.Signer.MAC(body) != testkit.Signer(t).MAC(body) || b.Signer.MAC(body) != testkit.Signer(t, "staging secret").MAC(body) {
		t.Error("the secrets were not read from secret_file and secret_env")
	}
	if a.Scenario != "happy-path" || b.Scenario != "low-snr" || b.SettingsURL != "https://staging.example.com/api/settings" || b.Callback != "https://staging.example.com/wms/done?from=mock" {
		t.Errorf("settings: %+v %+v", a, b)
	}
	if cfg.ErrorCodes[OutcomeLowSNR] != "SNR_TOO_LOW" || cfg.Limits.Height != (Range{90, 240}) || cfg.Limits.BMI != (Range{12, 60}) || cfg.Limits.Weight != (Range{}) {
		t.Errorf("codes %v limits %+v", cfg.ErrorCodes, cfg.Limits)
	}
	if l := cfg.Limits.withDefaults(); l.Weight != DefaultLimits.Weight || l.Height != (Range{90, 240}) {
		t.Errorf("defaults: %+v", l)
	}
	srv, err := New(cfg, WithKey(mockKey()))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

func TestLoadConfigErrors(t *testing.T) {
	golden, err := os.ReadFile("testdata/bad.golden")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig("testdata/bad.yaml", env(nil))
	var errs scenarios.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("%v: want scenarios.Errors", err)
	}
	if got := err.Error() + "\n"; got != string(golden) {
		t.Errorf("errors:\n%s\nwant:\n%s", got, golden)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("an error shows the inline secret")
	}
}

func TestParseConfigErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty-secret"), []byte("\n"), 0o600)
	ok := "configs:\n  X:\n    callback: http://a/cb\n    webhook: http://a/wh\n    secret_env: S\n"
	cases := map[string]struct{ yaml, want string }{
		"empty":          {"", "c.yaml:1:1: the file is empty"},
		"no configs":     {"limits: {}\n", "c.yaml:1:1: no configs"},
		"tab":            {"configs:\n\tX: {}\n", "c.yaml:2:1: YAML syntax"},
		"list":           {"configs: [a, b]\n", "c.yaml:1:10: configs must map each Config ID"},
		"duplicate ID":   {ok + "  X:\n    callback: http://a/cb\n", `c.yaml:6:3: Config ID "X" is given twice`},
		"slash in ID":    {"configs:\n  a/b:\n    callback: http://a\n", `c.yaml:2:3: Config ID "a/b" must be a non-empty path segment`},
		"duplicate key":  {ok + "    webhook: http://b\n", `c.yaml:6:5: "webhook" is given twice`},
		"both secrets":   {ok + "    secret_file: f\n", "give the secret once"},
		"empty file":     {"configs:\n  X:\n    callback: http://a/cb\n    webhook: http://a/wh\n    secret_file: " + filepath.Join(dir, "empty-secret") + "\n", "is empty"},
		"missing file":   {"configs:\n  X:\n    callback: http://a/cb\n    webhook: http://a/wh\n    secret_file: nowhere.txt\n", "c.yaml:5:18: secret_file: cannot read nowhere.txt"},
		"unknown code":   {ok + "error_codes:\n  low_snr: X\n", `c.yaml:7:3: unknown key "low_snr" in error_codes: did you mean low-snr?`},
		"bad code":       {ok + "error_codes:\n  low-snr: a b\n", `c.yaml:7:12: error code "a b": use letters`},
		"number string":  {ok + "    scenario: 42\n", "c.yaml:6:15: scenario must be a non-empty string"},
		"encrypt no key": {ok + "    encrypt_results: true\n", "c.yaml:2:3: encrypt_results and two_way need the customer's public key"},
		"bad key file":   {ok + "    customer_key: " + filepath.Join(dir, "empty-secret") + "\n", "customer_key: " + filepath.Join(dir, "empty-secret") + ": not an RSA key"},
		"range":          {ok + "limits:\n  bmi: 20\n", "c.yaml:7:8: bmi must be [min, max]"},
	}
	for name, c := range cases {
		_, err := ParseConfig("c.yaml", []byte(c.yaml), env(map[string]string{"S": "secret"}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	if _, err := ParseConfig("c.yaml", []byte(ok), env(map[string]string{"S": "secret"})); err != nil {
		t.Errorf("a minimal file: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	s := testkit.Signer(t)
	good := ConfigID{ID: "X", Callback: "http://a/cb", Webhook: "http://a/wh", Signer: s}
	with := func(f func(*ConfigID)) Config {
		c := good
		f(&c)
		return Config{IDs: []ConfigID{c}}
	}
	cases := map[string]struct {
		cfg  Config
		opts []Option
		want string
	}{
		"no IDs":           {Config{}, nil, "no Config ID to serve"},
		"twice":            {Config{IDs: []ConfigID{good, good}}, nil, `Config ID "X" is given twice`},
		"no callback":      {with(func(c *ConfigID) { c.Callback = "" }), nil, "no callback URL"},
		"relative":         {with(func(c *ConfigID) { c.Callback = "/cb" }), nil, "want an absolute http://"},
		"no secret":        {with(func(c *ConfigID) { c.Signer = nil }), nil, "has no MAC secret: set WMS_MAC_SECRET"},
		"bad webhook":      {with(func(c *ConfigID) { c.Webhook = "nope" }), nil, "webhook:"},
		"scenario typo":    {with(func(c *ConfigID) { c.Scenario = "hapy-path" }), nil, "did you mean happy-path"},
		"encrypt, no key":  {with(func(c *ConfigID) { c.EncryptResults = true }), nil, "need the customer's public key"},
		"outcome typo":     {Config{IDs: good.list(), ErrorCodes: map[Outcome]string{"low_snr": "X"}}, nil, "did you mean low-snr"},
		"timeout":          {Config{IDs: good.list()}, []Option{WithDeliveryTimeout(0)}, "timeout must be positive"},
		"sessions":         {Config{IDs: good.list()}, []Option{WithMaxSessions(-1)}, "session cap must be positive"},
		"scenario file":    {Config{IDs: good.list()}, []Option{WithScenarioFiles("nowhere.yaml")}, "--scenarios:"},
		"from a file line": {Config{IDs: []ConfigID{{ID: "X", at: "c.yaml:2:3"}}}, nil, `c.yaml:2:3: Config ID "X": no callback`},
	}
	for name, c := range cases {
		srv, err := New(c.cfg, append([]Option{WithKey(mockKey())}, c.opts...)...)
		if err == nil {
			srv.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), testkit.Secret) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func (c ConfigID) list() []ConfigID { return []ConfigID{c} }
