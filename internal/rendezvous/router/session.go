package router

import (
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
// are idle, so a session holds little (frames that do not fit the read
// buffer are read past it); a federation connection batches many frames
// per write. Write buffers are shared by the sessions' writers; one that
// grew beyond keepWriteBuffer is let go.
const (
	readBuffer      = 1 << 10
	fedReadBuffer   = 16 << 10
	keepWriteBuffer = 4 << 10
	fedWriteBuffer  = 64 << 10
)

// session is one authenticated control connection: a peer's or a
// federated router's. Frames are queued without blocking; a writer
// goroutine runs only while the queue is not empty, so an idle session
// costs no goroutine and no write buffer.
type session struct {
	id        proto.ID
	conn      net.Conn // nil in core tests: frames stay queued
	limit     int      // most frames queued
	closeOnce sync.Once
	wg        sync.WaitGroup // the writer

	observed  netip.AddrPort
	private   netip.AddrPort
	reachable bool
	router    bool   // a federated router
	outgoing  bool   // a federation session this router dialed
	addr      string // a router's configured address, if any

	qmu     sync.Mutex
	queue   []proto.Frame
	writing bool // a writer runs
	dead    bool
	pinger  *time.Timer

	mu      sync.Mutex
	rtt     time.Duration
	pingSeq uint64
	pingAt  time.Time
}

func newSession(id proto.ID, conn net.Conn) *session {
	return &session{id: id, conn: conn, limit: queueLen}
}

// newFedSession is the session of a federated router.
func newFedSession(id proto.ID, conn net.Conn) *session {
	return &session{id: id, conn: conn, limit: fedQueueLen, router: true}
}

// send queues f; a connection too slow to take it is closed.
func (s *session) send(f proto.Frame) bool {
	s.qmu.Lock()
	if s.dead {
		s.qmu.Unlock()
		return false
	}
	if len(s.queue) >= s.limit {
		s.qmu.Unlock()
		s.close()
		return false
	}
	s.queue = append(s.queue, f)
	start := !s.writing && s.conn != nil
	if start {
		s.writing = true
		s.wg.Add(1)
	}
	s.qmu.Unlock()
	if start {
		go s.write()
	}
	return true
}

// take returns the queued frames (nil when none are left, and then the
// writer ends).
func (s *session) take() []proto.Frame {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q := s.queue
	s.queue = nil
	if len(q) == 0 || s.dead {
		s.writing = false
		return nil
	}
	return q
}

// writeBufs holds the write buffers of the sessions' writers.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1<<10); return &b }}

// write writes queued frames, up to the buffer limit per write, until the
// queue is empty.
func (s *session) write() {
	defer s.wg.Done()
	limit := keepWriteBuffer
	if s.router {
		limit = fedWriteBuffer
	}
	bp := writeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= keepWriteBuffer {
			writeBufs.Put(bp)
		}
	}()
	for {
		q := s.take()
		if q == nil {
			return
		}
		buf := (*bp)[:0]
		for i, f := range q {
			buf = proto.AppendFrame(buf, f)
			if len(buf) < limit && i < len(q)-1 {
				continue
			}
			if _, err := s.conn.Write(buf); err != nil {
				*bp = buf[:0]
				s.close()
				s.take()
				return
			}
			buf = buf[:0]
		}
		*bp = buf
	}
}

// startPings queues a Ping every interval until the session closes.
func (s *session) startPings(interval time.Duration) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.dead {
		return
	}
	s.pinger = time.AfterFunc(interval, func() {
		s.mu.Lock()
		s.pingSeq++
		s.pingAt = time.Now()
		f := &proto.Ping{Seq: s.pingSeq}
		s.mu.Unlock()
		if s.send(f) {
			s.qmu.Lock()
			if !s.dead {
				s.pinger.Reset(interval)
			}
			s.qmu.Unlock()
		}
	})
}

// close closes the connection; the writer ends soon after.
func (s *session) close() {
	s.closeOnce.Do(func() {
		s.qmu.Lock()
		s.dead = true
		if s.pinger != nil {
			s.pinger.Stop()
		}
		s.qmu.Unlock()
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
