//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package node

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reuse sets SO_REUSEADDR and SO_REUSEPORT, so the listening port can also
// be the source port of outgoing connections.
func reuse(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
