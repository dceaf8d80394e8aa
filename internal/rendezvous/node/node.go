package node

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Errors of a Node.
var (
	ErrClosed   = errors.New("node: closed")
	ErrNoRouter = errors.New("node: router connection lost")
	// ErrRouterKey: the router could not prove the pinned key.
	ErrRouterKey = errors.New("node: router does not prove the pinned ID")
)

// Read buffers: a link's socket (bytes that arrive with the handshake
// wait here; large reads bypass it) and the router connection, which
// carries small frames.
const (
	linkBuffer    = 8 << 10
	controlBuffer = 1 << 10
)

// Node is one peer.
type Node struct {
	cfg Config
	id  proto.ID
	log *slog.Logger

	ln       net.Listener
	listenAP netip.AddrPort
	ctx      context.Context // Run's, set before ready closes
	wg       sync.WaitGroup

	mu       sync.Mutex
	ctl      *control // current control connection, nil while reconnecting
	ready    chan struct{}
	attempts map[proto.Token]*attempt
	early    map[proto.Token][]*candidate // inbound links that came before their introduction
	relayed  map[proto.Token]*Link        // relayed links by the token that made them
	upgrades map[proto.Token]pendingUpgrade
	nextReq  uint64
	closed   bool

	accepted chan *Link
	stopped  chan struct{}
	started  atomic.Bool

	failDirect atomic.Bool // tests: every direct dial and inbound socket fails
}

// New checks cfg and makes a Node; Run starts it.
func New(cfg Config) (*Node, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Node{
		cfg: cfg, id: proto.KeyID(cfg.Key), log: cfg.Logger,
		ready: make(chan struct{}), attempts: map[proto.Token]*attempt{}, early: map[proto.Token][]*candidate{},
		relayed: map[proto.Token]*Link{}, upgrades: map[proto.Token]pendingUpgrade{},
		accepted: make(chan *Link, 64), stopped: make(chan struct{}),
	}, nil
}

// ID is the node's ID.
func (n *Node) ID() proto.ID { return n.id }

// Addr is the listening address, nil before Run listens.
func (n *Node) Addr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ln == nil {
		return nil
	}
	return n.ln.Addr()
}

// Observed is the address the router last saw this node at.
func (n *Node) Observed() netip.AddrPort {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ctl == nil {
		return netip.AddrPort{}
	}
	return n.ctl.observed
}

// Ready waits until the node is registered with its router.
func (n *Node) Ready(ctx context.Context) error {
	_, err := n.control(ctx)
	return err
}

// control returns the current control connection, waiting for one.
func (n *Node) control(ctx context.Context) (*control, error) {
	for {
		n.mu.Lock()
		c, ready, closed := n.ctl, n.ready, n.closed
		n.mu.Unlock()
		if closed {
			return nil, ErrClosed
		}
		if c != nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-n.stopped:
			return nil, ErrClosed
		case <-ready:
		}
	}
}

// Run listens, registers with the router and keeps the control
// connection, reconnecting with backoff, until ctx ends. It returns only
// then, after every connection of the node (but not its Links) is closed.
func (n *Node) Run(ctx context.Context) error {
	if n.started.Swap(true) {
		return errors.New("node: Run called twice")
	}
	lc := net.ListenConfig{Control: reuse}
	ln, err := lc.Listen(ctx, "tcp", n.cfg.Listen)
	if err != nil {
		close(n.stopped)
		return fmt.Errorf("node: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	n.mu.Lock()
	n.ln = ln
	n.listenAP = addrPort(ln.Addr())
	n.ctx = ctx
	n.mu.Unlock()
	n.wg.Add(1)
	go n.acceptLoop(ln)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := n.session(ctx)
		if ctx.Err() != nil {
			break
		}
		n.log.Info("node: router connection ended", "router", n.cfg.Router, "err", err)
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, n.cfg.MaxBackoff)
	}
	n.mu.Lock()
	n.closed = true
	atts := make([]*attempt, 0, len(n.attempts))
	for _, a := range n.attempts {
		atts = append(atts, a)
	}
	for _, cs := range n.early {
		for _, c := range cs {
			c.conn.Close()
		}
	}
	n.early = nil
	n.mu.Unlock()
	for _, a := range atts {
		a.abort()
	}
	ln.Close()
	cancel()
	close(n.stopped)
	n.wg.Wait()
	for {
		select {
		case l := <-n.accepted:
			l.Close()
		default:
			return nil
		}
	}
}

// dialer makes connections from the listening port.
func (n *Node) dialer(timeout time.Duration) *net.Dialer {
	local := &net.TCPAddr{Port: int(n.listenAP.Port())}
	if a := n.listenAP.Addr(); a.IsValid() && !a.IsUnspecified() {
		local.IP = a.AsSlice()
	}
	return &net.Dialer{LocalAddr: local, Control: reuse, Timeout: timeout}
}

// addrPort converts a TCP net.Addr.
func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// handshakeRouter answers the router's challenge on a fresh connection.
func (n *Node) handshakeRouter(conn net.Conn, purpose proto.Purpose) (*bufio.Reader, *proto.Register, error) {
	conn.SetDeadline(time.Now().Add(n.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(conn, controlBuffer)
	f, err := proto.ReadFrame(br, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("node: router handshake: %w", err)
	}
	c, ok := f.(*proto.Challenge)
	if !ok {
		return nil, nil, fmt.Errorf("node: router handshake: got %T", f)
	}
	private := n.cfg.Private
	if !private.IsValid() {
		local := addrPort(conn.LocalAddr())
		private = netip.AddrPortFrom(local.Addr(), n.listenAP.Port())
	}
	reach := n.cfg.Reach == ReachYes || (n.cfg.Reach == ReachAuto && c.Observed == private)
	reg := &proto.Register{Purpose: purpose, Private: private, Reachable: reach}
	if _, err := rand.Read(reg.Nonce[:]); err != nil {
		return nil, nil, fmt.Errorf("node: router handshake: %w", err)
	}
	reg.Sign(n.cfg.Key, c)
	if err := proto.WriteFrame(conn, reg); err != nil {
		return nil, nil, fmt.Errorf("node: router handshake: %w", err)
	}
	return br, reg, nil
}

// readRegistered reads the router's signed answer to mine, sent at
// registration and on every relay leg, and, when the router is pinned,
// checks that the pinned router signed it.
func (n *Node) readRegistered(br *bufio.Reader, mine *proto.Register) (*proto.Registered, error) {
	f, err := proto.ReadFrame(br, nil)
	if err != nil {
		return nil, err
	}
	switch f := f.(type) {
	case *proto.Registered:
		if pin := n.cfg.RouterID; pin != (proto.ID{}) && !f.Verify(mine, pin) {
			return nil, fmt.Errorf("%w: %s answered, pinned %s", ErrRouterKey, f.Router, pin)
		}
		return f, nil
	case *proto.Error:
		return nil, f
	}
	return nil, fmt.Errorf("node: router sent %T, want Registered", f)
}
