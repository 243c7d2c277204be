package social_test

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPU is the CPU time the calling OS thread has used, from
// CLOCK_THREAD_CPUTIME_ID (precise, unlike getrusage's ticks); lock the
// goroutine to its thread around a measurement. On a shared machine it
// tells a request's own cost from the time it waited for a core.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
