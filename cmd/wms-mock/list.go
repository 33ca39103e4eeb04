package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/wmsmock/wms-mock/emitter"
)

func runList(_ context.Context, std *stdio, args []string) int {
	fs := newFlagSet("list", "", `
Show the event catalog: the 21 events WMS documents, each with its fixed
severity and payload fields ("?" marks a field sent only once the measurement
exists).`, std)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, done := parse(fs, args, std); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(std, "list", "takes no arguments")
	}
	events := emitter.Events()
	if *asJSON {
		type field struct {
			Name      string   `json:"name"`
			Type      string   `json:"type"`
			IfCreated bool     `json:"ifCreated,omitempty"`
			Values    []string `json:"values,omitempty"`
		}
		type event struct {
			Name        string  `json:"name"`
			Severity    string  `json:"severity"`
			Payload     []field `json:"payload,omitempty"`
			Description string  `json:"description"`
		}
		out := struct {
			Events []event `json:"events"`
		}{}
		for _, e := range events {
			ev := event{Name: e.Name, Severity: string(e.Severity), Description: e.Description}
			for _, f := range e.Fields {
				ev.Payload = append(ev.Payload, field{f.Name, f.Kind.String(), f.Presence == emitter.IfCreated, f.Values})
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
	fmt.Fprintf(std.out, "Events (%d):\n", len(events))
	tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
	for _, e := range events {
		var fields []string
		for _, f := range e.Fields {
			name := f.Name
			if f.Presence == emitter.IfCreated {
				name += "?"
			}
			fields = append(fields, name)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Name, e.Severity, strings.Join(fields, ", "), e.Description)
	}
	tw.Flush()
	return exitOK
}
