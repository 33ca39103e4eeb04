// Command wms-mock emits signed WMS webhook events, runs the conformance
// suite against a receiver, and runs the reference receiver.
//
// Run 'wms-mock help' for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, the same for every command, so that scripts and CI can tell
// a receiver that failed a check from a command line that never ran one.
const (
	exitOK    = 0 // everything passed
	exitFail  = 1 // a check failed: a spec, a delivery's answer, a scenario
	exitUsage = 2 // bad usage or setup: flags, files, secret, unreachable target
)

// stdio is what a command reads and writes, so that a command's work does
// not reach for the process's own streams and environment.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
	getenv      func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C asks the command to stop and report; once it has
	// been asked, a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	code := execute(ctx, &stdio{in: os.Stdin, out: os.Stdout, errOut: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs the command line args and returns the exit code. Each
// command reports its own results; what reaches here as an error is a
// mistake in the command line, printed as one line with a pointer to the
// command's help.
func execute(ctx context.Context, std *stdio, args []string) int {
	root := newRootCmd(std)
	root.SetArgs(longFlagsWithOneDash(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	}
	printUsageError(std.errOut, cmd.CommandPath(), err.Error())
	return exitUsage
}

// exitCode is the error a command returns once it has said all it has to
// say: execute only passes the code on.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// exited turns a command's exit code into what a cobra RunE returns.
func exited(code int) error {
	if code == exitOK {
		return nil
	}
	return exitCode(code)
}
