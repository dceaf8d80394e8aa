package node

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Kind says how a Link was made.
type Kind uint8

// The kinds.
const (
	KindRelayed     Kind = 0 // through the routers
	KindLAN         Kind = Kind(proto.StrategyLAN)
	KindDirect      Kind = Kind(proto.StrategyDirect)
	KindConnectBack Kind = Kind(proto.StrategyConnectBack)
	KindSimOpen     Kind = Kind(proto.StrategySimOpen)
)

func (k Kind) String() string {
	switch k {
	case KindRelayed:
		return "relayed"
	case KindLAN, KindDirect, KindConnectBack, KindSimOpen:
		return proto.Strategy(k).String()
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Direct reports whether the link bypasses the routers.
func (k Kind) Direct() bool { return k != KindRelayed }

// Link is an authenticated connection to another peer; it is a net.Conn.
//
// A direct link is a plain TCP socket. A relayed link goes through the
// routers, in relay frames (relayframe.go), while the side that dialed
// keeps asking for new introductions (Config.UpgradeAttempts); once a
// direct socket is made and authenticated, both sides move the stream to
// it, Kind changes, and the relay is closed.
type Link struct {
	n      *Node
	remote proto.ID
	token  proto.Token // of the introduction that made the link
	setup  time.Duration
	kind   atomic.Uint32

	// fixed: direct from the start; conn and r never change and no lock
	// is taken.
	fixed bool
	conn  net.Conn
	r     *bufio.Reader

	rmu sync.Mutex // held by Read
	rd  relayReader

	wmu     sync.Mutex // held by Write
	wconn   net.Conn
	wframed bool
	wbuf    []byte
	werr    error // a framed write failed half-way: the relay stream is broken

	mu        sync.Mutex
	relay     net.Conn   // the relay leg until both sides have left it
	direct    *candidate // the upgrade, once made
	directTok proto.Token
	directCh  chan struct{} // closed when direct is set
	readOff   bool          // read the peer's switch frame
	writeOff  bool          // wrote this side's switch frame
	rdl, wdl  time.Time
	closed    bool
	done      chan struct{}
}

// newLink makes the link of the socket an attempt chose.
func newLink(n *Node, c *candidate, peer proto.ID, tok proto.Token, setup time.Duration) *Link {
	l := &Link{n: n, remote: peer, token: tok, setup: setup}
	l.kind.Store(uint32(c.via))
	if c.via != 0 {
		l.fixed, l.conn, l.r = true, c.conn, c.r
		return l
	}
	l.relay, l.wconn, l.wframed = c.conn, c.conn, true
	l.rd = relayReader{src: c.r}
	l.directCh, l.done = make(chan struct{}), make(chan struct{})
	return l
}

// Read reads from the link.
func (l *Link) Read(p []byte) (int, error) {
	if l.fixed {
		return l.r.Read(p)
	}
	l.rmu.Lock()
	defer l.rmu.Unlock()
	return l.rd.read(p, l.waitDirect)
}

// Write writes to the link.
func (l *Link) Write(p []byte) (int, error) {
	if l.fixed {
		return l.conn.Write(p)
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.werr != nil {
		return 0, l.werr
	}
	if !l.wframed {
		return l.wconn.Write(p)
	}
	total := 0
	for len(p) > 0 {
		k := min(len(p), rfMaxData)
		l.wbuf = append(appendRelayHeader(l.wbuf[:0], rfData, k), p[:k]...)
		n, err := l.wconn.Write(l.wbuf)
		if err != nil {
			if n > 0 {
				l.werr = fmt.Errorf("node: relayed link: %w", err)
			}
			return total, err
		}
		total += k
		p = p[k:]
	}
	return total, nil
}

// Close closes the link.
func (l *Link) Close() error {
	if l.fixed {
		return l.conn.Close()
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return net.ErrClosed
	}
	l.closed = true
	close(l.done)
	relay, direct := l.relay, l.direct
	l.relay = nil
	l.mu.Unlock()
	l.n.forgetRelayed(l)
	var err error
	if direct != nil {
		err = direct.conn.Close()
	}
	if relay != nil {
		if e := relay.Close(); direct == nil {
			err = e
		}
	}
	return err
}

// current is the socket the link writes to.
func (l *Link) current() net.Conn {
	if l.fixed {
		return l.conn
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.direct != nil {
		return l.direct.conn
	}
	if l.relay != nil {
		return l.relay
	}
	return l.wconn
}

// LocalAddr is the local address of the socket in use (the link's own
// socket, or the one to the router while relayed).
func (l *Link) LocalAddr() net.Addr { return l.current().LocalAddr() }

// RemoteAddr is the remote address of the socket in use (the peer's, or
// the router's while relayed).
func (l *Link) RemoteAddr() net.Addr { return l.current().RemoteAddr() }

// SetDeadline sets both deadlines.
func (l *Link) SetDeadline(t time.Time) error {
	if l.fixed {
		return l.conn.SetDeadline(t)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rdl, l.wdl = t, t
	return l.eachLocked(func(c net.Conn) error { return c.SetDeadline(t) })
}

// SetReadDeadline sets the read deadline.
func (l *Link) SetReadDeadline(t time.Time) error {
	if l.fixed {
		return l.conn.SetReadDeadline(t)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rdl = t
	return l.eachLocked(func(c net.Conn) error { return c.SetReadDeadline(t) })
}

// SetWriteDeadline sets the write deadline.
func (l *Link) SetWriteDeadline(t time.Time) error {
	if l.fixed {
		return l.conn.SetWriteDeadline(t)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wdl = t
	return l.eachLocked(func(c net.Conn) error { return c.SetWriteDeadline(t) })
}

func (l *Link) eachLocked(f func(net.Conn) error) error {
	var err error
	if l.relay != nil {
		err = f(l.relay)
	}
	if l.direct != nil {
		if e := f(l.direct.conn); err == nil {
			err = e
		}
	}
	if l.closed && err == nil {
		err = net.ErrClosed
	}
	return err
}

// Kind says how the link is carried now: relayed, or the strategy that
// made its direct socket (which may follow a relayed start).
func (l *Link) Kind() Kind { return Kind(l.kind.Load()) }

// RemoteID is the authenticated ID of the other peer.
func (l *Link) RemoteID() proto.ID { return l.remote }

// SetupTime is the time from the connect request (or, for the target, the
// router's notice) until the link was ready.
func (l *Link) SetupTime() time.Duration { return l.setup }
