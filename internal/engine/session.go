package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"shoal/internal/bt"
	"shoal/internal/peerconn"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/tracker/client"
	"shoal/internal/wire"
)

// Defaults for Config.
const (
	DefaultPort      = 6881
	DefaultPortTries = 10
	DefaultMaxConns  = 80
	// DefaultGlobalMaxConns bounds the connections of a session.
	DefaultGlobalMaxConns = 500
)

// Config configures a Session.
type Config struct {
	// Port is the first listening port tried; the next PortTries-1 ports
	// are tried if it is taken. Zero means DefaultPort; -1 means any free
	// port.
	Port      int
	PortTries int
	// Bind is the address to listen on and dial from; the zero Addr means
	// every address.
	Bind netip.Addr
	// MaxConns bounds the connections of each torrent.
	MaxConns int
	// GlobalMaxConns bounds the connections of the whole session; zero
	// means DefaultGlobalMaxConns.
	GlobalMaxConns int
	// OutgoingPorts, when both are set, is the range of local ports
	// outgoing connections are bound to (for firewalls that allow only
	// those).
	OutgoingPortLo, OutgoingPortHi int
	// UpLimit and DownLimit are in bytes per second for the whole
	// session; zero means unlimited.
	UpLimit, DownLimit int64
	// LimitBurst is the depth in bytes of the rate limits' token buckets:
	// how far traffic may run ahead of the limit after a pause. Zero means
	// a quarter second of traffic, at least 512 KiB. A small depth keeps
	// the rate over short spans at the limit (the swarm lab uses 64 KiB);
	// it must hold the largest block peers request (16 KiB for common
	// clients, the protocol allows 128 KiB), or serving it fails.
	LimitBurst int64
	// PeerID is ours; the zero value means a fresh random one.
	PeerID bt.PeerID
	// Tracker announces; nil means a default client.
	Tracker *client.Client
	// HashWorkers bounds concurrent piece hashing; zero means one per CPU.
	HashWorkers int
	Logger      *slog.Logger
	// Rendezvous, if set, makes the session reachable by its rendezvous ID
	// (told to HTTP trackers with every announce): links made to it are
	// handled like incoming connections, and peers known by rendezvous ID
	// are dialed through it, after their plain address if they have one.
	Rendezvous Rendezvous
	// RendezvousRouter is the home router's contact "ID@HOST:PORT", told
	// to trackers with the rendezvous ID; empty tells the ID only.
	RendezvousRouter string
	// NoPEX switches peer exchange (BEP 11) off; it is always off for
	// private torrents. PEXInterval is the time between two peer exchange
	// messages to one peer; zero means a minute.
	NoPEX       bool
	PEXInterval time.Duration
	// OnEvent, if set, receives every protocol message sent or received
	// (the event log). It is called from many goroutines, some holding a
	// torrent's lock: it must be quick and must not call back into the
	// session.
	OnEvent func(Event)
}

// Event is one protocol message to or from a peer.
type Event struct {
	Time    time.Time
	Torrent string
	Peer    netip.AddrPort
	// Rendezvous is the peer's rendezvous ID when it came through the
	// routers (Peer is then the address of the link's socket, a router's
	// when relayed).
	Rendezvous proto.ID
	Sent       bool // false: received
	Msg        string
}

// Session is a set of torrents sharing one listening port, one peer id and
// the rate limits.
type Session struct {
	cfg      Config
	log      *slog.Logger
	ln       net.Listener
	port     int
	hashSem  chan struct{}
	up, down *rate.Limiter
	dialer   net.Dialer
	key      uint32

	mu       sync.Mutex
	torrents map[bt.InfoHash]*Torrent
	pending  map[net.Conn]struct{} // incoming, still in the handshake
	conns    int                   // established peer connections
	nextPort int                   // next outgoing port to try
	closed   bool
	done     chan struct{}
	stopRdv  context.CancelFunc // ends rendezvousLoop
	wg       sync.WaitGroup
}

// New opens the listening socket and returns a running session.
func New(cfg Config) (*Session, error) {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.PortTries <= 0 {
		cfg.PortTries = DefaultPortTries
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.GlobalMaxConns <= 0 {
		cfg.GlobalMaxConns = DefaultGlobalMaxConns
	}
	if cfg.OutgoingPortLo > 0 && (cfg.OutgoingPortHi < cfg.OutgoingPortLo || cfg.OutgoingPortHi > 65535) {
		return nil, fmt.Errorf("engine: invalid outgoing port range %d-%d", cfg.OutgoingPortLo, cfg.OutgoingPortHi)
	}
	if cfg.HashWorkers <= 0 {
		cfg.HashWorkers = runtime.NumCPU()
	}
	if cfg.PeerID == (bt.PeerID{}) {
		cfg.PeerID = bt.NewPeerID()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Tracker == nil {
		cfg.Tracker = client.New(client.Config{Logger: log})
	}
	s := &Session{
		cfg:      cfg,
		log:      log,
		hashSem:  make(chan struct{}, cfg.HashWorkers),
		up:       newLimiter(cfg.UpLimit, cfg.LimitBurst),
		down:     newLimiter(cfg.DownLimit, cfg.LimitBurst),
		torrents: make(map[bt.InfoHash]*Torrent),
		pending:  make(map[net.Conn]struct{}),
		done:     make(chan struct{}),
		key:      mrand.Uint32(),
	}
	if cfg.Bind.IsValid() {
		s.dialer.LocalAddr = &net.TCPAddr{IP: cfg.Bind.AsSlice()}
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	s.wg.Add(2)
	go s.acceptLoop()
	go s.allocLoop()
	rctx, cancel := context.WithCancel(context.Background())
	s.stopRdv = cancel
	if cfg.Rendezvous != nil {
		s.wg.Add(1)
		go s.rendezvousLoop(rctx)
	}
	return s, nil
}

func (s *Session) listen() error {
	host := ""
	if s.cfg.Bind.IsValid() {
		host = s.cfg.Bind.String()
	}
	if s.cfg.Port < 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return fmt.Errorf("engine: listen: %w", err)
		}
		s.ln, s.port = ln, ln.Addr().(*net.TCPAddr).Port
		return nil
	}
	var firstErr error
	for p := s.cfg.Port; p < s.cfg.Port+s.cfg.PortTries && p <= 65535; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			s.ln, s.port = ln, p
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return fmt.Errorf("engine: no free port in %d-%d: %w (choose another with --port)", s.cfg.Port, s.cfg.Port+s.cfg.PortTries-1, firstErr)
}

// Port is the listening port.
func (s *Session) Port() int { return s.port }

// PeerID is our peer id.
func (s *Session) PeerID() bt.PeerID { return s.cfg.PeerID }

// Addr is the listening address.
func (s *Session) Addr() net.Addr { return s.ln.Addr() }

func (s *Session) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept", "err", err)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleIncoming(nc)
		}()
	}
}

func (s *Session) handleIncoming(nc net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.pending[nc] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, nc)
		s.mu.Unlock()
	}()
	var t *Torrent
	ours, theirs, err := peerconn.Accept(nc, func(ih bt.InfoHash) (wire.Handshake, bool) {
		s.mu.Lock()
		t = s.torrents[ih]
		s.mu.Unlock()
		if t == nil || !t.accepting(nc) {
			return wire.Handshake{}, false
		}
		return t.handshake, true
	})
	if err != nil {
		s.log.Debug("incoming handshake", "addr", nc.RemoteAddr(), "err", err)
		nc.Close()
		return
	}
	_ = ours
	t.addConn(nc, theirs, nil)
}

// Add starts a torrent in the session.
func (s *Session) Add(spec TorrentSpec) (*Torrent, error) {
	t, err := newTorrent(s, spec)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("engine: session closed")
	}
	if _, dup := s.torrents[spec.InfoHash]; dup {
		s.mu.Unlock()
		return nil, fmt.Errorf("engine: torrent %v already added", spec.InfoHash)
	}
	s.torrents[spec.InfoHash] = t
	s.mu.Unlock()
	t.start()
	s.allocate()
	return t, nil
}

// Remove stops a torrent and announces that it stopped.
func (s *Session) Remove(ctx context.Context, t *Torrent) {
	s.mu.Lock()
	delete(s.torrents, t.spec.InfoHash)
	s.mu.Unlock()
	t.stop(ctx)
	s.allocate()
}

// Close stops every torrent and the listener. ctx bounds the final
// announces.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	wasClosed := s.closed
	s.closed = true
	ts := make([]*Torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		ts = append(ts, t)
	}
	clear(s.torrents)
	for nc := range s.pending {
		nc.Close()
	}
	if !wasClosed {
		close(s.done)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.stopRdv()
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Go(func() { t.stop(ctx) })
	}
	wg.Wait()
	s.wg.Wait()
	return err
}

// Dial opens a TCP connection to a peer from the session's bind address.
func (s *Session) Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	return s.dial(ctx, addr)
}

// Tracker is the session's tracker client.
func (s *Session) Tracker() *client.Client { return s.cfg.Tracker }

func (s *Session) dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if s.cfg.OutgoingPortLo == 0 {
		return s.dialer.DialContext(ctx, "tcp", addr.String())
	}
	// Bind to the next free port of the range.
	n := s.cfg.OutgoingPortHi - s.cfg.OutgoingPortLo + 1
	var lastErr error
	for range min(n, 64) {
		s.mu.Lock()
		port := s.cfg.OutgoingPortLo + s.nextPort%n
		s.nextPort++
		s.mu.Unlock()
		d := s.dialer
		var ip net.IP
		if s.cfg.Bind.IsValid() {
			ip = s.cfg.Bind.AsSlice()
		}
		d.LocalAddr = &net.TCPAddr{IP: ip, Port: port}
		c, err := d.DialContext(ctx, "tcp", addr.String())
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return c, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("engine: no free outgoing port in %d-%d: %w", s.cfg.OutgoingPortLo, s.cfg.OutgoingPortHi, lastErr)
}

// reserveConn takes a slot of the session's connection limit.
func (s *Session) reserveConn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns >= s.cfg.GlobalMaxConns {
		return false
	}
	s.conns++
	return true
}

func (s *Session) releaseConn() {
	s.mu.Lock()
	s.conns--
	s.mu.Unlock()
}

// Conns is the number of established peer connections of the session.
func (s *Session) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}
