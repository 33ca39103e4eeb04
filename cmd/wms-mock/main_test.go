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

// cliBinary is the real wms-mock binary, built once per test process on
// first use, so CLI tests exercise what users run.
var cliBinary binaryBuild

type binaryBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func (b *binaryBuild) get() (string, error) {
	b.once.Do(func() {
		// Not t.TempDir: the binary outlives the test that first builds
		// it; TestMain removes it.
		if b.dir, b.err = os.MkdirTemp("", "wms-mock-cli-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "wms-mock")
		if out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput(); err != nil {
			b.err = &buildError{out: string(out), err: err}
		}
	})
	return b.path, b.err
}

// remove deletes the binary, if one was built.
func (b *binaryBuild) remove() {
	b.once.Do(func() {})
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// binary returns the path of the built wms-mock binary.
func binary(t testing.TB) string {
	t.Helper()
	bin, err := cliBinary.get()
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
	cliBinary.remove()
	os.Exit(code)
}
