package load

import (
	"syscall"
	"unsafe"
)

// rawSyscalls is set where rawWrite and rawRead exist, and so
// trackedConn.exchange: Linux.
const rawSyscalls = true

// rawWrite writes p on the socket fd with a raw system call, one that does
// not tell the Go scheduler it is in a system call. Measured on a 2-core
// machine (perf, `wms-mock load` at concurrency 64 against bench/minrecv):
// with syscall.Write, whose entersyscall wakes the scheduler's monitor
// thread (sysmon) when the process was idle, that thread and its sleeps
// took 8% of the generator's CPU, and syscall.RawSyscall cut about 1µs of
// its 8µs per event. It is safe here because Go's sockets are
// non-blocking: the call returns at once, EAGAIN when the socket cannot
// take the bytes, so it never holds a thread waiting.
func rawWrite(fd uintptr, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawRead reads into p from the socket fd, as rawWrite writes: at once,
// EAGAIN when nothing has arrived.
func rawRead(fd uintptr, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
