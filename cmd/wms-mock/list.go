package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// listOptions are list's flags and argument.
type listOptions struct {
	json bool
	name string // a built-in scenario whose YAML to print; "" lists them all
}

func newListCmd(std *stdio) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list [NAME]",
		Short: "show the built-in scenarios and the event catalog, or one scenario's YAML",
		Long: `
Show the built-in scenarios (name, tags, what the session shows) and the
event catalog: the 21 events WMS documents, each with its fixed severity
and payload fields. Scenarios tagged journey are realistic and fault-free
('wms-mock run' plays them all); those tagged edge carry delivery faults.

With NAME, print that built-in scenario's YAML exactly as the binary
holds it, to copy and change: 'wms-mock list low-snr > my-case.yaml'.

In the catalog, "?" marks a field sent only once the measurement exists,
and "*" a key that wms-mock names because the vendor documents the value
but not its key. --json adds each field's type and either its closed list
of values or the examples the generator draws from (any string may be sent).

  wms-mock list
  wms-mock list happy-path
  wms-mock list --json | jq -r '.scenarios[].name'`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return fmt.Errorf("unexpected argument %q: list prints one scenario at a time", args[1])
			case len(args) == 1 && o.json:
				return errors.New("--json lists every scenario: leave out NAME, or drop --json to print NAME's YAML")
			}
			return nil
		},
		// 'wms-mock show NAME' is what many would type first.
		SuggestFor:        []string{"show", "cat"},
		ValidArgsFunction: completeBuiltinName,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.name = args[0]
			}
			return exited(runList(o, std))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// runList prints the scenarios and the catalog, as text or JSON, or the
// YAML of the one named.
func runList(o *listOptions, std *stdio) int {
	if o.name != "" {
		data, err := scenarios.BuiltinSource(o.name)
		if err != nil {
			return setupError(std, "list", err)
		}
		std.out.Write(data)
		return exitOK
	}
	if o.json {
		return listJSON(std)
	}
	listText(std)
	return exitOK
}

// listJSON prints the scenarios and the catalog for programs: each
// field's type and its values or examples too.
func listJSON(std *stdio) int {
	type field struct {
		Name         string   `json:"name"`
		Type         string   `json:"type"`
		IfCreated    bool     `json:"ifCreated,omitempty"`
		Values       []string `json:"values,omitempty"`
		Examples     []string `json:"examples,omitempty"`
		Undocumented bool     `json:"undocumented,omitempty"`
	}
	type event struct {
		Name        string  `json:"name"`
		Severity    string  `json:"severity"`
		Payload     []field `json:"payload,omitempty"`
		Description string  `json:"description"`
	}
	type scenario struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
		Deliveries  int      `json:"deliveries"`
		DurationMS  int64    `json:"duration_ms"`
	}
	out := struct {
		Scenarios []scenario `json:"scenarios"`
		Events    []event    `json:"events"`
	}{}
	for _, s := range scenarios.Builtin() {
		out.Scenarios = append(out.Scenarios, scenario{s.Name, s.Description, s.Tags, s.Len(), s.Duration().Milliseconds()})
	}
	for _, e := range emitter.Events() {
		ev := event{Name: e.Name, Severity: string(e.Severity), Description: e.Description}
		for _, f := range e.Fields {
			ev.Payload = append(ev.Payload, field{f.Name, f.Kind.String(), f.Presence == emitter.IfCreated, f.Values, f.Examples, f.Undocumented})
		}
		out.Events = append(out.Events, ev)
	}
	enc := json.NewEncoder(std.out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return setupError(std, "list", err)
	}
	return exitOK
}

// listText prints the scenarios and the catalog as two aligned tables.
func listText(std *stdio) {
	events := emitter.Events()
	builtin := scenarios.Builtin()
	tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Scenarios (%d):\n", len(builtin))
	for _, s := range builtin {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, strings.Join(s.Tags, ","), s.Description)
	}
	fmt.Fprintf(tw, "\nEvents (%d):\n", len(events))
	for _, e := range events {
		var fields []string
		for _, f := range e.Fields {
			name := f.Name
			if f.Presence == emitter.IfCreated {
				name += "?"
			}
			if f.Undocumented {
				name += "*"
			}
			fields = append(fields, name)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Name, e.Severity, strings.Join(fields, ", "), e.Description)
	}
	tw.Flush()
}

// completeBuiltinName offers the built-in scenarios, each with what it
// shows, for list's one argument.
func completeBuiltinName(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, s := range scenarios.Builtin() {
		if strings.HasPrefix(s.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(s.Name, s.Description))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
