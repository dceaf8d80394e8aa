package router

import (
	"bufio"
	"net"
	"net/netip"
	"sync"
	"time"

	"shoal/internal/rendezvous/proto"
)

// queueLen is how many frames may wait for a slow connection before the
// router gives up on it. A federated router's connection carries the
// lookups and forwards of every peer at once, so it may queue more.
const (
	queueLen    = 256
	fedQueueLen = 16384
)

// Buffers of a connection: peers' frames are small and most sessions
// are idle, so a session holds little; a federation connection batches
// many frames per write.
const (
	readBuffer     = 4 << 10
	writeBuffer    = 4 << 10
	fedWriteBuffer = 64 << 10
)

// session is one authenticated control connection: a peer's or a
// federated router's. Frames are queued without blocking and written by
// one goroutine.
type session struct {
	id        proto.ID
	conn      net.Conn // nil in core tests
	out       chan proto.Frame
	closed    chan struct{}
	closeOnce sync.Once

	observed  netip.AddrPort
	private   netip.AddrPort
	reachable bool
	router    bool   // a federated router
	addr      string // a router's configured address, if any

	mu      sync.Mutex
	rtt     time.Duration
	pingSeq uint64
	pingAt  time.Time
}

func newSession(id proto.ID, conn net.Conn) *session {
	return &session{id: id, conn: conn, out: make(chan proto.Frame, queueLen), closed: make(chan struct{})}
}

// newFedSession is the session of a federated router.
func newFedSession(id proto.ID, conn net.Conn) *session {
	return &session{id: id, conn: conn, out: make(chan proto.Frame, fedQueueLen), closed: make(chan struct{}), router: true}
}

// send queues f; a connection too slow to take it is closed.
func (s *session) send(f proto.Frame) bool {
	select {
	case <-s.closed:
		return false
	default:
	}
	select {
	case s.out <- f:
		return true
	default:
		s.close()
		return false
	}
}

func (s *session) close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.conn != nil {
			s.conn.Close()
		}
	})
}

func (s *session) endpoint() endpoint {
	return endpoint{public: s.observed, private: s.private, reachable: s.reachable, rtt: s.RTT()}
}

// RTT is the last measured round trip.
func (s *session) RTT() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rtt
}

func (s *session) setRTT(d time.Duration) {
	s.mu.Lock()
	s.rtt = d
	s.mu.Unlock()
}

// pong records the round trip of the Ping seq.
func (s *session) pong(now time.Time, seq uint64) {
	s.mu.Lock()
	if seq == s.pingSeq && !s.pingAt.IsZero() {
		s.rtt = now.Sub(s.pingAt)
	}
	s.mu.Unlock()
}

// writeLoop writes queued frames, flushing when the queue is empty, and
// sends a Ping every interval.
func (s *session) writeLoop(interval time.Duration) {
	defer s.close()
	size := writeBuffer
	if s.router {
		size = fedWriteBuffer
	}
	w := bufio.NewWriterSize(s.conn, size)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var buf []byte
	for {
		select {
		case <-s.closed:
			return
		case now := <-tick.C:
			s.mu.Lock()
			s.pingSeq++
			s.pingAt = now
			f := &proto.Ping{Seq: s.pingSeq}
			s.mu.Unlock()
			buf = proto.AppendFrame(buf[:0], f)
			if _, err := w.Write(buf); err != nil {
				return
			}
		case f := <-s.out:
			buf = proto.AppendFrame(buf[:0], f)
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
		if len(s.out) == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}
