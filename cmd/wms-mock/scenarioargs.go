package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/scenarios"
)

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
			code = setupError(std, cmd, err)
		default:
			list = append(list, s)
		}
	}
	if code == exitFail {
		fmt.Fprintf(std.errOut, "wms-mock %s: fix the scenario files above ('wms-mock validate FILE' checks them)\n", cmd)
	}
	return list, code
}

// completeScenarios offers the built-in scenarios not already named, each
// with what it shows; with none left that fits, the shell completes file
// names, for YAML scenarios.
func completeScenarios(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, s := range scenarios.Builtin() {
		if strings.HasPrefix(s.Name, toComplete) && !slices.Contains(args, s.Name) {
			out = append(out, cobra.CompletionWithDesc(s.Name, s.Description))
		}
	}
	return out, cobra.ShellCompDirectiveDefault
}
