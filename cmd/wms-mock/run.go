package main

import (
	"context"
	"fmt"
)

func runRun(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock run: not built yet")
	return exitUsage
}
