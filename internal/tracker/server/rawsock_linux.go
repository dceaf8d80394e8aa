package server

import (
	"fmt"
	"net"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawSocket is a bound socket the server serves with blocking system calls
// on threads of its own, outside the runtime's network poller: a datagram
// or a connection wakes the one thread waiting in the kernel for it, with
// no poller wake-up and no goroutine switch in between.
type rawSocket struct {
	fd     int
	addr   net.Addr
	closed atomic.Bool
}

// syscallSocket is a *net.UDPConn or a *net.TCPListener.
type syscallSocket interface {
	SyscallConn() (syscall.RawConn, error)
	Close() error
}

// detachSocket takes over the socket of c: it duplicates c's descriptor,
// puts the socket in blocking mode and closes c, which takes it out of the
// network poller. On failure c is left as it was.
func detachSocket(c syscallSocket, addr net.Addr) (*rawSocket, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("server: detach: %w", err)
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, fmt.Errorf("server: detach: %w", err)
	}
	if derr != nil {
		return nil, fmt.Errorf("server: detach: %w", derr)
	}
	// The duplicate shares the socket's file status flags: clear
	// O_NONBLOCK only once c no longer uses it.
	_ = c.Close()
	if err := unix.SetNonblock(fd, false); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("server: detach: %w", err)
	}
	return &rawSocket{fd: fd, addr: addr}, nil
}

// wake makes every thread blocked on the socket return, and every later
// call fail at once: shutdown(2) wakes readers of a listening TCP socket
// and of an unconnected UDP socket alike. The descriptor stays open until
// close, so that it cannot be reused while a thread may still use it.
func (r *rawSocket) wake() {
	if r.closed.CompareAndSwap(false, true) {
		_ = unix.Shutdown(r.fd, unix.SHUT_RDWR)
	}
}

// close closes the descriptor; call it once no thread uses it.
func (r *rawSocket) close() error {
	r.wake()
	if err := unix.Close(r.fd); err != nil {
		return fmt.Errorf("server: close: %w", err)
	}
	return nil
}
