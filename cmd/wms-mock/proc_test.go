package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"
)

// serverProc is a long-running command of the real binary (receive, wms)
// that has logged "msg=listening url=..."; it is killed when the test
// ends.
type serverProc struct {
	cmd    *exec.Cmd
	url    string
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr bytes.Buffer
	read   chan struct{} // closed once stderr is read to its end
}

var listening = regexp.MustCompile(`msg=listening url=(\S+)`)

// startServerProc runs the binary with args and env (besides PATH and
// HOME) and returns once it logs its URL.
func startServerProc(t *testing.T, env []string, args ...string) *serverProc {
	t.Helper()
	p := &serverProc{read: make(chan struct{})}
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.read
			p.cmd.Wait()
		}
	})
	urls := make(chan string, 1)
	go func() {
		defer close(p.read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.Write(sc.Bytes())
			p.stderr.WriteByte('\n')
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case p.url = <-urls:
	case <-p.read:
		p.cmd.Wait()
		t.Fatalf("%s exited before listening: %s", args[0], p.stderrText())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not log its URL: %s", args[0], p.stderrText())
	}
	return p
}

func (p *serverProc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop sends sig and returns the exit code, or -1 when killed by a signal.
func (p *serverProc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.read:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop within 30s of the signal")
	}
	p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode()
}
