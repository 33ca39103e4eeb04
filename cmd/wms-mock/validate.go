package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/wmsmock/wms-mock/scenarios"
)

func runValidate(_ context.Context, std *stdio, args []string) int {
	fs := newFlagSet("validate", "FILE|NAME...", `
Check scenario files without sending anything: unknown keys, misspelt
events, wrong types, bad durations, payload fields an event does not have,
events that need a measurement before MEASUREMENT_CREATED, and more. Every
problem of every file is printed as FILE:LINE:COL: message. A built-in
name (see 'wms-mock list') is checked too, before you copy it.

  wms-mock validate scenarios/*.yaml
  wms-mock validate happy-path

Exit 0 when every file is valid, 1 when any has a problem, 2 when a file
cannot be read.`, std)
	if code, done := parse(fs, args, std); done {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(std, "validate", "name at least one scenario file or built-in name")
	}
	code, invalid := exitOK, 0
	for _, file := range fs.Args() {
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
		fmt.Fprintf(std.out, "%d of %d files invalid\n", invalid, fs.NArg())
	}
	return code
}
