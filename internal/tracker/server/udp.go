package server

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// udpWorker answers datagrams with its own buffers; one per reading
// goroutine.
type udpWorker struct {
	s      *Server
	ids    *idCache // nil until first used
	out    []byte
	hashes []bt.InfoHash
	stats  []registry.SwarmStats
}

// startUDP starts serving s.udpConn. On Linux the socket is taken out of
// the network poller and served by udpRawWorkers goroutines blocked in
// recvmmsg(2); elsewhere, or if that fails, by goroutines reading through
// the poller.
func (s *Server) startUDP() {
	conn := s.udpConn
	if !s.cfg.udpNoBatch {
		if raw, err := detachSocket(conn, s.udpAddr); err == nil {
			s.udpConn, s.udpRaw = nil, raw
			for range udpRawWorkers() {
				s.wg.Go(func() { s.serveUDPRaw(raw) })
			}
			return
		}
	}
	for range min(runtime.GOMAXPROCS(0), 8) {
		s.wg.Go(func() { s.serveUDP(conn) })
	}
}

// udpRawWorkers is how many goroutines wait in recvmmsg(2): one per two
// processors. The kernel's half of every datagram, sending the reply
// included, runs on the worker's thread too; a second thread per core
// only adds wake-ups that each take a smaller batch.
func udpRawWorkers() int {
	return min(max(runtime.GOMAXPROCS(0)/2, 1), 8)
}

// serveUDP reads and answers datagrams until conn is closed, in batches
// where the system allows.
func (s *Server) serveUDP(conn *net.UDPConn) {
	if s.cfg.udpNoBatch || !s.serveUDPBatched(conn) {
		s.serveUDPEach(conn)
	}
}

// serveUDPEach reads and answers one datagram at a time.
func (s *Server) serveUDPEach(conn *net.UDPConn) {
	w := &udpWorker{s: s, out: make([]byte, 0, maxUDPReplyV4)}
	buf := make([]byte, maxUDPPacket+1)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("server: udp read", "err", err)
			continue
		}
		if n > maxUDPPacket {
			s.met.refused(protoUDP, errMalformed)
			continue
		}
		now, start := s.clock()
		reply := w.handleAt(now, start, from, buf[:n])
		if len(reply) == 0 {
			continue
		}
		if _, err := conn.WriteToUDPAddrPort(reply, from); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("server: udp write", "to", from, "err", err)
		}
	}
}

func (w *udpWorker) idCache() *idCache {
	if w.ids == nil {
		w.ids = newIDCache()
	}
	return w.ids
}

// handle answers one datagram from addr received at now; an empty reply
// means none is sent. A reply to a source that did not present a valid
// connection id is never longer than the request. The reply is valid until
// the next call.
func (w *udpWorker) handle(now time.Time, from netip.AddrPort, pkt []byte) []byte {
	return w.handleAt(now, time.Now(), from, pkt)
}

// handleAt is handle for a datagram whose handling started at start (a
// reading of the real clock, for the latency histogram).
func (w *udpWorker) handleAt(now, start time.Time, from netip.AddrPort, pkt []byte) []byte {
	reply, action, kind := w.answer(now, from, pkt)
	if cap(reply) > cap(w.out) {
		w.out = reply[:0]
	}
	m := w.s.met
	switch action {
	case actionAnnounce:
		m.announced(protoUDP, kind, time.Since(start))
	case actionScrape:
		m.scraped(protoUDP, kind)
	case actionConnect:
		if kind == errNone {
			m.connects.Inc()
		}
		m.refused(protoUDP, kind)
	default:
		m.refused(protoUDP, kind)
	}
	return reply
}

// answer returns the reply to pkt, the request's action (as far as it could
// be read) and why it was refused, if it was.
func (w *udpWorker) answer(now time.Time, from netip.AddrPort, pkt []byte) ([]byte, uint32, errKind) {
	s := w.s
	src := netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	req, err := parseUDPRequest(pkt)
	if errors.Is(err, errUDPShort) {
		return nil, actionError, errMalformed
	}
	verified := req.action != actionConnect && w.idCache().valid(s.ids, now, src, req.connID)
	limit := len(pkt)
	if verified {
		limit = maxUDPReplyV6
	}
	if err != nil {
		return appendUDPError(w.out[:0], req.txID, err.Error(), limit), req.action, errMalformed
	}
	if req.action == actionConnect {
		// Not rate limited: the source of a connect is not proven, and a
		// connect reply is no larger than its request.
		return appendUDPConnectReply(w.out[:0], req.txID, s.ids.make(now, src)), req.action, errNone
	}
	if !verified {
		return appendUDPError(w.out[:0], req.txID, reasonBadConnID, limit), req.action, errBadConnID
	}
	if !s.limit.allow(now, src.Addr()) {
		return appendUDPError(w.out[:0], req.txID, reasonRateLimited, limit), req.action, errRateLimited
	}
	if req.action == actionScrape {
		reply, kind := w.scrape(req)
		return reply, req.action, kind
	}
	reply, kind := w.announce(now, src, req)
	return reply, req.action, kind
}

func (w *udpWorker) announce(now time.Time, src netip.AddrPort, req udpRequest) ([]byte, errKind) {
	s := w.s
	if s.cfg.AllowList && !s.torrents.has(req.infoHash) {
		return appendUDPError(w.out[:0], req.txID, reasonUnregistered, maxUDPReplyV6), errUnregistered
	}
	v6 := src.Addr().Is6()
	maxPeers := (maxUDPReplyV4 - udpAnnounceHdrLen) / 6
	if v6 {
		maxPeers = (maxUDPReplyV6 - udpAnnounceHdrLen) / 18
	}
	// The header is written around the peers, which the registry appends.
	out := appendUDPHeader(w.out[:0], actionAnnounce, req.txID)
	out = append(out, make([]byte, udpAnnounceHdrLen-len(out))...)
	res, out, err := s.reg.AnnounceCompact(now, registry.AnnounceParams{
		InfoHash:   req.infoHash,
		PeerID:     req.peerID,
		Addr:       netip.AddrPortFrom(src.Addr(), req.port),
		Uploaded:   max(req.uploaded, 0),
		Downloaded: max(req.downloaded, 0),
		Left:       req.left,
		Event:      req.event,
		NumWant:    s.numWant(int(req.numWant), min(s.cfg.MaxNumWant, maxPeers)),
	}, out)
	if err != nil {
		return appendUDPError(w.out[:0], req.txID, reasonInvalidAddr, maxUDPReplyV6), errInvalidAddr
	}
	putUDPAnnounceCounts(out, uint32(s.cfg.Interval/time.Second), &res)
	return out, errNone
}

// scrape answers a UDP scrape. In allow-list mode one unregistered info
// hash refuses the whole scrape.
func (w *udpWorker) scrape(req udpRequest) ([]byte, errKind) {
	w.hashes = w.hashes[:0]
	for b := req.hashes; len(b) >= 20; b = b[20:] {
		w.hashes = append(w.hashes, bt.InfoHash(b[:20]))
	}
	if w.s.cfg.AllowList && !w.s.torrents.has(w.hashes...) {
		return appendUDPError(w.out[:0], req.txID, reasonUnregistered, maxUDPReplyV6), errUnregistered
	}
	w.stats = w.s.reg.Scrape(w.hashes, w.stats[:0])
	out := appendUDPHeader(w.out[:0], actionScrape, req.txID)
	for _, st := range w.stats {
		out = appendUDPScrapeEntry(out, st)
	}
	return out, errNone
}
