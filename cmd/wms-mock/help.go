package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// printHelp writes a command's help: its usage line, its long text (which
// teaches, with examples), its subcommands if any, and its flags, each
// flag's text under its name, as wms-mock's help has always read.
func printHelp(w io.Writer, cmd *cobra.Command) {
	if !cmd.HasParent() {
		printRootHelp(w, cmd)
		return
	}
	_, args, hasArgs := strings.Cut(cmd.Use, " ")
	if !hasArgs && cmd.HasAvailableSubCommands() {
		args, hasArgs = "COMMAND", true
	}
	fmt.Fprintf(w, "Usage: %s", cmd.CommandPath())
	if hasFlags(cmd.Flags()) {
		fmt.Fprint(w, " [flags]")
	}
	if hasArgs {
		fmt.Fprintf(w, " %s", args)
	}
	about := strings.TrimSpace(cmd.Long)
	if about == "" {
		about = cmd.Short
	}
	fmt.Fprintf(w, "\n\n%s\n", about)
	if cmd.HasAvailableSubCommands() {
		fmt.Fprint(w, "\nCommands:\n")
		printCommands(w, cmd)
	}
	printFlags(w, cmd.Flags())
}

// printRootHelp writes the overview: what wms-mock is, its commands, where
// to start, and what holds for every command.
func printRootHelp(w io.Writer, root *cobra.Command) {
	fmt.Fprint(w, `wms-mock: a mock of the WMS webhook emitter and a conformance harness for
the receivers built for it.

Usage: wms-mock COMMAND [flags] [args]

Commands:
`)
	printCommands(w, root)
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

// printCommands lists cmd's commands with their summaries; 'help' goes
// without saying.
func printCommands(w io.Writer, cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" {
			fmt.Fprintf(w, "  %-12s %s\n", c.Name(), c.Short)
		}
	}
}

// printFlags lists the flags as the standard library's flag package does
// (the name and its value's placeholder on one line, the text indented on
// the next, the default when it is not the zero value), with the two
// dashes that wms-mock's docs write.
func printFlags(w io.Writer, flags *pflag.FlagSet) {
	var b strings.Builder
	flags.VisitAll(func(f *pflag.Flag) {
		if !listed(f) {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		b.WriteString("  ")
		if f.Shorthand != "" {
			fmt.Fprintf(&b, "-%s, ", f.Shorthand)
		}
		fmt.Fprintf(&b, "--%s", f.Name)
		if name != "" {
			fmt.Fprintf(&b, " %s", name)
		}
		fmt.Fprintf(&b, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch {
		case isZeroDefault(f):
		case f.Value.Type() == "string":
			fmt.Fprintf(&b, " (default %q)", f.DefValue)
		default:
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteByte('\n')
	})
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}

// isZeroDefault reports whether f's default is its type's zero value,
// which goes without saying.
func isZeroDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
		return true
	}
	return false
}

// listed reports whether f appears in the help: --help goes without
// saying.
func listed(f *pflag.Flag) bool { return !f.Hidden && f.Name != "help" }

// hasFlags reports whether any flag is listed, so that the usage line
// promises [flags] only to a command that has some.
func hasFlags(flags *pflag.FlagSet) bool {
	found := false
	flags.VisitAll(func(f *pflag.Flag) { found = found || listed(f) })
	return found
}
