package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/proto"
)

// candidate is one socket that may become the link.
type candidate struct {
	conn  net.Conn
	r     *bufio.Reader
	via   proto.Strategy // 0: relayed
	hello *proto.LinkHello
}

// attempt sets up the link for one introduction: it runs the plan's
// strategies on a shared clock, takes inbound sockets carrying the pair
// token, authenticates every socket, and keeps the one the leader (the
// side with the lower ID) selects.
type attempt struct {
	n       *Node
	intro   *proto.Introduce
	leader  bool
	upgrade bool      // replaces a relayed link: direct strategies only
	start   time.Time // for SetupTime
	recv    time.Time // when the introduction arrived
	step    atomic.Int32

	ctx      context.Context
	cancel   context.CancelFunc
	verified chan *candidate // leader: authenticated sockets
	selected chan *candidate // follower: the socket the leader chose
	wg       sync.WaitGroup

	mu    sync.Mutex
	cands []*candidate
	done  bool
}

func (n *Node) newAttempt(intro *proto.Introduce, start time.Time) *attempt {
	return &attempt{
		n: n, intro: intro, leader: n.id.Less(intro.Peer), start: start, recv: time.Now(),
		verified: make(chan *candidate), selected: make(chan *candidate),
	}
}

// run makes the link's socket or fails when ctx ends. An upgrade tries
// only the direct strategies and gives up once the plan has run.
func (a *attempt) run(ctx context.Context) (*candidate, error) {
	n := a.n
	if a.upgrade {
		in := a.intro
		end := a.recv.Add(in.Delay + time.Duration(len(in.Plan)+1)*n.cfg.StepTimeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, end)
		defer cancel()
	}
	a.ctx, a.cancel = context.WithCancel(ctx)
	defer a.cancel()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, ErrClosed
	}
	n.attempts[a.intro.Token] = a
	early := n.early[a.intro.Token]
	delete(n.early, a.intro.Token)
	n.mu.Unlock()
	for _, c := range early {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.inbound(c)
		}()
	}
	a.wg.Add(1)
	go a.schedule()

	win, err := a.wait()

	a.mu.Lock()
	a.done = true
	for _, c := range a.cands {
		if c != win {
			c.conn.Close()
		}
	}
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
	n.mu.Lock()
	delete(n.attempts, a.intro.Token)
	n.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("node: link to %s: %w", a.intro.Peer, err)
	}
	win.conn.SetDeadline(time.Time{})
	if win.via != 0 {
		n.mu.Lock()
		c := n.ctl
		n.mu.Unlock()
		if c != nil {
			c.send(&proto.Done{Token: a.intro.Token}) // the routers forget the pair
		}
	}
	n.log.Debug("node: linked", "peer", a.intro.Peer, "kind", Kind(win.via), "upgrade", a.upgrade, "setup", time.Since(a.start))
	return win, nil
}

// wait returns the chosen socket.
func (a *attempt) wait() (*candidate, error) {
	for {
		select {
		case <-a.ctx.Done():
			return nil, a.ctx.Err()
		case c := <-a.selected:
			return c, nil
		case c := <-a.verified:
			c.conn.SetWriteDeadline(time.Now().Add(a.n.cfg.HandshakeTimeout))
			if err := proto.WriteFrame(c.conn, &proto.LinkSelect{Token: a.intro.Token, Via: c.via}); err != nil {
				c.conn.Close()
				continue
			}
			return c, nil
		}
	}
}

// abort stops the attempt from outside (node shutdown).
func (a *attempt) abort() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
	}
	for _, c := range a.cands {
		c.conn.Close()
	}
}

// sleepUntil waits for t; false when the attempt ended first.
func (a *attempt) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return a.ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-a.ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// schedule runs the plan: strategy k starts at t0 + k*StepTimeout, then
// the relay. For a simultaneous open t0 is the introduction's arrival
// plus its delay, so that both sides' dials leave together; the other
// strategies need no peer to dial at the same moment, so for them t0 is
// the arrival itself.
func (a *attempt) schedule() {
	defer a.wg.Done()
	cfg := &a.n.cfg
	in := a.intro
	t0 := a.recv.Add(in.Delay)
	steps := 0
	if !cfg.NoDirect {
		steps = len(in.Plan)
		for k, s := range in.Plan {
			at := t0.Add(time.Duration(k) * cfg.StepTimeout)
			if s != proto.StrategySimOpen {
				at = a.recv.Add(time.Duration(k) * cfg.StepTimeout)
			}
			if !a.sleepUntil(at) {
				return
			}
			a.step.Store(int32(k))
			switch {
			case s == proto.StrategyLAN && in.Initiator && in.Private.IsValid():
				a.goDial(in.Private.String(), s, cfg.StepTimeout)
			case s == proto.StrategyDirect && in.Initiator,
				s == proto.StrategyConnectBack && !in.Initiator:
				a.goDial(in.Public.String(), s, cfg.StepTimeout)
			case s == proto.StrategySimOpen:
				a.wg.Add(1)
				go a.simOpen(at)
			}
		}
	}
	if !in.Relay || a.upgrade || !a.sleepUntil(t0.Add(time.Duration(steps)*cfg.StepTimeout)) {
		return
	}
	a.step.Store(int32(steps))
	a.wg.Add(1)
	go a.relay()
}

func (a *attempt) goDial(addr string, via proto.Strategy, timeout time.Duration) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.dial(addr, via, timeout)
	}()
}

// dial connects from the listening port and authenticates the socket.
func (a *attempt) dial(addr string, via proto.Strategy, timeout time.Duration) error {
	if a.n.failDirect.Load() {
		return errDirectOff
	}
	conn, err := a.n.dialer(timeout).DialContext(a.ctx, "tcp", addr)
	if err != nil {
		return err
	}
	a.outbound(&candidate{conn: conn, r: bufio.NewReaderSize(conn, linkBuffer), via: via})
	return nil
}

// simOpen dials the peer's public address a few times from the listening
// port, starting at at; the peer does the same, so the two SYNs cross and
// open holes in both NATs. The listener keeps accepting meanwhile.
func (a *attempt) simOpen(at time.Time) {
	defer a.wg.Done()
	cfg := &a.n.cfg
	gap := cfg.StepTimeout / time.Duration(cfg.SimOpenAttempts)
	for i := range cfg.SimOpenAttempts {
		if !a.sleepUntil(at.Add(time.Duration(i) * gap)) {
			return
		}
		if a.dial(a.intro.Public.String(), proto.StrategySimOpen, gap) == nil {
			return
		}
	}
}

// relay opens a relay leg through the home router. The router answers
// the RelayBind with a signed Registered before any relayed byte; a leg
// whose router does not prove the pinned key is dropped.
func (a *attempt) relay() {
	defer a.wg.Done()
	n := a.n
	d := &net.Dialer{Timeout: n.cfg.HandshakeTimeout}
	conn, err := d.DialContext(a.ctx, "tcp", n.cfg.Router)
	if err != nil {
		n.log.Debug("node: relay leg", "peer", a.intro.Peer, "err", err)
		return
	}
	br, mine, err := n.handshakeRouter(conn, proto.PurposeRelay)
	if err == nil {
		err = proto.WriteFrame(conn, &proto.RelayBind{Token: a.intro.Token})
	}
	if err == nil {
		_, err = n.readRegistered(br, mine)
	}
	if err != nil {
		conn.Close()
		n.log.Debug("node: relay leg", "peer", a.intro.Peer, "err", err)
		return
	}
	a.outbound(&candidate{conn: conn, r: br, via: 0})
}

// add records c; false (and c closed) when the attempt is over.
func (a *attempt) add(c *candidate) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done || a.ctx.Err() != nil {
		c.conn.Close()
		return false
	}
	a.cands = append(a.cands, c)
	return true
}

func (a *attempt) outbound(c *candidate) {
	if !a.add(c) {
		return
	}
	if err := a.authenticate(c); err != nil {
		a.n.log.Debug("node: link handshake", "peer", a.intro.Peer, "via", c.via, "err", err)
		c.conn.Close()
		return
	}
	a.offer(c)
}

// inbound takes a socket that arrived on the listener with a hello for
// this attempt.
func (a *attempt) inbound(c *candidate) {
	if a.n.cfg.NoDirect || a.n.failDirect.Load() || len(a.intro.Plan) == 0 {
		c.conn.Close()
		return
	}
	k := min(int(a.step.Load()), len(a.intro.Plan)-1)
	c.via = a.intro.Plan[k]
	a.outbound(c)
}

var (
	errBadHello  = errors.New("node: link hello does not verify")
	errDirectOff = errors.New("node: direct links are switched off")
)

// authenticate exchanges signed hellos on c.
func (a *attempt) authenticate(c *candidate) error {
	n := a.n
	c.conn.SetDeadline(time.Now().Add(n.cfg.HandshakeTimeout))
	if err := proto.WriteFrame(c.conn, proto.NewLinkHello(n.cfg.Key, a.intro.Token, a.intro.Peer)); err != nil {
		return err
	}
	if c.hello == nil {
		f, err := proto.ReadFrame(c.r, nil)
		if err != nil {
			return err
		}
		h, ok := f.(*proto.LinkHello)
		if !ok {
			if e, isErr := f.(*proto.Error); isErr {
				return e
			}
			return fmt.Errorf("node: link: got %T", f)
		}
		c.hello = h
	}
	if !c.hello.Verify(a.intro.Token, a.intro.Peer, n.id) {
		return errBadHello
	}
	return nil
}

// offer hands an authenticated socket to the leader's choice, or waits
// on it for the leader's LinkSelect.
func (a *attempt) offer(c *candidate) {
	if a.leader {
		select {
		case a.verified <- c:
		case <-a.ctx.Done():
			c.conn.Close()
		}
		return
	}
	if dl, ok := a.ctx.Deadline(); ok {
		c.conn.SetReadDeadline(dl)
	} else {
		c.conn.SetReadDeadline(time.Time{})
	}
	f, err := proto.ReadFrame(c.r, nil)
	sel, ok := f.(*proto.LinkSelect)
	if err != nil || !ok || sel.Token != a.intro.Token {
		c.conn.Close()
		return
	}
	c.via = sel.Via
	select {
	case a.selected <- c:
	case <-a.ctx.Done():
		c.conn.Close()
	}
}
