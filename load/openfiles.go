//go:build unix

package load

import (
	"fmt"
	"syscall"
)

// OpenFileLimit returns the process's soft and hard limits on open files
// (RLIMIT_NOFILE), ok false when they cannot be read. Go raises the soft
// limit to the hard one at start, so soft is the limit in force.
func OpenFileLimit() (soft, hard uint64, ok bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, false
	}
	return uint64(rl.Cur), uint64(rl.Max), true
}

// openFilesHeadroom is what the process holds besides the connections of a
// run: standard streams, the epoll descriptor, files the CLI writes, a
// connection or two being replaced.
const openFilesHeadroom = 32

// OpenFilesWarning returns a one-line warning when concurrency connections
// would not fit in the open-file limit, empty when they fit: each request
// in flight holds a connection, and past the limit every connection that
// cannot be opened fails as FailTooManyOpenFiles. `wms-mock load` prints it
// before the run starts.
func OpenFilesWarning(concurrency int) string {
	soft, hard, ok := OpenFileLimit()
	if !ok || uint64(concurrency)+openFilesHeadroom <= soft {
		return ""
	}
	return fmt.Sprintf("--concurrency %d needs about %d open files, over this process's limit of %d (hard limit %d): connections past it will fail as %s; raise it with 'ulimit -n %d' or lower --concurrency",
		concurrency, concurrency+openFilesHeadroom, soft, hard, FailTooManyOpenFiles, concurrency+openFilesHeadroom)
}
