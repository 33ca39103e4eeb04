package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

func version() string { return emitter.Version }

// flagSet is a command's flags with the help text around them.
type flagSet struct {
	*flag.FlagSet
	name     string
	argsHelp string
	about    string
}

// newFlagSet returns a FlagSet for one command. Each command has its own
// set: Ginkgo registers its flags on flag.CommandLine, which wms-mock never
// parses.
func newFlagSet(name, argsHelp, about string, std *stdio) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), name: name, argsHelp: argsHelp, about: about}
	// The flag package's own messages are replaced by usageError's one line.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func (fs *flagSet) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: wms-mock %s [flags]", fs.name)
	if fs.argsHelp != "" {
		fmt.Fprintf(w, " %s", fs.argsHelp)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(fs.about))
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nFlags:\n")
		// The flag package prints -name; wms-mock's docs write --name,
		// which it accepts as well.
		var flags strings.Builder
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprint(w, strings.ReplaceAll("\n"+flags.String(), "\n  -", "\n  --")[1:])
	}
}

// parse parses args, allowing flags after positional arguments
// ('wms-mock run happy-path --url ...'). It reports done with an exit code
// when the command should stop: after --help, or on a usage error.
func parse(fs *flagSet, args []string, std *stdio) (code int, done bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printHelp(std.out)
				return exitOK, true
			}
			return usageError(std, fs.name, "%v", firstLine(err.Error())), true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Re-parse the positional arguments alone so fs.Args returns them.
	_ = fs.Parse(append([]string{"--"}, positional...))
	return 0, false
}

// usageError prints a one-line usage error and returns exitUsage.
func usageError(std *stdio, cmd, format string, a ...any) int {
	fmt.Fprintf(std.errOut, "wms-mock %s: %s (see 'wms-mock %s --help')\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitUsage
}

// setupError prints a one-line setup error and returns exitUsage.
func setupError(std *stdio, cmd string, err error) int {
	fmt.Fprintf(std.errOut, "wms-mock %s: %s\n", cmd, firstLine(err.Error()))
	return exitUsage
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// secretFlags holds the ways a command can be given the MAC secret.
type secretFlags struct {
	value string
	file  string
}

func addSecretFlags(fs *flagSet) *secretFlags {
	s := &secretFlags{}
	fs.StringVar(&s.value, "secret", "", "MAC secret of the Config ID (default $WMS_MAC_SECRET; prefer --secret-file or the variable: a flag shows in the process list)")
	fs.StringVar(&s.file, "secret-file", "", "read the MAC secret from `FILE` (one line; a trailing newline is ignored)")
	return s
}

// signer resolves the secret: --secret-file, then --secret, then
// WMS_MAC_SECRET. Errors never quote the secret.
func (s *secretFlags) signer(std *stdio) (*emitter.Signer, error) {
	secret := s.value
	switch {
	case s.file != "":
		if s.value != "" {
			return nil, errors.New("give the secret once: --secret or --secret-file, not both")
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			return nil, fmt.Errorf("cannot read the secret file: %w", err)
		}
		secret = strings.TrimRight(string(b), "\r\n")
		if secret == "" {
			return nil, fmt.Errorf("the secret file %s is empty: put the Config ID's MAC secret in it", s.file)
		}
	case secret == "":
		secret = std.getenv("WMS_MAC_SECRET")
	}
	if secret == "" {
		return nil, emitter.ErrEmptySecret
	}
	return emitter.NewSigner([]byte(secret))
}

// targetFlags are the flags of commands that deliver to a webhook.
type targetFlags struct {
	url      string
	timeout  time.Duration
	caCert   string
	insecure bool
	retries  int
}

func addTargetFlags(fs *flagSet) *targetFlags {
	t := &targetFlags{}
	fs.StringVar(&t.url, "url", "", "webhook `URL` to deliver to (default $WMS_WEBHOOK_URL)")
	fs.DurationVar(&t.timeout, "timeout", emitter.DefaultTimeout, "deadline of each delivery")
	fs.StringVar(&t.caCert, "ca-cert", "", "trust the PEM certificates in `FILE` as well as the system roots")
	fs.BoolVar(&t.insecure, "insecure", false, "skip TLS certificate checks (self-signed staging endpoints only)")
	return t
}

// addRetries adds --retries, for the commands where a retry means what it
// would in production; the suite and the load generator judge single
// deliveries.
func (t *targetFlags) addRetries(fs *flagSet) {
	fs.IntVar(&t.retries, "retries", 0, "retry a failed delivery up to `N` times with exponential backoff (WMS documents no retries)")
}

// validate checks the values of the target flags, so that a bad one is a
// usage error that names the flag.
func (t *targetFlags) validate() error {
	if t.timeout <= 0 {
		return fmt.Errorf("--timeout must be positive, got %v", t.timeout)
	}
	if t.retries < 0 {
		return fmt.Errorf("--retries must be 0 or more, got %d", t.retries)
	}
	return nil
}

// client builds the delivery client; maxConns sizes its connection pool.
func (t *targetFlags) client(std *stdio, maxConns int) (*emitter.Client, error) {
	u := t.url
	if u == "" {
		u = std.getenv("WMS_WEBHOOK_URL")
	}
	opts := []emitter.Option{emitter.WithTimeout(t.timeout), emitter.WithMaxConns(maxConns)}
	if t.caCert != "" {
		opts = append(opts, emitter.WithCACert(t.caCert))
	}
	if t.insecure {
		opts = append(opts, emitter.WithInsecureTLS())
	}
	if t.retries > 0 {
		opts = append(opts, emitter.WithRetry(emitter.Retry{Max: t.retries}))
	}
	return emitter.NewClient(u, opts...)
}

// isTerminal reports whether w is a terminal, where a live progress line
// helps; in a pipe or a CI log it would only be noise.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// findScenarios finds each argument as a built-in name or a YAML file.
// Invalid files are a failed check (exit 1) with every problem shown; an
// unknown name or an unreadable file is a usage error (exit 2).
func findScenarios(std *stdio, cmd string, args []string) ([]*scenarios.Scenario, int) {
	var list []*scenarios.Scenario
	code := exitOK
	for _, a := range args {
		s, err := scenarios.Find(a)
		var problems scenarios.Errors
		switch {
		case errors.As(err, &problems):
			fmt.Fprintln(std.errOut, problems.Error())
			code = max(code, exitFail)
		case err != nil:
			fmt.Fprintf(std.errOut, "wms-mock %s: %s\n", cmd, firstLine(err.Error()))
			code = exitUsage
		default:
			list = append(list, s)
		}
	}
	if code == exitFail {
		fmt.Fprintf(std.errOut, "wms-mock %s: fix the scenario files above ('wms-mock validate FILE' checks them)\n", cmd)
	}
	return list, code
}

// printCounts prints one "name  count" line per key, sorted and aligned.
func printCounts(w io.Writer, indent string, counts map[string]int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(tw, "%s%s\t%d\n", indent, name, counts[name])
	}
	tw.Flush()
}

// noConnection reports whether a failure means that no receiver could be
// talked to at all: nobody listens, the host has no address, the host
// never took the connection (a firewall), or TLS failed. Trying the next
// delivery would only fail the same way.
func noConnection(c emitter.FailureClass) bool {
	switch c {
	case emitter.FailRefused, emitter.FailDNS, emitter.FailConnect, emitter.FailTLS:
		return true
	}
	return false
}
