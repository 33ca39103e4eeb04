package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/scenarios"
)

// validateOptions are validate's arguments.
type validateOptions struct {
	files []string // YAML files, directories of them, or built-in names
}

func newValidateCmd(std *stdio) *cobra.Command {
	o := &validateOptions{}
	return &cobra.Command{
		Use:   "validate FILE|DIR|NAME...",
		Short: "check scenario files",
		Long: `
Check scenario files without sending anything: unknown keys, misspelt
events, wrong types, bad durations, payload fields an event does not have,
events that need a measurement before MEASUREMENT_CREATED, and more. Every
problem of every file is printed as FILE:LINE:COL: message, all in one
pass: a YAML syntax error (a tab, say) does not hide the rest, and where
one makes the rest of a file unreadable, the message says so. A directory
is every .yaml and .yml file below it, in name order, hidden files and
directories left out. A built-in name (see 'wms-mock list') is checked
too, before you copy it.

  wms-mock validate qa/
  wms-mock validate scenarios/*.yaml
  wms-mock validate happy-path

Exit 0 when every file is valid, 1 when any has a problem, 2 when a file
cannot be read or a directory holds no scenario file.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name at least one scenario file, directory or built-in name")
			}
			return nil
		},
		ValidArgsFunction: completeScenarios,
		RunE: func(_ *cobra.Command, args []string) error {
			o.files = args
			return exited(runValidate(o, std))
		},
	}
}

// runValidate checks each file, each file below each directory, and each
// built-in name, and prints their problems.
func runValidate(o *validateOptions, std *stdio) int {
	code, invalid, checked := exitOK, 0, 0
	for _, arg := range o.files {
		files, err := scenarioFiles(arg)
		if err != nil {
			fmt.Fprintf(std.errOut, "wms-mock validate: %s\n", firstLine(err.Error()))
			code = exitUsage
			continue
		}
		for _, file := range files {
			checked++
			switch c := validateOne(std, file); c {
			case exitFail:
				invalid++
				code = max(code, c)
			case exitUsage:
				code = c
			}
		}
	}
	if invalid > 0 {
		fmt.Fprintf(std.out, "%d of %d files invalid\n", invalid, checked)
	}
	return code
}

// validateOne checks one file or built-in name and prints the verdict.
func validateOne(std *stdio, file string) int {
	s, err := scenarios.Find(file)
	var problems scenarios.Errors
	switch {
	case errors.As(err, &problems):
		fmt.Fprintln(std.out, problems.Error())
		return exitFail
	case err != nil:
		fmt.Fprintf(std.errOut, "wms-mock validate: %s\n", firstLine(err.Error()))
		return exitUsage
	}
	fmt.Fprintf(std.out, "%s: ok (%s: %d steps, %d deliveries over %v)\n", file, s.Name, len(s.Steps), s.Len(), s.Duration())
	return exitOK
}

// scenarioFiles is what validate checks for arg: the .yaml and .yml files
// below a directory, in name order, hidden files and directories (.git,
// .github) left out; any other argument (a file, a built-in name, a path
// to nothing) as it is, for scenarios.Find to judge.
func scenarioFiles(arg string) ([]string, error) {
	if slices.Contains(scenarios.BuiltinNames(), arg) {
		return []string{arg}, nil
	}
	if fi, err := os.Stat(arg); err != nil || !fi.IsDir() {
		return []string{arg}, nil
	}
	var files []string
	err := filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path != arg && strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return filepath.SkipDir
			}
		case !d.IsDir() && isYAML(d.Name()):
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			return nil, fmt.Errorf("cannot read %s: %v", pe.Path, pe.Err)
		}
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no .yaml or .yml file (hidden files and directories are left out)", arg)
	}
	return files, nil
}

// isYAML reports whether a file's name says it holds YAML.
func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}
