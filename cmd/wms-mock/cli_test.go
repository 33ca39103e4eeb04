package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTargetFlagErrorsNameTheFlag(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=s", "WMS_WEBHOOK_URL=http://127.0.0.1:1/webhook"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--timeout", "0"}, "--timeout must be positive"},
		{[]string{"conformance", "--timeout", "-1s"}, "--timeout must be positive"},
		{[]string{"load", "--timeout", "0"}, "--timeout must be positive"},
		{[]string{"run", "--retries", "-1"}, "--retries must be 0 or more"},
		// The suite and the load generator judge single deliveries.
		{[]string{"conformance", "--retries", "2"}, "unknown flag --retries"},
		{[]string{"load", "--retries", "2"}, "unknown flag --retries"},
	}
	for _, c := range cases {
		r := runBinary(t, env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestURLPasswordsAreNeverPrinted(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=s"}
	for _, args := range [][]string{
		{"run", "--url", "http://user:hunter2@127.0.0.1:1/webhook"},
		{"conformance", "--url", "ftp://user:hunter2@127.0.0.1:1/webhook"},
		{"load", "--url", "http://user:hunter2@[::1/webhook"},
	} {
		r := runBinary(t, env, "", args...)
		if r.code != 2 || strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("%v: exit %d, output %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestSetupMistakesGetOneLineThatSaysWhatToDo(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	https := strings.Replace(plain.URL, "http://", "https://", 1)
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	env := []string{"WMS_MAC_SECRET=s"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--url", https, "--sessions", "1"}, "use http://"},
		{[]string{"run", "happy-path", "--url", https}, "use http://"},
		{[]string{"run", "--url", "127.0.0.1:8080/webhook"}, "must start with http:// or https://"},
		{[]string{"receive", "--listen", "18081"}, "want host:port"},
		{[]string{"sign", "--secret-file", empty, "x"}, "is empty"},
	}
	for _, c := range cases {
		r := runBinary(t, env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestHelpWritesFlagsAsTheDocsDo(t *testing.T) {
	r := runBinary(t, nil, "", "run", "--help")
	if !strings.Contains(r.stdout, "\n  --url URL") || strings.Contains(r.stdout, "\n  -url") {
		t.Errorf("run --help:\n%s", r.stdout)
	}
}

// TestUsageErrorsAreOneLineWithAHint: a mistake in the command line is one
// line on stderr that says what to do and points to the command's help,
// never the whole usage, with exit 2.
func TestUsageErrorsAreOneLineWithAHint(t *testing.T) {
	env := []string{"WMS_MAC_SECRET=s", "WMS_WEBHOOK_URL=http://127.0.0.1:1/webhook"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"conformnce", "--url", "http://127.0.0.1:1/"}, `wms-mock: unknown command "conformnce": did you mean conformance? (see 'wms-mock --help')`},
		{[]string{"help", "lst"}, `wms-mock: unknown command "lst": did you mean list? (see 'wms-mock --help')`},
		{[]string{"run", "--sped", "1"}, "wms-mock run: unknown flag --sped: did you mean --seed? (see 'wms-mock run --help')"},
		{[]string{"load", "--concurency", "2"}, "unknown flag --concurency: did you mean --concurrency?"},
		{[]string{"run", "--timeout", "5"}, "wms-mock run: --timeout 5: add a unit, like 5s or 500ms (see 'wms-mock run --help')"},
		{[]string{"load", "--duration", "30"}, "--duration 30: add a unit, like 5s or 500ms"},
		{[]string{"run", "--start-time", "1700000000000"}, "--start-time 1700000000000 looks like milliseconds: give Unix seconds, such as 1700000000"},
		{[]string{"run", "--concurrency", "many"}, "--concurrency many: want a whole number"},
		{[]string{"run", "--url"}, "--url needs a value"},
		{[]string{"completion", "tcsh"}, `no completion script for "tcsh"`},
		// Ginkgo's flags live on the process's flag.CommandLine, which
		// wms-mock never parses.
		{[]string{"conformance", "--ginkgo.v"}, "unknown flag --ginkgo.v"},
	}
	for _, c := range cases {
		r := runBinary(t, env, "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestHelpGoesToStdout: --help, -h and 'help COMMAND' print the help on
// stdout with exit 0, the process's Ginkgo flags left out.
func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"run", "-h"}, {"run", "-help"}, {"help", "run"}} {
		r := runBinary(t, nil, "", args...)
		if r.code != exitOK || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: wms-mock run [flags] [SCENARIO...]") || strings.Contains(r.stdout, "ginkgo") {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, r.code, r.stderr, r.stdout)
		}
	}
	r := runBinary(t, nil, "", "--help")
	if r.code != exitOK || !strings.Contains(r.stdout, "\n  completion ") {
		t.Errorf("--help: exit %d, want the commands, completion among them:\n%s", r.code, r.stdout)
	}
}

// TestHelpUsageLines: the usage line promises [flags] only where there are
// some and COMMAND as the command needs it, and a flag's shorthand is
// listed beside its name, as the examples use it.
func TestHelpUsageLines(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--help"}, "Usage: wms-mock validate FILE|DIR|NAME...\n"},
		{[]string{"wms", "--help"}, "Usage: wms-mock wms [flags] [COMMAND]\n"},
		{[]string{"scenario", "--help"}, "Usage: wms-mock scenario COMMAND\n"},
		{[]string{"scenario", "from-events", "--help"}, "\n  -o, --output FILE\n"},
		{[]string{"run", "--help"}, "\n  --secret SECRET\n"},
	} {
		r := runBinary(t, nil, "", c.args...)
		if r.code != exitOK || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%v: exit %d, want %q in:\n%s", c.args, r.code, c.want, r.stdout)
		}
	}
}

// TestLongFlagsWithOneDash: command lines written for the standard
// library's flag package, which took -name as well as --name, still work.
func TestLongFlagsWithOneDash(t *testing.T) {
	r := runBinary(t, nil, "", "list", "-json")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "{") {
		t.Errorf("list -json: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runBinary(t, []string{"WMS_MAC_SECRET=s"}, "", "run", "-url", "127.0.0.1:8080/webhook", "-timeout=1s")
	if r.code != exitUsage || !strings.Contains(r.stderr, "must start with http:// or https://") {
		t.Errorf("run -url: exit %d, stderr %q", r.code, r.stderr)
	}
	// A value that looks like a flag is the flag's value all the same.
	r = runBinary(t, nil, "", "sign", "--secret", "-json", "-")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "hmac-sha256=") {
		t.Errorf("sign --secret -json: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestCompletion: 'completion bash' prints a script that asks wms-mock
// for its completions, and those are the commands, the flags, and the
// built-in scenarios for run and conformance --scenarios.
func TestCompletion(t *testing.T) {
	r := runBinary(t, nil, "", "completion", "bash")
	if r.code != exitOK || !strings.Contains(r.stdout, "bash completion V2 for wms-mock") || !strings.Contains(r.stdout, "__complete") {
		t.Fatalf("completion bash: exit %d, stderr %q, stdout starts %.200q", r.code, r.stderr, r.stdout)
	}
	if r := runBinary(t, nil, "", "completion", "zsh"); r.code != exitOK || !strings.Contains(r.stdout, "#compdef wms-mock") {
		t.Errorf("completion zsh: exit %d, stdout starts %.200q", r.code, r.stdout)
	}
	complete := func(args ...string) []string {
		r := runBinary(t, nil, "", append([]string{"__complete"}, args...)...)
		var words []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if word, _, _ := strings.Cut(l, "\t"); !strings.HasPrefix(word, ":") {
				words = append(words, word)
			}
		}
		return words
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"demo", "run", "conformance", "receive", "validate", "list", "sign", "verify", "load", "version", "completion"}},
		{[]string{"conf"}, []string{"conformance"}},
		{[]string{"run", "--st"}, []string{"--start-time"}},
		{[]string{"run", "happy"}, []string{"happy-path"}},
		{[]string{"run", "happy-path", "edge-dup"}, []string{"edge-duplicate"}},
		{[]string{"conformance", "--scenarios", "edge-dup"}, []string{"edge-duplicate"}},
		{[]string{"run", "--pace", ""}, []string{"fast", "realtime", "x10"}},
		{[]string{"list", "low"}, []string{"low-snr"}},
		{[]string{"list", ""}, []string{"happy-path", "edge-duplicate"}},
		{[]string{"validate", "happy"}, []string{"happy-path"}},
		{[]string{"run", "--session-"}, []string{"--session-seed"}},
	} {
		got := complete(c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %q: %v lacks %q", c.args, got, w)
			}
		}
	}
}
