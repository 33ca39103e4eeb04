package main

import (
	"context"
	"fmt"
)

func runValidate(_ context.Context, std *stdio, _ []string) int {
	fmt.Fprintln(std.errOut, "wms-mock validate: not built yet")
	return exitUsage
}
