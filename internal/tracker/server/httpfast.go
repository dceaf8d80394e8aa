package server

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The HTTP front end answers announces and scrapes itself, on the
// connections it accepts, and hands every connection that asks for
// anything else (at any point) to net/http, together with the bytes it has
// read from it. A tracker request then costs no per-request allocation of
// net/http's request and response machinery.

// handoffListener is the net.Listener net/http serves: the connections
// the fast path hands over.
type handoffListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// give hands c to net/http, or closes it if net/http has stopped.
func (l *handoffListener) give(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		_ = c.Close()
	}
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// connSet tracks the connections the fast path serves, so that Close can
// close them.
type connSet struct {
	mu     sync.Mutex
	m      map[net.Conn]struct{}
	closed bool
}

// add tracks c; it reports false (and closes c) once the set is closed.
func (cs *connSet) add(c net.Conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		_ = c.Close()
		return false
	}
	if cs.m == nil {
		cs.m = make(map[net.Conn]struct{})
	}
	cs.m[c] = struct{}{}
	return true
}

func (cs *connSet) remove(c net.Conn) {
	cs.mu.Lock()
	delete(cs.m, c)
	cs.mu.Unlock()
}

func (cs *connSet) closeAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for c := range cs.m {
		_ = c.Close()
	}
	clear(cs.m)
}

// connBuf is a connection's read buffer and reply buffer, pooled.
type connBuf struct {
	in  [fastHeadMax]byte
	out []byte
	fwd []string
}

var connBufs = sync.Pool{New: func() any { return new(connBuf) }}

// acceptHTTP accepts connections on ln until it is closed, serving each
// with serveFastConn.
func (s *Server) acceptHTTP(ln net.Listener, handoff *handoffListener) {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait and retry.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Debug("server: http accept", "err", err)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !s.fastConns.add(c) {
			continue
		}
		s.serveFastLater(fastJob{c: c}, handoff)
	}
}

// fastJob is a connection for the fast path, with the bytes already read
// from it.
type fastJob struct {
	c   net.Conn
	pre []byte
}

// serveFastLater has an idle worker, or a new one, serve j.
func (s *Server) serveFastLater(j fastJob, handoff *handoffListener) {
	select {
	case s.fastWork <- j:
	default:
		s.wg.Go(func() { s.fastWorker(j, handoff) })
	}
}

// maxIdleFastWorkers is how many goroutines wait for connections to serve:
// a new connection is served by one of them rather than by a new goroutine,
// which would have to grow its stack again.
const maxIdleFastWorkers = 64

// fastWorker serves c, then further connections from s.fastWork, until
// there are enough idle workers or the server closes.
func (s *Server) fastWorker(j fastJob, handoff *handoffListener) {
	for {
		s.serveFastConn(j.c, j.pre, handoff)
		if s.fastIdle.Add(1) > maxIdleFastWorkers {
			s.fastIdle.Add(-1)
			return
		}
		select {
		case j = <-s.fastWork:
			s.fastIdle.Add(-1)
		case <-handoff.done:
			s.fastIdle.Add(-1)
			return
		}
	}
}

// serveFastConn answers the tracker requests on c until it closes, or
// hands c to net/http at the first request that is not one.
func (s *Server) serveFastConn(c net.Conn, pre []byte, handoff *handoffListener) {
	tracked := true
	defer func() {
		if tracked {
			s.fastConns.remove(c)
			_ = c.Close()
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("server: panic serving connection", "panic", v)
		}
	}()
	b := connBufs.Get().(*connBuf)
	defer func() {
		if cap(b.out) > 64<<10 {
			b.out = nil
		}
		clear(b.fwd)
		b.fwd = b.fwd[:0]
		connBufs.Put(b)
	}()
	n := copy(b.in[:], pre)
	for {
		// One deadline per request covers reading it and writing the
		// reply: a reply is small and a write rarely waits.
		timeout := readHeaderTimeout
		if n == 0 {
			timeout = idleTimeout
		}
		if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
			return
		}
		var h fastHead
		var err error
		for {
			clear(b.fwd)
			h, err = parseFastHead(b.in[:n], b.fwd[:0])
			if err != errHeadIncomplete {
				break
			}
			m, rerr := c.Read(b.in[n:])
			n += m
			if rerr != nil && m == 0 {
				return
			}
		}
		if err != nil {
			s.fastConns.remove(c)
			tracked = false
			_ = c.SetDeadline(time.Time{})
			handoff.give(&prefixConn{Conn: c, pre: append([]byte(nil), b.in[:n]...)})
			return
		}
		b.fwd = h.forwarded
		var src netip.AddrPort
		if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			src = a.AddrPort()
		}
		b.out = s.answerFast(b.out[:0], src, &h)
		if _, err := c.Write(b.out); err != nil || h.close {
			return
		}
		n = copy(b.in[:], b.in[h.length:n])
	}
}

// answerFast appends the whole HTTP response to a tracker request.
func (s *Server) answerFast(dst []byte, src netip.AddrPort, h *fastHead) []byte {
	sc := s.getScratch()
	defer s.putScratch(sc)
	var kind errKind
	var reason string
	if h.scrape {
		kind, reason = s.scrapeQuery(clientIP(src.Addr(), h.forwarded, netip.Addr{}, s.cfg.TrustedProxies), h.rawQuery, sc)
		if kind != errNone {
			sc.out = appendFailure(sc.out[:0], reason)
		}
		s.met.scraped(protoHTTP, kind)
	} else {
		now, start := s.clock()
		kind, reason = s.announceQuery(now, src, h.forwarded, h.rawQuery, sc)
		if kind != errNone {
			sc.out = appendFailure(sc.out[:0], reason)
		}
		defer func() { s.met.announced(protoHTTP, kind, time.Since(start)) }()
	}
	dst = append(dst, "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nContent-Type: text/plain\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(sc.out)), 10)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, httpDate()...)
	switch {
	case h.close:
		dst = append(dst, "\r\nConnection: close"...)
	case h.http10:
		dst = append(dst, "\r\nConnection: keep-alive"...)
	}
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, sc.out...)
}

// dateCache holds the Date header value of the current second.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text string
}

func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.text
	}
	d := &cachedDate{sec: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}
