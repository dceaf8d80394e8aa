package server

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// acceptBatch is how many connections one wake-up of the accept loop takes
// at most.
const acceptBatch = 64

// acceptedFD is a socket accepted but not yet wrapped in a net.Conn.
type acceptedFD struct {
	fd   int
	peer netip.AddrPort
}

// deferAccept is the TCP_DEFER_ACCEPT of the HTTP listener, in seconds: a
// connection is accepted once its first bytes have arrived (or after this
// long without), so that the accept loop finds the request with it.
const deferAccept = 1

// rawListener is the HTTP listening socket, served by acceptHTTPRaw with
// blocking accept4(2) outside the network poller. Close wakes that loop,
// which closes the socket.
type rawListener struct{ raw *rawSocket }

// Accept is not used: acceptHTTPRaw accepts on the socket itself.
func (l *rawListener) Accept() (net.Conn, error) { return nil, errors.ErrUnsupported }
func (l *rawListener) Close() error              { l.raw.wake(); return nil }
func (l *rawListener) Addr() net.Addr            { return l.raw.addr }

// ownHTTPListener takes ln out of the network poller for acceptHTTPRaw,
// unless the direct path is off or ln is not a TCP listener; it returns
// the listener to use.
func (s *Server) ownHTTPListener(ln net.Listener) net.Listener {
	tl, ok := ln.(*net.TCPListener)
	if !ok || s.cfg.httpNoDirect {
		return ln
	}
	raw, err := detachSocket(tl, tl.Addr())
	if err != nil {
		return ln
	}
	_ = unix.SetsockoptInt(raw.fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, deferAccept)
	return &rawListener{raw: raw}
}

// acceptHTTPRaw accepts connections on l with blocking accept4(2) until l
// is closed, then closes its socket. A connection whose whole request is
// there when it is accepted, and which asks to be closed after the reply
// (the usual tracker announce), is answered on the spot (read, write and
// close) without a goroutine, a poller registration or a timer; any other
// goes to the fast-path workers with the bytes read.
func (s *Server) acceptHTTPRaw(l *rawListener, handoff *handoffListener) {
	defer func() { _ = l.raw.close() }()
	var (
		in      [fastHeadMax]byte
		out     []byte
		fwd     []string
		backoff time.Duration
	)
	for {
		nfd, sa, err := unix.Accept4(l.raw.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if l.raw.closed.Load() {
			if err == nil {
				_ = unix.Close(nfd)
			}
			return
		}
		switch {
		case err == nil:
			backoff = 0
			out, fwd = s.serveDirect(&fdConn{s: s, fd: nfd, ap: sockaddrToAddrPort(sa)}, in[:], out, fwd, handoff)
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EAGAIN):
		default:
			// Out of file descriptors and the like: wait and retry.
			s.log.Debug("server: http accept", "err", err)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
		}
	}
}

// acceptHTTPDirect accepts connections on ln until it is closed. It waits
// for a connection with ln.Accept (served by a fast-path worker), then
// drains the listen queue with accept4(2) itself: a connection whose whole
// request is already readable when it is accepted, and which asks to be
// closed after the reply (the usual tracker announce), is answered on the
// spot (read, write and close) without a goroutine, a poller registration
// or a timer; any other goes to the workers with the bytes read. Under load
// most connections take the short way. It reports false if ln is not a TCP
// listener, before accepting anything.
func (s *Server) acceptHTTPDirect(ln net.Listener, handoff *handoffListener) bool {
	if l, ok := ln.(*rawListener); ok {
		s.acceptHTTPRaw(l, handoff)
		return true
	}
	tl, ok := ln.(*net.TCPListener)
	if !ok || s.cfg.httpNoDirect {
		return false
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return false
	}
	var (
		fds       []acceptedFD
		acceptErr error
		in        [fastHeadMax]byte
		out       []byte
		fwd       []string
	)
	drain := func(fd uintptr) {
		for len(fds) < acceptBatch {
			nfd, sa, err := unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			switch {
			case err == nil:
				fds = append(fds, acceptedFD{fd: nfd, peer: sockaddrToAddrPort(sa)})
			case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			case errors.Is(err, unix.EAGAIN):
				return
			default:
				acceptErr = err
				return
			}
		}
	}
	var backoff time.Duration
	for {
		c, err := tl.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return true
			}
			// Out of file descriptors and the like: wait and retry.
			s.log.Debug("server: http accept", "err", err)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if tc, ok := c.(*net.TCPConn); ok {
			if crc, err := tc.SyscallConn(); err == nil {
				out, fwd = s.serveDirect(&tcpConn{s: s, c: tc, rc: crc}, in[:], out, fwd, handoff)
			} else {
				_ = c.Close()
			}
		} else if s.fastConns.add(c) {
			s.serveFastLater(fastJob{c: c}, handoff)
		}
		for {
			fds, acceptErr = fds[:0], nil
			if err := rc.Control(drain); err != nil {
				acceptErr = err
			}
			for _, a := range fds {
				out, fwd = s.serveDirect(&fdConn{s: s, fd: a.fd, ap: a.peer}, in[:], out, fwd, handoff)
			}
			if acceptErr != nil || len(fds) < acceptBatch {
				break
			}
		}
	}
}

// directConn is a just-accepted connection served without waiting.
type directConn interface {
	// readNow and writeNow never wait: EAGAIN when they would.
	readNow(b []byte) (int, error)
	writeNow(b []byte) (int, error)
	close()
	// track returns the connection as a tracked net.Conn to finish
	// serving it on a goroutine; nil if that fails or the server closes.
	track() net.Conn
	peer() netip.AddrPort
}

// serveDirect answers a just-accepted connection if its request is all
// there, or hands it to a worker. It returns its buffers for reuse.
func (s *Server) serveDirect(dc directConn, in, out []byte, fwd []string, handoff *handoffListener) ([]byte, []string) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("server: panic serving connection", "panic", v)
			dc.close()
		}
	}()
	n, err := dc.readNow(in)
	if err != nil && !errors.Is(err, unix.EAGAIN) {
		dc.close()
		return out, fwd
	}
	n = max(n, 0)
	clear(fwd)
	h, perr := parseFastHead(in[:n], fwd[:0])
	fwd = h.forwarded
	if perr == nil && h.close && h.length == n {
		out = s.answerFast(out[:0], dc.peer(), &h)
		w, err := dc.writeNow(out)
		switch {
		case err == nil && w == len(out):
			dc.close()
		case err == nil || errors.Is(err, unix.EAGAIN):
			// The reply did not fit in the socket at once: finish
			// writing it on a goroutine.
			if c := dc.track(); c != nil {
				rest := append([]byte(nil), out[max(w, 0):]...)
				s.wg.Go(func() {
					defer s.fastConns.remove(c)
					defer c.Close()
					if c.SetDeadline(time.Now().Add(writeTimeout)) == nil {
						_, _ = c.Write(rest)
					}
				})
			}
		default:
			dc.close()
		}
		return out, fwd
	}
	if n == 0 && err == nil {
		dc.close() // closed before sending anything
		return out, fwd
	}
	if c := dc.track(); c != nil {
		s.serveFastLater(fastJob{c: c, pre: append([]byte(nil), in[:n]...)}, handoff)
	}
	return out, fwd
}

// fdConn is a socket accepted with accept4(2).
type fdConn struct {
	s  *Server
	fd int
	ap netip.AddrPort
}

func (c *fdConn) readNow(b []byte) (int, error)  { return unix.Read(c.fd, b) }
func (c *fdConn) writeNow(b []byte) (int, error) { return unix.Write(c.fd, b) }
func (c *fdConn) close()                         { _ = unix.Close(c.fd) }
func (c *fdConn) peer() netip.AddrPort           { return c.ap }

func (c *fdConn) track() net.Conn {
	f := os.NewFile(uintptr(c.fd), "")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err != nil || !c.s.fastConns.add(nc) {
		return nil
	}
	return nc
}

// tcpConn is a connection accepted by net.
type tcpConn struct {
	s  *Server
	c  *net.TCPConn
	rc syscall.RawConn
}

func (c *tcpConn) readNow(b []byte) (int, error) {
	var n int
	var err error
	if rerr := c.rc.Read(func(fd uintptr) bool {
		n, err = unix.Read(int(fd), b)
		return true
	}); rerr != nil {
		return 0, rerr
	}
	return n, err
}

func (c *tcpConn) writeNow(b []byte) (int, error) {
	var n int
	var err error
	if werr := c.rc.Write(func(fd uintptr) bool {
		n, err = unix.Write(int(fd), b)
		return true
	}); werr != nil {
		return 0, werr
	}
	return n, err
}

func (c *tcpConn) close() { _ = c.c.Close() }

func (c *tcpConn) peer() netip.AddrPort {
	if a, ok := c.c.RemoteAddr().(*net.TCPAddr); ok {
		return netip.AddrPortFrom(a.AddrPort().Addr().Unmap(), a.AddrPort().Port())
	}
	return netip.AddrPort{}
}

func (c *tcpConn) track() net.Conn {
	if !c.s.fastConns.add(c.c) {
		return nil
	}
	return c.c
}

func sockaddrToAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}
