package main

import (
	"context"
	"fmt"
)

func runConformance(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock conformance: not built yet")
	return exitUsage
}
