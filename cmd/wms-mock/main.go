// Command wms-mock emits signed WMS webhook events, runs the conformance
// suite against a receiver, and runs the reference receiver.
//
// Run 'wms-mock help' for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, as DESIGN.md fixes them for scripts and CI.
const (
	exitOK    = 0 // everything passed
	exitFail  = 1 // a check failed: a spec, a delivery's answer, a scenario
	exitUsage = 2 // bad usage or setup: flags, files, secret, unreachable target
)

// stdio is what a command reads and writes, so tests can run commands
// without a process.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
	getenv      func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, std *stdio, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "run the reference receiver, every built-in journey and the conformance suite against it", runDemo},
		{"run", "emit scenarios (built-in names or YAML files) to a webhook and report each delivery", runRun},
		{"conformance", "judge a webhook receiver with the conformance suite", runConformance},
		{"receive", "run the reference receiver", runReceive},
		{"validate", "check scenario files", runValidate},
		{"list", "show the built-in scenarios and the event catalog", runList},
		{"sign", "print the " + "X-WMS-Content-MAC value for a body", runSign},
		{"verify", "check an X-WMS-Content-MAC value against a body", runVerify},
		{"load", "send many concurrent realistic sessions and report latency", runLoad},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C asks the command to stop and report; once it has
	// been asked, a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	code := dispatch(ctx, &stdio{in: os.Stdin, out: os.Stdout, errOut: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, std *stdio, args []string) int {
	if len(args) == 0 {
		usage(std.errOut)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return dispatch(ctx, std, []string{args[1], "--help"})
		}
		usage(std.out)
		return exitOK
	case "-v", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, std, args[1:])
		}
	}
	fmt.Fprintf(std.errOut, "wms-mock: unknown command %q: run 'wms-mock help' for the commands\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `wms-mock: a mock of the WMS webhook emitter and a conformance harness for
the receivers built for it.

Usage: wms-mock COMMAND [flags] [args]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Start here:
  wms-mock demo                                  everything, against the built-in receiver
  wms-mock conformance --url URL                 judge your webhook (secret from WMS_MAC_SECRET)
  wms-mock run happy-path --url URL              send one realistic session

The MAC secret comes from --secret-file FILE, the WMS_MAC_SECRET environment
variable or --secret (visible to other users in the process list); it never
appears in any output. Exit codes: 0 success, 1 a check failed, 2 usage or
setup error. 'wms-mock COMMAND --help' describes each command.
`)
}

func runVersion(_ context.Context, std *stdio, args []string) int {
	fs := newFlagSet("version", "", "Print the version.", std)
	if code, done := parse(fs, args, std); done {
		return code
	}
	fmt.Fprintf(std.out, "wms-mock %s\n", version())
	return exitOK
}
