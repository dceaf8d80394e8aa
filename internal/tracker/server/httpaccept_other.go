//go:build !linux

package server

import "net"

// acceptHTTPDirect reports false: answering on accepted sockets directly
// is Linux only.
func (s *Server) acceptHTTPDirect(net.Listener, *handoffListener) bool { return false }

// ownHTTPListener returns ln: serving a socket outside the network poller
// is Linux only.
func (s *Server) ownHTTPListener(ln net.Listener) net.Listener { return ln }
