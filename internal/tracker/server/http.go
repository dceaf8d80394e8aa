package server

import (
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// maxBodyBytes bounds request bodies; tracker requests have none.
const maxBodyBytes = 1024

// scratch holds per-request buffers, pooled.
type scratch struct {
	out     []byte
	peers   []registry.Endpoint
	compact []byte // compact peers of the announcer's family
	hashes  []bt.InfoHash
	stats   []registry.SwarmStats
}

func (s *Server) getScratch() *scratch { return s.scratch.Get().(*scratch) }

func (s *Server) putScratch(sc *scratch) {
	if cap(sc.out) > 64<<10 {
		sc.out = nil
	}
	if cap(sc.compact) > 64<<10 {
		sc.compact = nil
	}
	s.scratch.Put(sc)
}

func (s *Server) newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/announce", s.serveAnnounce)
	mux.HandleFunc("/scrape", s.serveScrape)
	mux.HandleFunc("/{$}", s.serveStatus)
	mux.HandleFunc("/metrics", s.serveMetrics)
	if s.cfg.AllowUpload {
		mux.HandleFunc(uploadPath, s.serveUpload)
	}
	return s.guard(mux)
}

// guard limits request bodies and turns a panic into a failure response.
// Nothing is expected to panic; this only keeps one bad request from
// killing a connection without an answer.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("server: panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.met.refused(protoHTTP, errInternal)
				writeBencode(w, appendFailure(nil, "internal error"))
			}
		}()
		if r.Body != nil && r.Body != http.NoBody && r.URL.Path != uploadPath {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// source returns the address a request is limited by: its source address,
// or the client named in X-Forwarded-For when the source is a trusted
// proxy.
func (s *Server) source(r *http.Request) (netip.Addr, bool) {
	src, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return clientIP(src.Addr(), r.Header.Values("X-Forwarded-For"), netip.Addr{}, s.cfg.TrustedProxies), true
}

// allowed applies the rate limit to a request that is not a tracker request
// and answers it with 429 if it is over.
func (s *Server) allowed(w http.ResponseWriter, r *http.Request) bool {
	if src, ok := s.source(r); ok && s.limit.allow(s.cfg.Now(), src) {
		return true
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, reasonRateLimited, http.StatusTooManyRequests)
	return false
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.allowed(w, r) {
		s.met.handler.ServeHTTP(w, r)
	}
}

// Shared header values; net/http does not modify them.
var (
	headerTextPlain = []string{"text/plain"}
	headerNoCache   = []string{"no-cache"}
)

func writeBencode(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = headerTextPlain
	h["Cache-Control"] = headerNoCache
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) serveAnnounce(w http.ResponseWriter, r *http.Request) {
	now, start := s.clock()
	sc := s.getScratch()
	defer s.putScratch(sc)
	kind, reason := s.announce(now, r, sc)
	if kind != errNone {
		sc.out = appendFailure(sc.out[:0], reason)
	}
	writeBencode(w, sc.out)
	s.met.announced(protoHTTP, kind, time.Since(start))
}

// announce answers an HTTP announce into sc.out, or says why it is refused.
func (s *Server) announce(now time.Time, r *http.Request, sc *scratch) (errKind, string) {
	if r.Method != http.MethodGet {
		return errMalformed, "method not allowed"
	}
	src, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return errMalformed, "unknown source address"
	}
	return s.announceQuery(now, src, r.Header.Values("X-Forwarded-For"), r.URL.RawQuery, sc)
}

// announceQuery answers the announce with query string rawQuery that came
// from src with the given X-Forwarded-For headers.
func (s *Server) announceQuery(now time.Time, src netip.AddrPort, forwarded []string, rawQuery string, sc *scratch) (errKind, string) {
	if !s.limit.allow(now, clientIP(src.Addr(), forwarded, netip.Addr{}, s.cfg.TrustedProxies)) {
		return errRateLimited, reasonRateLimited
	}
	q, err := parseAnnounceQuery(rawQuery)
	if err != nil {
		return errMalformed, err.Error()
	}
	if s.cfg.AllowList && !s.torrents.has(q.infoHash) {
		return errUnregistered, reasonUnregistered
	}
	ip := clientIP(src.Addr(), forwarded, q.ip, s.cfg.TrustedProxies)
	params := registry.AnnounceParams{
		InfoHash:   q.infoHash,
		PeerID:     q.peerID,
		Addr:       netip.AddrPortFrom(ip, q.port),
		Uploaded:   q.uploaded,
		Downloaded: q.downloaded,
		Left:       q.left,
		Event:      q.event,
		NumWant:    s.numWant(q.numWant, s.cfg.MaxNumWant),
		Rendezvous: q.rendezvous,
	}
	var res registry.AnnounceResult
	if q.compact {
		res, sc.compact, err = s.reg.AnnounceCompact(now, params, sc.compact[:0])
	} else {
		res, err = s.reg.Announce(now, params, sc.peers)
		sc.peers = res.Peers
	}
	if err != nil {
		return errInvalidAddr, reasonInvalidAddr
	}
	sc.out = appendAnnounceReply(sc.out[:0], &announceReply{
		res:          res,
		compactPeers: sc.compact,
		interval:     s.cfg.Interval,
		minInterval:  s.cfg.MinInterval,
		trackerID:    s.trackerID,
		compact:      q.compact,
		noPeerID:     q.noPeerID,
		v6:           ip.Is6(),
		rendezvous:   s.rendezvousOf(q.infoHash, res.Rendezvous, res.Peers, compactOf(q.compact, sc.compact), ip.Is6()),
	})
	return errNone, ""
}

// numWant applies the default and the cap to a requested peer count
// (negative means not given).
func (s *Server) numWant(n, limit int) int {
	if n < 0 {
		n = s.cfg.NumWant
	}
	return min(n, limit)
}

func (s *Server) serveScrape(w http.ResponseWriter, r *http.Request) {
	sc := s.getScratch()
	defer s.putScratch(sc)
	kind, reason := s.scrape(r, sc)
	if kind != errNone {
		sc.out = appendFailure(sc.out[:0], reason)
	}
	writeBencode(w, sc.out)
	s.met.scraped(protoHTTP, kind)
}

// scrape answers an HTTP scrape into sc.out, or says why it is refused. In
// allow-list mode one unregistered info hash refuses the whole scrape.
func (s *Server) scrape(r *http.Request, sc *scratch) (errKind, string) {
	if r.Method != http.MethodGet {
		return errMalformed, "method not allowed"
	}
	src, ok := s.source(r)
	if !ok {
		return errMalformed, "unknown source address"
	}
	return s.scrapeQuery(src, r.URL.RawQuery, sc)
}

// scrapeQuery answers the scrape with query string rawQuery from the
// client at src (after X-Forwarded-For).
func (s *Server) scrapeQuery(src netip.Addr, rawQuery string, sc *scratch) (errKind, string) {
	if !s.limit.allow(s.cfg.Now(), src) {
		return errRateLimited, reasonRateLimited
	}
	hashes, err := parseScrapeQuery(rawQuery, sc.hashes[:0])
	sc.hashes = hashes
	if err != nil {
		return errMalformed, err.Error()
	}
	if s.cfg.AllowList && !s.torrents.has(hashes...) {
		return errUnregistered, reasonUnregistered
	}
	sc.stats = s.reg.Scrape(hashes, sc.stats[:0])
	sc.out = appendScrapeReply(sc.out[:0], sc.stats)
	return errNone, ""
}
