package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"shoal/internal/rendezvous/proto"
)

var errLostUpgrade = errors.New("node: peer moved the link to a direct socket this side does not have")

// pendingUpgrade is an accepted upgrade request waiting for its
// introduction.
type pendingUpgrade struct {
	link    *Link
	expires time.Time
}

// trackRelayed records a relayed link so that the peer's upgrade requests
// find it, and, on the side that dialed, starts asking for upgrades.
func (n *Node) trackRelayed(l *Link, dialer bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || n.cfg.NoDirect {
		return
	}
	n.relayed[l.token] = l
	if dialer && n.cfg.UpgradeAttempts > 0 {
		n.wg.Add(1)
		go l.upgradeLoop(n.ctx)
	}
}

func (n *Node) forgetRelayed(l *Link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.relayed[l.token] == l {
		delete(n.relayed, l.token)
	}
}

// acceptUpgrade answers the peer's request to replace the relayed link
// f.Upgrade with the introduction f.Token.
func (n *Node) acceptUpgrade(now time.Time, f *proto.Incoming) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := n.relayed[f.Upgrade]
	if l == nil || l.remote != f.From {
		return false
	}
	for tok, p := range n.upgrades {
		if now.After(p.expires) {
			delete(n.upgrades, tok)
		}
	}
	n.upgrades[f.Token] = pendingUpgrade{link: l, expires: now.Add(2 * n.cfg.ConnectTimeout)}
	return true
}

// takeUpgrade returns the link an introduction upgrades, if any.
func (n *Node) takeUpgrade(tok proto.Token) *Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.upgrades[tok]
	if !ok {
		return nil
	}
	delete(n.upgrades, tok)
	return p.link
}

// upgradeLoop asks for new introductions with backoff until the link is
// direct, closed, or out of attempts.
func (l *Link) upgradeLoop(ctx context.Context) {
	defer l.n.wg.Done()
	cfg := &l.n.cfg
	wait := cfg.UpgradeDelay
	for range cfg.UpgradeAttempts {
		t := time.NewTimer(wait)
		select {
		case <-l.done:
			t.Stop()
			return
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, cfg.UpgradeMaxDelay)
		err := l.tryUpgrade(ctx)
		if err == nil {
			return
		}
		l.n.log.Debug("node: upgrade failed", "peer", l.remote, "err", err)
	}
}

// tryUpgrade asks for one introduction and runs its direct strategies.
func (l *Link) tryUpgrade(ctx context.Context) error {
	n := l.n
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ConnectTimeout)
	defer cancel()
	go func() { // closing the link ends the attempt
		select {
		case <-l.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	intro, err := n.introduce(ctx, l.remote, l.token)
	if err != nil {
		return err
	}
	a := n.newAttempt(intro, start)
	a.upgrade = true
	c, err := a.run(ctx)
	if err != nil {
		return err
	}
	if !l.migrate(c, intro.Token) {
		return net.ErrClosed
	}
	return nil
}

// migrate moves the link onto the direct socket c made for the
// introduction tok: this side ends its relay stream with a switch frame
// and writes on c from then on; the reader follows at the peer's switch
// frame.
func (l *Link) migrate(c *candidate, tok proto.Token) bool {
	l.mu.Lock()
	if l.closed || l.direct != nil {
		l.mu.Unlock()
		c.conn.Close()
		return false
	}
	c.conn.SetReadDeadline(l.rdl)
	c.conn.SetWriteDeadline(l.wdl)
	l.direct, l.directTok = c, tok
	close(l.directCh)
	relay := l.relay
	l.mu.Unlock()
	l.n.forgetRelayed(l)

	l.wmu.Lock()
	var err error
	if l.werr == nil && relay != nil {
		relay.SetWriteDeadline(time.Now().Add(l.n.cfg.HandshakeTimeout))
		if _, err = relay.Write(switchFrame(tok)); err == nil {
			if cw, ok := relay.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
		}
	}
	l.wconn, l.wframed = c.conn, false
	l.kind.Store(uint32(c.via))
	l.wmu.Unlock()
	if err != nil {
		// The peer will not see where this side's bytes continue.
		l.n.log.Debug("node: upgrade: relay switch", "peer", l.remote, "err", err)
		l.Close()
		return false
	}
	l.n.log.Debug("node: link upgraded", "peer", l.remote, "kind", Kind(c.via))
	l.mu.Lock()
	l.writeOff = true
	l.dropRelayLocked()
	l.mu.Unlock()
	return true
}

// waitDirect is called by the reader at the peer's switch frame: it
// waits for the direct socket of tok (this side may learn of it a moment
// after the peer), within the read deadline and HandshakeTimeout.
func (l *Link) waitDirect(tok proto.Token) (io.Reader, error) {
	l.mu.Lock()
	ch, dl := l.directCh, l.rdl
	l.mu.Unlock()
	var expired <-chan time.Time
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			return nil, os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	giveUp := time.NewTimer(l.n.cfg.HandshakeTimeout)
	defer giveUp.Stop()
	select {
	case <-ch:
	case <-l.done:
		return nil, net.ErrClosed
	case <-expired:
		return nil, os.ErrDeadlineExceeded
	case <-giveUp.C:
		return nil, errLostUpgrade
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.directTok != tok {
		return nil, fmt.Errorf("%w: token %s, have %s", errLostUpgrade, tok, l.directTok)
	}
	l.readOff = true
	l.dropRelayLocked()
	return l.direct.r, nil
}

// dropRelayLocked closes the relay leg once both sides have left it.
func (l *Link) dropRelayLocked() {
	if l.readOff && l.writeOff && l.relay != nil {
		l.relay.Close()
		l.relay = nil
	}
}
