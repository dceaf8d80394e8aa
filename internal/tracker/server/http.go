package server

import (
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// maxBodyBytes bounds request bodies; tracker requests have none.
const maxBodyBytes = 1024

// scratch holds per-request buffers, pooled.
type scratch struct {
	out    []byte
	peers  []registry.Endpoint
	hashes []bt.InfoHash
	stats  []registry.SwarmStats
}

func (s *Server) getScratch() *scratch { return s.scratch.Get().(*scratch) }

func (s *Server) putScratch(sc *scratch) {
	if cap(sc.out) > 64<<10 {
		sc.out = nil
	}
	s.scratch.Put(sc)
}

func (s *Server) newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/announce", s.serveAnnounce)
	mux.HandleFunc("/scrape", s.serveScrape)
	mux.HandleFunc("/{$}", s.serveStatus)
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
				writeBencode(w, appendFailure(nil, "internal error"))
			}
		}()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
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

func (s *Server) fail(w http.ResponseWriter, sc *scratch, reason string) {
	sc.out = appendFailure(sc.out[:0], reason)
	writeBencode(w, sc.out)
}

func (s *Server) serveAnnounce(w http.ResponseWriter, r *http.Request) {
	sc := s.getScratch()
	defer s.putScratch(sc)
	if r.Method != http.MethodGet {
		s.fail(w, sc, "method not allowed")
		return
	}
	q, err := parseAnnounceQuery(r.URL.RawQuery)
	if err != nil {
		s.fail(w, sc, err.Error())
		return
	}
	src, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		s.fail(w, sc, "unknown source address")
		return
	}
	ip := clientIP(src.Addr(), r.Header.Values("X-Forwarded-For"), q.ip, s.cfg.TrustedProxies)
	res, err := s.reg.Announce(s.cfg.Now(), registry.AnnounceParams{
		InfoHash:   q.infoHash,
		PeerID:     q.peerID,
		Addr:       netip.AddrPortFrom(ip, q.port),
		Uploaded:   q.uploaded,
		Downloaded: q.downloaded,
		Left:       q.left,
		Event:      q.event,
		NumWant:    s.numWant(q.numWant, s.cfg.MaxNumWant),
	}, sc.peers)
	sc.peers = res.Peers
	if err != nil {
		s.fail(w, sc, "invalid peer address")
		return
	}
	sc.out = appendAnnounceReply(sc.out[:0], &announceReply{
		res:         res,
		interval:    s.cfg.Interval,
		minInterval: s.cfg.MinInterval,
		trackerID:   s.trackerID,
		compact:     q.compact,
		noPeerID:    q.noPeerID,
		v6:          ip.Is6(),
	})
	writeBencode(w, sc.out)
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
	if r.Method != http.MethodGet {
		s.fail(w, sc, "method not allowed")
		return
	}
	hashes, err := parseScrapeQuery(r.URL.RawQuery, sc.hashes[:0])
	sc.hashes = hashes
	if err != nil {
		s.fail(w, sc, err.Error())
		return
	}
	sc.stats = s.reg.Scrape(hashes, sc.stats[:0])
	sc.out = appendScrapeReply(sc.out[:0], sc.stats)
	writeBencode(w, sc.out)
}
