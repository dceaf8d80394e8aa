package pex

import (
	"net/netip"
	"time"
)

// Peer identifies a connection of the torrent (the engine's peer number).
type Peer int

// Message is what one ut_pex message says.
type Message struct {
	Added   []Contact
	Dropped []Contact
}

// Outgoing is a message to send to one peer.
type Outgoing struct {
	To  Peer
	Msg Message
}

// Config tunes a State. Zero or negative fields take the defaults shown.
type Config struct {
	Interval   time.Duration // between messages to one peer; default 60s (BEP 11: at most one a minute)
	FirstDelay time.Duration // from Enable to the first message; default 2s
	MaxAdded   int           // per message, default 50
	MaxDropped int           // per message, default 50
}

// Defaults of Config.
const (
	DefaultInterval   = 60 * time.Second
	DefaultFirstDelay = 2 * time.Second
	DefaultMaxAdded   = 50
	DefaultMaxDropped = 50
)

// MaxTold is the most contacts one peer is remembered to have been told about.
const MaxTold = 1000

// conn is the state of one connection.
type conn struct {
	c      Contact // normalized
	k      key
	shared bool // k is valid

	enabled  bool
	next     time.Time       // when the next message is due
	told     map[key]Contact // what the peer was told, at most MaxTold
	lastRecv time.Time       // when the last message from it was accepted
	received bool            // lastRecv is set
}

// State is the peer exchange state of one torrent. It is not safe for
// concurrent use.
type State struct {
	cfg   Config
	conns map[Peer]*conn

	// Connected addresses and rendezvous IDs with their connection counts,
	// for Receive.
	addrs map[netip.AddrPort]int
	rdvs  map[[20]byte]int
}

// New returns a State with cfg, defaults filled in.
func New(cfg Config) *State {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.FirstDelay <= 0 {
		cfg.FirstDelay = DefaultFirstDelay
	}
	if cfg.MaxAdded <= 0 {
		cfg.MaxAdded = DefaultMaxAdded
	}
	if cfg.MaxDropped <= 0 {
		cfg.MaxDropped = DefaultMaxDropped
	}
	return &State{
		cfg:   cfg,
		conns: make(map[Peer]*conn),
		addrs: make(map[netip.AddrPort]int),
		rdvs:  make(map[[20]byte]int),
	}
}

// Config returns the configuration in use, defaults filled in.
func (s *State) Config() Config { return s.cfg }

// Join records that the connection p is up. c may be zero when the peer's
// contact is not known yet. Joining a peer already joined is an Update.
func (s *State) Join(p Peer, c Contact) {
	if _, ok := s.conns[p]; ok {
		s.Update(p, c)
		return
	}
	cn := &conn{}
	s.conns[p] = cn
	s.setContact(cn, c)
}

// Update replaces the contact of p, for instance once its listening port is
// known from the extension handshake or when it becomes a seed. Updating a
// peer that has not joined does nothing.
func (s *State) Update(p Peer, c Contact) {
	cn, ok := s.conns[p]
	if !ok {
		return
	}
	s.unindex(cn)
	s.setContact(cn, c)
}

// Leave records that the connection p is gone and forgets everything about
// it. Its contact leaves the shared set when no other connection shares it.
func (s *State) Leave(p Peer) {
	cn, ok := s.conns[p]
	if !ok {
		return
	}
	s.unindex(cn)
	delete(s.conns, p)
}

// Enable records that p speaks ut_pex; its first message is due at
// now+FirstDelay, or when its next message was due before a Disable if
// that is later. Enabling a peer that has not joined, or is already
// enabled, does nothing.
func (s *State) Enable(now time.Time, p Peer) {
	cn, ok := s.conns[p]
	if !ok || cn.enabled {
		return
	}
	cn.enabled = true
	if first := now.Add(s.cfg.FirstDelay); first.After(cn.next) {
		cn.next = first
	}
	cn.told = make(map[key]Contact)
}

// Disable records that p no longer speaks ut_pex (an extension handshake
// without ut_pex) and forgets what it was told: a later Enable sends the
// whole set again. When p last sent and when its next message is due are
// kept, so that a peer switching ut_pex off and on can neither send more
// often nor be sent to more often than once an Interval.
func (s *State) Disable(p Peer) {
	cn, ok := s.conns[p]
	if !ok {
		return
	}
	cn.enabled = false
	cn.told = nil
}

func (s *State) setContact(cn *conn, c Contact) {
	cn.c = normalize(c)
	cn.k, cn.shared = keyOf(cn.c)
	if cn.c.Addr.IsValid() {
		s.addrs[cn.c.Addr]++
	}
	if cn.c.Rendezvous != ([20]byte{}) {
		s.rdvs[cn.c.Rendezvous]++
	}
}

func (s *State) unindex(cn *conn) {
	if a := cn.c.Addr; a.IsValid() {
		if s.addrs[a]--; s.addrs[a] <= 0 {
			delete(s.addrs, a)
		}
	}
	if r := cn.c.Rendezvous; r != ([20]byte{}) {
		if s.rdvs[r]--; s.rdvs[r] <= 0 {
			delete(s.rdvs, r)
		}
	}
}
