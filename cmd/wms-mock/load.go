package main

import (
	"context"
	"fmt"
)

func runLoad(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock load: not built yet")
	return exitUsage
}
