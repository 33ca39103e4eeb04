package main

import (
	"context"
	"fmt"
)

func runDemo(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock demo: not built yet")
	return exitUsage
}
