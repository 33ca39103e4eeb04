package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wmsmock/wms-mock/emitter"
	"github.com/wmsmock/wms-mock/scenarios"
)

// listOptions are list's flags.
type listOptions struct {
	json bool
}

func newListCmd(std *stdio) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "show the built-in scenarios and the event catalog",
		Long: `
Show the built-in scenarios (name, tags, what the session shows) and the
event catalog: the 21 events WMS documents, each with its fixed severity
and payload fields. Scenarios tagged journey are realistic and fault-free
('wms-mock run' plays them all); those tagged edge carry delivery faults.

In the catalog, "?" marks a field sent only once the measurement exists,
and "*" a key that wms-mock names because the vendor documents the value
but not its key. --json adds each field's type and either its closed list
of values or the examples the generator draws from (any string may be sent).

  wms-mock list
  wms-mock list --json | jq -r '.scenarios[].name'`,
		Args:              noArgs("list takes flags only"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(*cobra.Command, []string) error {
			return exited(runList(o, std))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// runList prints the scenarios and the catalog, as text or JSON.
func runList(o *listOptions, std *stdio) int {
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
