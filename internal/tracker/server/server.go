package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"shoal/internal/metainfo"
	"shoal/internal/tracker/registry"
	"shoal/internal/tracker/store"
)

// HTTP server limits.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	flushTimeout      = 10 * time.Second
	udpReadBuffer     = 4 << 20
)

// Server is a BitTorrent tracker. Create it with New, then Start it (or Run
// it); Handler can also be mounted on another HTTP server.
type Server struct {
	cfg         Config
	log         *slog.Logger
	reg         *registry.Registry
	ids         *connIDs
	trackerID   string
	handler     http.Handler
	scratch     sync.Pool // *scratch
	torrents    *catalog
	limit       *limiter // nil: no rate limit
	met         *metrics
	statusCache pageCache
	realClock   bool // cfg.Now is time.Now: one reading serves as both

	mu      sync.Mutex
	started bool
	closed  bool
	httpLn  net.Listener
	httpSrv *http.Server
	handoff *handoffListener // connections for httpSrv
	// fastConns are the HTTP connections served without net/http.
	fastConns connSet
	fastWork  chan fastJob // to idle fast-path workers
	fastIdle  atomic.Int32 // idle fast-path workers
	udpConn   *net.UDPConn // nil once udpRaw serves its socket
	udpRaw    *rawSocket
	udpAddr   net.Addr
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// New checks cfg and returns a server that is not yet listening.
func New(cfg Config) (*Server, error) {
	realClock := cfg.Now == nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var seed [8]byte
	var tid [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("server: seed: %w", err)
	}
	if _, err := rand.Read(tid[:]); err != nil {
		return nil, fmt.Errorf("server: tracker id: %w", err)
	}
	s := &Server{
		cfg: cfg,
		log: cfg.Logger,
		reg: registry.New(registry.Config{
			PeerTTL:        cfg.PeerTTL,
			TrackChanges:   cfg.Store != nil,
			SeenResolution: seenResolution(cfg.Interval, cfg.PeerTTL),
		}, 0, binary.LittleEndian.Uint64(seed[:])),
		ids:       newConnIDs(cfg.Secret),
		trackerID: hex.EncodeToString(tid[:]),
		realClock: realClock,
		torrents:  newCatalog(),
		limit:     newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.RateLimitAddrs),
	}
	if s.met, err = newMetrics(s); err != nil {
		return nil, err
	}
	s.scratch.New = func() any { return new(scratch) }
	s.fastWork = make(chan fastJob)
	s.handler = s.newHandler()
	return s, nil
}

// seenResolution is how stale a stored last-seen time may get before a
// re-announce writes it again: half an interval, and little enough that a
// peer restored from the store never expires before its next announce is
// due (a restored peer expires at most this much early).
func seenResolution(interval, ttl time.Duration) time.Duration {
	return max(min(interval/2, (ttl-interval)/2), 0)
}

// Start loads the stored swarms (if there is a store), binds the configured
// listeners and starts serving in the background. ctx bounds only the
// start-up; the server runs until Close.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("server: already started")
	}
	s.started = true
	if err := s.load(ctx); err != nil {
		return err
	}
	if s.cfg.TorrentDir != "" {
		if err := s.torrents.scan(s.cfg.TorrentDir, s.log); err != nil {
			return err
		}
		s.log.Info("server: torrents registered", "dir", s.cfg.TorrentDir, "count", s.torrents.len())
	}
	// No TCP keep-alive probes: idle connections are closed after
	// idleTimeout anyway, and setting them up costs system calls on every
	// accepted connection.
	lc := net.ListenConfig{KeepAlive: -1}
	if s.cfg.HTTPAddr != "" {
		ln, err := lc.Listen(ctx, "tcp", s.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("server: http: %w", err)
		}
		s.httpLn = ln
	}
	if s.cfg.UDPAddr != "" {
		pc, err := lc.ListenPacket(ctx, "udp", s.cfg.UDPAddr)
		if err != nil {
			if s.httpLn != nil {
				_ = s.httpLn.Close()
				s.httpLn = nil
			}
			return fmt.Errorf("server: udp: %w", err)
		}
		s.udpConn = pc.(*net.UDPConn)
		s.udpAddr = s.udpConn.LocalAddr()
		// Room for bursts; the system caps it at its maximum.
		_ = s.udpConn.SetReadBuffer(udpReadBuffer)
	}

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if s.httpLn != nil {
		s.httpSrv = &http.Server{
			Handler:           s.handler,
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
			BaseContext:       func(net.Listener) context.Context { return bg },
		}
		s.httpLn = s.ownHTTPListener(s.httpLn)
		s.handoff = newHandoffListener(s.httpLn.Addr())
		s.wg.Go(func() {
			if err := s.httpSrv.Serve(s.handoff); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("server: http stopped", "err", err)
			}
		})
		s.wg.Go(func() {
			if !s.acceptHTTPDirect(s.httpLn, s.handoff) {
				s.acceptHTTP(s.httpLn, s.handoff)
			}
		})
	}
	if s.udpConn != nil {
		s.startUDP()
	}
	s.wg.Go(func() { s.maintain(bg) })
	if f, ok := s.cfg.Store.(store.Follower); ok {
		s.wg.Go(func() { s.follow(bg, f) })
	}
	s.log.Info("server: tracker started", "http", s.httpAddrLocked(), "udp", s.udpAddrLocked())
	return nil
}

// Run starts the server and serves until ctx is done, then closes it.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// Close stops serving, waits for the background work to end and flushes
// pending changes to the store. It does not close the store.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	var errs []error
	if s.cancel != nil {
		s.cancel()
	}
	if s.httpLn != nil {
		_ = s.httpLn.Close()
	}
	if s.httpSrv != nil {
		if err := s.httpSrv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: http: %w", err))
		}
	}
	s.fastConns.closeAll()
	if s.udpConn != nil {
		if err := s.udpConn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: udp: %w", err))
		}
	}
	if s.udpRaw != nil {
		s.udpRaw.wake()
	}
	s.wg.Wait()
	if s.udpRaw != nil {
		if err := s.udpRaw.close(); err != nil {
			errs = append(errs, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := s.flush(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Handler returns the HTTP handler: /announce, /scrape, the status page at
// /, /metrics, and POST /torrents if uploads are allowed. It works without Start, but only a started server expires peers and
// flushes to the store.
func (s *Server) Handler() http.Handler { return s.handler }

// clock returns the time for the protocol (cfg.Now) and the monotonic
// start of a request for the latency histogram, reading the clock once
// when they are the same clock.
func (s *Server) clock() (now, start time.Time) {
	if s.realClock {
		now = time.Now()
		return now, now
	}
	return s.cfg.Now(), time.Now()
}

// Rescan rereads Config.TorrentDir now (a started server also does so
// every Config.RescanInterval). It does nothing without a TorrentDir.
func (s *Server) Rescan() error {
	if s.cfg.TorrentDir == "" {
		return nil
	}
	return s.torrents.scan(s.cfg.TorrentDir, s.log)
}

// Register registers a torrent in memory, so that the status page shows
// its name and AllowList answers it. It reports false if the torrent was
// registered already, and fails when MaxTorrents are.
func (s *Server) Register(m *metainfo.MetaInfo) (bool, error) {
	return s.torrents.add("", m, nil)
}

// Metrics returns the server's Prometheus metrics, as served at /metrics.
func (s *Server) Metrics() prometheus.Gatherer { return s.met.reg }

// HTTPAddr returns the bound HTTP address, or nil.
func (s *Server) HTTPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpAddrLocked()
}

func (s *Server) httpAddrLocked() net.Addr {
	if s.httpLn == nil {
		return nil
	}
	return s.httpLn.Addr()
}

// UDPAddr returns the bound UDP address, or nil.
func (s *Server) UDPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.udpAddrLocked()
}

func (s *Server) udpAddrLocked() net.Addr {
	return s.udpAddr
}

// AnnounceURL returns http://host:port/announce for the bound HTTP address,
// or "" without one. An unspecified host (":6969") is given as the loopback
// address; a public URL is the caller's to build.
func (s *Server) AnnounceURL() string {
	return announceURL("http", s.HTTPAddr())
}

// UDPAnnounceURL returns udp://host:port/announce for the bound UDP
// address, or "" without one.
func (s *Server) UDPAnnounceURL() string {
	return announceURL("udp", s.UDPAddr())
}

func announceURL(scheme string, a net.Addr) string {
	if a == nil {
		return ""
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return ""
	}
	ip := ap.Addr().Unmap()
	if ip.IsUnspecified() {
		if ip.Is4() {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		} else {
			ip = netip.IPv6Loopback()
		}
	}
	return scheme + "://" + netip.AddrPortFrom(ip, ap.Port()).String() + "/announce"
}
