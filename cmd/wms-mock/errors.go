package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wmsmock/wms-mock/internal/suggest"
)

// flagError rewrites pflag's parse errors into what to do: the flag that
// does not exist with the one that was probably meant, the flag that
// needs a value, the value that does not parse and why. execute prints
// the result as the command's usage error.
func flagError(cmd *cobra.Command, err error) error {
	if !cmd.HasParent() && cmd.Flags().NArg() > 0 {
		// 'wms-mock conformnce --url URL': the root has no --url, but
		// the mistake is the command's name.
		return unknownCommand(cmd, cmd.Flags().Args())
	}
	var (
		unknown  *pflag.NotExistError
		needs    *pflag.ValueRequiredError
		badValue *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &unknown):
		name := unknown.GetSpecifiedName()
		if unknown.GetSpecifiedShortnames() != "" {
			return fmt.Errorf("unknown flag -%s", unknown.GetSpecifiedShortnames())
		}
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if near := suggest.Closest(name, names); near != "" {
			return fmt.Errorf("unknown flag --%s: did you mean --%s?", name, near)
		}
		return fmt.Errorf("unknown flag --%s", name)
	case errors.As(err, &needs):
		return fmt.Errorf("--%s needs a value", needs.GetFlag().Name)
	case errors.As(err, &badValue):
		f := badValue.GetFlag()
		return fmt.Errorf("--%s %s: %s", f.Name, badValue.GetValue(), whyInvalid(f, errors.Unwrap(badValue)))
	}
	return err
}

// whyInvalid says what a flag's value should have been. The flag types of
// wms-mock's own (durations) explain themselves; strconv's errors do not.
func whyInvalid(f *pflag.Flag, cause error) string {
	if _, ours := f.Value.(*durationValue); ours {
		return cause.Error()
	}
	switch f.Value.Type() {
	case "int", "int64":
		return "want a whole number"
	case "uint", "uint64":
		return "want a whole number, 0 or more"
	case "float64":
		return "want a number, such as 50 or 0.5"
	case "bool":
		return "want true or false (or the flag alone)"
	}
	return cause.Error()
}

// printUsageError prints a mistake in the command line as one line that
// points to the command's help; path is the command's, "wms-mock run".
func printUsageError(w io.Writer, path, msg string) {
	fmt.Fprintf(w, "%s: %s (see '%s --help')\n", path, firstLine(msg), path)
}

// setupError prints a one-line setup error (a file, the secret, the
// target) and returns exitUsage. Unlike a usage error it points to no
// help: the command line was right, the world around it was not.
func setupError(std *stdio, cmd string, err error) int {
	fmt.Fprintf(std.errOut, "wms-mock %s: %s\n", cmd, firstLine(err.Error()))
	return exitUsage
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
