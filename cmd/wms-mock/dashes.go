package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// longFlagsWithOneDash rewrites -name to --name, so that command lines
// written for the standard library's flag package, which took long flags
// with one dash or two, keep working: 'wms-mock run -url URL'. pflag
// would read -url as the shorthands -u -r -l, and wms-mock defines no
// shorthand but -h, -v and from-events' -o. Arguments after "--", values of flags, and the
// words of a shell-completion request are left as they are.
func longFlagsWithOneDash(root *cobra.Command, args []string) []string {
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		return args
	}
	cmd, _, err := root.Find(args)
	if err != nil || cmd.DisableFlagParsing {
		return args
	}
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	flags := cmd.Flags()
	out := slices.Clone(args)
	for i := 0; i < len(out); i++ {
		arg := out[i]
		if arg == "--" {
			break
		}
		var name string
		switch {
		case strings.HasPrefix(arg, "--"):
			name = arg[2:]
		case len(arg) > 2 && arg[0] == '-' && isLetter(arg[1]):
			// Unknown names are rewritten too, so that the error names
			// --name, with a did-you-mean, rather than a shorthand.
			out[i] = "-" + arg
			name = arg[1:]
		default:
			continue
		}
		name, _, hasValue := strings.Cut(name, "=")
		if f := flags.Lookup(name); f != nil && !hasValue && takesValue(f) {
			i++ // the flag's value, whatever it looks like
		}
	}
	return out
}

// takesValue reports whether f reads the next argument as its value.
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
