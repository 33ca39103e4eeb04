//go:build !linux

package load

import "syscall"

// rawSyscalls is unset outside Linux: connections are read and written
// through net.Conn alone, and trackedConn.exchange is never used.
const rawSyscalls = false

func rawWrite(fd uintptr, p []byte) (int, error) { return 0, syscall.ENOTSUP }

func rawRead(fd uintptr, p []byte) (int, error) { return 0, syscall.ENOTSUP }
