package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/scenarios"
)

// validateOptions are validate's arguments.
type validateOptions struct {
	files []string // YAML files or built-in names
}

func newValidateCmd(std *stdio) *cobra.Command {
	o := &validateOptions{}
	return &cobra.Command{
		Use:   "validate FILE|NAME...",
		Short: "check scenario files",
		Long: `
Check scenario files without sending anything: unknown keys, misspelt
events, wrong types, bad durations, payload fields an event does not have,
events that need a measurement before MEASUREMENT_CREATED, and more. Every
problem of every file is printed as FILE:LINE:COL: message. A built-in
name (see 'wms-mock list') is checked too, before you copy it.

  wms-mock validate scenarios/*.yaml
  wms-mock validate happy-path

Exit 0 when every file is valid, 1 when any has a problem, 2 when a file
cannot be read.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name at least one scenario file or built-in name")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.files = args
			return exited(runValidate(o, std))
		},
	}
}

// runValidate checks each file or built-in name and prints its problems.
func runValidate(o *validateOptions, std *stdio) int {
	code, invalid := exitOK, 0
	for _, file := range o.files {
		s, err := scenarios.Find(file)
		var problems scenarios.Errors
		switch {
		case errors.As(err, &problems):
			fmt.Fprintln(std.out, problems.Error())
			invalid++
			code = max(code, exitFail)
		case err != nil:
			fmt.Fprintf(std.errOut, "wms-mock validate: %s\n", firstLine(err.Error()))
			code = exitUsage
		default:
			fmt.Fprintf(std.out, "%s: ok (%s: %d steps, %d deliveries over %v)\n", file, s.Name, len(s.Steps), s.Len(), s.Duration())
		}
	}
	if invalid > 0 {
		fmt.Fprintf(std.out, "%d of %d files invalid\n", invalid, len(o.files))
	}
	return code
}
