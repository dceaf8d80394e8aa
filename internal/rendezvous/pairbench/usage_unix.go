//go:build unix

package pairbench

import (
	"runtime"
	"syscall"
	"time"
)

// usage returns the CPU time of this process and its peak resident size
// in bytes.
func usage() (time.Duration, int64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rss := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" {
		rss *= 1024 // kilobytes elsewhere, bytes on darwin
	}
	return cpu, rss
}
