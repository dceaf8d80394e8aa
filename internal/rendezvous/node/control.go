package node

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/proto"
)

// controlWriteTimeout bounds a write to the router.
const controlWriteTimeout = 10 * time.Second

// control is one registered connection to the router.
type control struct {
	conn     net.Conn
	wmu      sync.Mutex
	wdl      time.Time // write deadline, guarded by wmu
	observed netip.AddrPort
	pending  map[uint64]chan proto.Frame // guarded by Node.mu
	dead     chan struct{}
}

func (c *control) send(f proto.Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// The deadline moves only when less than half of it is left, not on
	// every frame.
	if now := time.Now(); c.wdl.Sub(now) < controlWriteTimeout/2 {
		c.wdl = now.Add(controlWriteTimeout)
		c.conn.SetWriteDeadline(c.wdl)
	}
	return proto.WriteFrame(c.conn, f)
}

// session dials the router from the listening port, registers, and serves
// the control connection until it fails or ctx ends.
func (n *Node) session(ctx context.Context) error {
	conn, err := n.dialer(n.cfg.HandshakeTimeout).DialContext(ctx, "tcp", n.cfg.Router)
	if err != nil {
		return fmt.Errorf("node: dial router: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	br, mine, err := n.handshakeRouter(conn, proto.PurposePeer)
	if err != nil {
		return err
	}
	reg, err := n.readRegistered(br, mine)
	if err != nil {
		return fmt.Errorf("node: register: %w", err)
	}
	conn.SetDeadline(time.Time{})
	c := &control{conn: conn, observed: reg.Observed, pending: map[uint64]chan proto.Frame{}, dead: make(chan struct{})}
	n.mu.Lock()
	n.ctl = c
	close(n.ready)
	n.mu.Unlock()
	n.log.Info("node: registered", "id", n.id, "router", n.cfg.Router, "cluster", reg.Cluster, "observed", reg.Observed)
	defer func() {
		n.mu.Lock()
		n.ctl = nil
		n.ready = make(chan struct{})
		n.mu.Unlock()
		close(c.dead)
	}()
	stopPings := c.keepAlive(n.cfg.KeepAlive)
	defer stopPings()
	// The idle deadline moves at most every eighth of IdleTimeout.
	var renewed time.Time
	for {
		if now := time.Now(); now.Sub(renewed) > n.cfg.IdleTimeout/8 {
			conn.SetReadDeadline(now.Add(n.cfg.IdleTimeout))
			renewed = now
		}
		f, err := proto.ReadFrame(br, nil)
		if err != nil {
			return fmt.Errorf("node: router: %w", err)
		}
		if err := n.handle(c, f); err != nil {
			return err
		}
	}
}

// handle acts on one frame from the router.
func (n *Node) handle(c *control, f proto.Frame) error {
	switch f := f.(type) {
	case *proto.Ping:
		return c.send(&proto.Pong{Seq: f.Seq})
	case *proto.Pong:
	case *proto.Incoming:
		if !f.Upgrade.IsZero() {
			accept := n.acceptUpgrade(time.Now(), f)
			n.log.Debug("node: upgrade request", "from", f.From, "accept", accept)
			return c.send(&proto.Answer{Token: f.Token, Accept: accept})
		}
		accept := n.cfg.Policy == nil || n.cfg.Policy(f.From)
		n.log.Debug("node: incoming", "from", f.From, "accept", accept)
		return c.send(&proto.Answer{Token: f.Token, Accept: accept})
	case *proto.Introduce:
		if f.Initiator {
			n.deliver(c, f.Req, f)
			return nil
		}
		n.mu.Lock()
		ctx := n.ctx
		n.mu.Unlock()
		up := n.takeUpgrade(f.Token)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			ctx, cancel := context.WithTimeout(ctx, n.cfg.ConnectTimeout)
			defer cancel()
			start := time.Now()
			a := n.newAttempt(f, start)
			a.upgrade = up != nil
			c, err := a.run(ctx)
			if err != nil {
				n.log.Debug("node: inbound link failed", "from", f.Peer, "upgrade", a.upgrade, "err", err)
				return
			}
			if up != nil {
				up.migrate(c, f.Token)
				return
			}
			l := newLink(n, c, f.Peer, f.Token, time.Since(start))
			if c.via == 0 {
				n.trackRelayed(l, false)
			}
			select {
			case n.accepted <- l:
			default:
				l.Close()
			}
		}()
	case *proto.ConnectFail:
		n.deliver(c, f.Req, f)
	case *proto.Error:
		return f
	default:
		return fmt.Errorf("node: unexpected %T from router", f)
	}
	return nil
}

func (n *Node) deliver(c *control, req uint64, f proto.Frame) {
	n.mu.Lock()
	ch := c.pending[req]
	delete(c.pending, req)
	n.mu.Unlock()
	if ch != nil {
		ch <- f // buffered
	}
}

// keepAlive pings the router every interval, from a timer rather than a
// goroutine of its own, until the returned stop is called.
func (c *control) keepAlive(interval time.Duration) (stop func()) {
	var stopped atomic.Bool
	var seq uint64 // only the timer's callback uses it, one call at a time
	var mu sync.Mutex
	var t *time.Timer
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(interval, func() {
		if stopped.Load() {
			return
		}
		seq++
		if c.send(&proto.Ping{Seq: seq}) != nil {
			c.conn.Close()
			return
		}
		mu.Lock()
		t.Reset(interval)
		mu.Unlock()
	})
	return func() {
		stopped.Store(true)
		mu.Lock()
		t.Stop()
		mu.Unlock()
	}
}
