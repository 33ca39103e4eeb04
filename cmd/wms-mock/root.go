package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
)

// newRootCmd builds the command tree. Each command gets its own flag set
// from cobra, never the process's flag.CommandLine, on which Ginkgo (run
// in-process by conformance) registers flags of its own.
func newRootCmd(std *stdio) *cobra.Command {
	// The commands are listed in the order a newcomer needs them, not
	// alphabetically.
	cobra.EnableCommandSorting = false
	root := &cobra.Command{
		Use:     "wms-mock",
		Short:   "a mock of the WMS webhook emitter and a conformance harness for the receivers built for it",
		Version: emitter.Version,
		Args:    unknownCommand,
		// With no command, the overview goes to stderr with exit 2, as a
		// usage error: a script that forgot its command should not pass.
		RunE: func(cmd *cobra.Command, _ []string) error {
			printRootHelp(std.errOut, cmd)
			return exitCode(exitUsage)
		},
		SilenceErrors: true,
		SilenceUsage:  true,
		// The did-you-mean of an unknown command: within two edits, or a
		// prefix.
		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(std.out)
	root.SetErr(std.errOut)
	root.SetIn(std.in)
	root.SetVersionTemplate("wms-mock {{.Version}}\n")
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { printHelp(cmd.OutOrStdout(), cmd) })
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newDemoCmd(std),
		newRunCmd(std),
		newConformanceCmd(std),
		newReceiveCmd(std),
		newValidateCmd(std),
		newListCmd(std),
		newSignCmd(std),
		newVerifyCmd(std),
		newLoadCmd(std),
		newWMSCmd(std),
		newReplayCmd(std),
		newScenarioCmd(std),
		newVersionCmd(std),
	)
	root.SetHelpCommand(newHelpCmd())
	// Added now rather than by Execute, so that the single-dash rewrite
	// (longFlagsWithOneDash) finds them too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			adaptCompletionCmd(c)
		}
	}
	return root
}

// adaptCompletionCmd makes cobra's completion command read like the
// others, and a missing or unknown shell the usage error it is.
func adaptCompletionCmd(c *cobra.Command) {
	c.Short = "print a shell completion script (bash, zsh, fish or powershell)"
	c.Use = "completion SHELL"
	for _, shell := range c.Commands() {
		shell.Short = "print the completion script for " + shell.Name()
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return errors.New("name a shell: bash, zsh, fish or powershell")
		}
		return fmt.Errorf("no completion script for %q: name bash, zsh, fish or powershell", args[0])
	}
}

// unknownCommand is the root's argument check: anything that reaches it is
// not a command.
func unknownCommand(root *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if near := root.SuggestionsFor(args[0]); len(near) > 0 {
		msg += ": did you mean " + strings.Join(near, " or ") + "?"
	}
	return errors.New(msg)
}

// newHelpCmd replaces cobra's help command, which answers an unknown topic
// with exit 0: here it is the usage error that 'wms-mock NAME' would be.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "describe a command",
		Long: `
Describe a command: 'wms-mock help run' is 'wms-mock run --help'. With no
command, the overview of them all.`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, c := range cmd.Root().Commands() {
				if c.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			target, _, err := root.Find(args)
			if err == nil && target == root {
				err = unknownCommand(root, args)
			}
			if err != nil {
				// The mistake is in the command's name: the root's usage
				// error, as 'wms-mock NAME' would give.
				printUsageError(cmd.ErrOrStderr(), root.CommandPath(), err.Error())
				return exitCode(exitUsage)
			}
			return target.Help()
		},
	}
}

func newVersionCmd(std *stdio) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Long:  "\nPrint the version.",
		Args:  noArgs("version takes no arguments"),
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(std.out, "wms-mock %s\n", emitter.Version)
			return nil
		},
	}
}

// noArgs refuses positional arguments with why, which says what to do
// instead.
func noArgs(why string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected argument %q: %s", args[0], why)
		}
		return nil
	}
}
