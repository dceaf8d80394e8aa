package server

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// udpBatch is how many datagrams one recvmmsg or sendmmsg call moves at
// most.
const udpBatch = 32

// mmsghdr is struct mmsghdr of recvmmsg(2) and sendmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// udpBatcher reads and answers datagrams in batches: one recvmmsg(2) call
// for up to udpBatch requests and one sendmmsg(2) call for their replies.
// Each reply goes to the very socket address its request came from.
type udpBatcher struct {
	rc    syscall.RawConn // nil when reading raw
	raw   *rawSocket      // a blocking socket of the server's own, or nil
	recv  [udpBatch]mmsghdr
	riov  [udpBatch]unix.Iovec
	names [udpBatch]unix.RawSockaddrAny
	bufs  [udpBatch][maxUDPPacket + 1]byte
	outs  [udpBatch][]byte
	send  [udpBatch]mmsghdr
	siov  [udpBatch]unix.Iovec
	count int // datagrams in the current batch
	err   error
}

func newUDPBatcher(conn *net.UDPConn) (*udpBatcher, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &udpBatcher{rc: rc}
	b.init()
	return b, nil
}

// newRawUDPBatcher returns a batcher that waits for datagrams in the
// kernel, on the calling thread.
func newRawUDPBatcher(raw *rawSocket) *udpBatcher {
	b := &udpBatcher{raw: raw}
	b.init()
	return b
}

func (b *udpBatcher) init() {
	for i := range b.recv {
		b.riov[i].Base = &b.bufs[i][0]
		b.riov[i].SetLen(len(b.bufs[i]))
		b.recv[i].hdr.Iov = &b.riov[i]
		b.recv[i].hdr.SetIovlen(1)
		b.recv[i].hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		b.outs[i] = make([]byte, 0, maxUDPReplyV4)
	}
}

// read waits for datagrams and receives up to udpBatch of them.
func (b *udpBatcher) read() (int, error) {
	for i := range b.recv {
		b.recv[i].hdr.Namelen = unix.SizeofSockaddrAny
		b.recv[i].hdr.Flags = 0
		b.recv[i].n = 0
	}
	if b.raw != nil {
		return b.readRaw()
	}
	err := b.rc.Read(b.recvmmsg)
	if err == nil {
		err = b.err
	}
	if err != nil {
		return 0, err
	}
	return b.count, nil
}

// readRaw blocks until at least one datagram is there, then takes what
// else is queued, up to udpBatch.
func (b *udpBatcher) readRaw() (int, error) {
	for {
		n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(b.raw.fd), uintptr(unsafe.Pointer(&b.recv[0])), udpBatch, unix.MSG_WAITFORONE, 0, 0)
		if b.raw.closed.Load() {
			return 0, net.ErrClosed
		}
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR, unix.EAGAIN:
			continue
		default:
			return 0, errno
		}
	}
}

func (b *udpBatcher) recvmmsg(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.recv[0])), udpBatch, unix.MSG_DONTWAIT, 0, 0)
	switch errno {
	case 0:
		b.count, b.err = int(n), nil
	case unix.EAGAIN:
		return false
	case unix.EINTR:
		return false
	default:
		b.count, b.err = 0, errno
	}
	return true
}

// datagram returns datagram i of the batch and its source; ok is false for
// a datagram to drop (truncated, or from an unusable address).
func (b *udpBatcher) datagram(i int) (pkt []byte, from netip.AddrPort, ok bool) {
	m := &b.recv[i]
	if m.hdr.Flags&unix.MSG_TRUNC != 0 || int(m.n) > maxUDPPacket {
		return nil, netip.AddrPort{}, false
	}
	from, ok = sockaddrAddrPort(&b.names[i], m.hdr.Namelen)
	return b.bufs[i][:m.n], from, ok
}

func sockaddrAddrPort(sa *unix.RawSockaddrAny, n uint32) (netip.AddrPort, bool) {
	switch sa.Addr.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), port), true
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr), port), true
	}
	return netip.AddrPort{}, false
}

// write sends replies[j] to the source of datagram idx[j] for each j.
// Datagrams the kernel refuses one by one are dropped, as a lost UDP reply
// would be.
func (b *udpBatcher) write(idx []int, replies [][]byte) error {
	k := 0
	for j, i := range idx {
		r := replies[j]
		b.siov[k].Base = &r[0]
		b.siov[k].SetLen(len(r))
		m := &b.send[k]
		m.hdr.Iov = &b.siov[k]
		m.hdr.SetIovlen(1)
		m.hdr.Name = b.recv[i].hdr.Name
		m.hdr.Namelen = b.recv[i].hdr.Namelen
		m.n = 0
		k++
	}
	if b.raw != nil {
		return b.writeRaw(k)
	}
	sent := 0
	for sent < k {
		var n int
		var errno syscall.Errno
		err := b.rc.Write(func(fd uintptr) bool {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.send[sent])), uintptr(k-sent), unix.MSG_DONTWAIT, 0, 0)
			if e == unix.EAGAIN || e == unix.EINTR {
				return false
			}
			n, errno = int(r), e
			return true
		})
		if err != nil {
			return err
		}
		if errno != 0 {
			n = 1 // the first remaining reply failed on its own: skip it
		}
		sent += n
	}
	return nil
}

// udpSendWait is how long a batch of replies waits for room in a full
// socket send buffer before the rest of it is dropped.
const udpSendWait = 10 // ms

// writeRaw sends the first k prepared replies on the raw socket.
func (b *udpBatcher) writeRaw(k int) error {
	fd := b.raw.fd
	for sent := 0; sent < k; {
		r, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&b.send[sent])), uintptr(k-sent), unix.MSG_DONTWAIT, 0, 0)
		switch {
		case b.raw.closed.Load():
			return net.ErrClosed
		case errno == 0:
			sent += int(r)
		case errno == unix.EINTR:
		case errno == unix.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if n, _ := unix.Poll(pfd, udpSendWait); n <= 0 {
				return nil // still full: drop the rest, as a lost reply
			}
		default:
			sent++ // the first remaining reply failed on its own: skip it
		}
	}
	return nil
}

// serveUDPBatched serves conn with recvmmsg and sendmmsg. It reports false
// if batching is unavailable, before having read anything.
func (s *Server) serveUDPBatched(conn *net.UDPConn) bool {
	b, err := newUDPBatcher(conn)
	if err != nil {
		return false
	}
	return s.serveUDPBatches(b)
}

// serveUDPRaw serves the raw UDP socket until it is closed.
func (s *Server) serveUDPRaw(raw *rawSocket) {
	s.serveUDPBatches(newRawUDPBatcher(raw))
}

// serveUDPBatches reads and answers batches with b until its socket is
// closed. It reports false if batching is unavailable, before having read
// anything.
func (s *Server) serveUDPBatches(b *udpBatcher) bool {
	w := &udpWorker{s: s}
	var idx [udpBatch]int
	var replies [udpBatch][]byte
	for {
		n, err := b.read()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return true
			}
			if errors.Is(err, unix.ENOSYS) {
				return false
			}
			s.log.Debug("server: udp read", "err", err)
			continue
		}
		now, start := s.clock()
		k := 0
		for i := range n {
			pkt, from, ok := b.datagram(i)
			if !ok {
				s.met.refused(protoUDP, errMalformed)
				continue
			}
			w.out = b.outs[i][:0]
			reply := w.handleAt(now, start, from, pkt)
			if len(reply) == 0 {
				continue
			}
			b.outs[i] = reply[:0]
			idx[k], replies[k] = i, reply
			k++
		}
		if k == 0 {
			continue
		}
		if err := b.write(idx[:k], replies[:k]); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return true
			}
			s.log.Debug("server: udp write", "err", err)
		}
	}
}
