package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// builtBinary builds the real wms-mock binary once per test process, so CLI
// tests exercise what users run.
var builtBinary = sync.OnceValues(func() (string, error) {
	// Not t.TempDir: the binary outlives the test that first builds it;
	// TestMain removes it.
	dir, err := os.MkdirTemp("", "wms-mock-cli-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "wms-mock")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// binary returns the path of the built wms-mock binary.
func binary(t testing.TB) string {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatalf("build wms-mock: %v", err)
	}
	return bin
}

// cliResult is what one run of the binary printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runBinary runs wms-mock with args and env (added to a minimal
// environment), bounded by a minute so a hang fails instead of stalling.
func runBinary(t testing.TB, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run wms-mock %v: %v", args, err)
		}
		code = exitErr.ExitCode()
	}
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := builtBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}
