//go:build unix

package receiver

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, so that two receivers
// never interleave lines in one events file. The kernel drops the lock when
// the process dies, even by kill -9, so a restart after a crash succeeds.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errors.New("another receiver is using it: stop that one or pick another file")
	}
	return err
}

// syncDir makes a new file's name durable: fsync on the file covers its
// contents, not the directory entry that points to it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
