package wmstest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps what a function under test reports
// instead of failing the real test: Errorf and Logf are recorded, and
// Fatalf is recorded and then ends the goroutine, as the real one does.
// Everything else (Helper, Context, Cleanup, ...) is the real test's.
type recorder struct {
	testing.TB

	mu     sync.Mutex
	errors []string
	fatals []string
	logs   []string
}

func (r *recorder) Errorf(format string, a ...any) { r.add(&r.errors, format, a) }
func (r *recorder) Logf(format string, a ...any)   { r.add(&r.logs, format, a) }

func (r *recorder) Fatalf(format string, a ...any) {
	r.add(&r.fatals, format, a)
	runtime.Goexit()
}

func (r *recorder) add(to *[]string, format string, a []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*to = append(*to, fmt.Sprintf(format, a...))
}

// failures is every Errorf and Fatalf, in one text.
func (r *recorder) failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(append(append([]string(nil), r.fatals...), r.errors...), "\n")
}

func (r *recorder) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors)+len(r.fatals) > 0
}

// capture runs f with a recorder on a goroutine of its own, since Fatalf
// ends the goroutine that calls it, and returns the recorder once f has
// returned or stopped.
func capture(t *testing.T, f func(tb testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}
