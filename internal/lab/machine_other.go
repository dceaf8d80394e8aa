//go:build !linux

package lab

// machineTicks is not measured on this system.
func machineTicks() (busy, total uint64, ok bool) { return 0, 0, false }
