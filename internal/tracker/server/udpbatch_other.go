//go:build !linux

package server

import "net"

// serveUDPBatched reports false: batched datagram calls are Linux only.
func (s *Server) serveUDPBatched(*net.UDPConn) bool { return false }
