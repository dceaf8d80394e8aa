//go:build !linux

package server

import (
	"errors"
	"net"
	"syscall"
)

// rawSocket is unused: serving sockets outside the network poller is
// Linux only.
type rawSocket struct{}

type syscallSocket interface {
	SyscallConn() (syscall.RawConn, error)
	Close() error
}

func detachSocket(syscallSocket, net.Addr) (*rawSocket, error) {
	return nil, errors.New("server: detach: not supported")
}

func (r *rawSocket) wake()        {}
func (r *rawSocket) close() error { return nil }

func (s *Server) serveUDPRaw(*rawSocket) {}
