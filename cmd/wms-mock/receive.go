package main

import (
	"context"
	"fmt"
)

func runReceive(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock receive: not built yet")
	return exitUsage
}
