//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package node

import "syscall"

// reuse is unavailable here: outgoing connections use ephemeral ports and
// hole punching will rarely work.
func reuse(_, _ string, _ syscall.RawConn) error { return nil }
