package engine

import (
	"errors"
	"net/netip"
	"time"

	"shoal/internal/peerconn"
)

// Dialing and connection timing.
const (
	dialTimeout  = 10 * time.Second
	readTimeout  = 3 * time.Minute
	maxHalfOpen  = 16
	retryBase    = 5 * time.Second
	retryMax     = 5 * time.Minute
	maxFailures  = 8
	maxCandidate = 2000
)

// candidate is a peer address we may dial.
type candidate struct {
	addr      netip.AddrPort
	source    string
	connected bool
	dialing   bool
	failures  int
	self      bool
	lastTry   time.Time
	lastEnd   time.Time
}

func (c *candidate) ready(now time.Time) bool {
	if c.connected || c.dialing || c.self || c.failures >= maxFailures {
		return false
	}
	if c.lastTry.IsZero() {
		return true
	}
	wait := retryBase << min(max(c.failures-1, 0), 6)
	wait = min(wait, retryMax)
	return now.Sub(c.lastTry) >= wait && now.Sub(c.lastEnd) >= retryBase
}

// addCandidates records addresses to dial; t.mu is held.
func (t *Torrent) addCandidates(addrs []netip.AddrPort, source string) {
	for _, a := range addrs {
		a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
		if !a.IsValid() || a.Port() == 0 || a.Addr().IsUnspecified() {
			continue
		}
		if c, ok := t.cands[a]; ok {
			if c.failures >= maxFailures {
				c.failures = maxFailures - 1 // announced again: one more chance
			}
			continue
		}
		if len(t.cands) >= maxCandidate {
			return
		}
		t.cands[a] = &candidate{addr: a, source: source}
	}
}

// dialMore starts dials to ready candidates while there is room.
func (t *Torrent) dialMore() {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping || t.paused || t.ctx.Err() != nil {
		return
	}
	for _, c := range t.cands {
		if len(t.peers)+t.dialing >= t.s.cfg.MaxConns || t.dialing >= maxHalfOpen {
			return
		}
		if !c.ready(now) || t.banned[c.addr.Addr()] || t.connectedTo(c.addr) {
			continue
		}
		c.dialing = true
		c.lastTry = now
		t.dialing++
		t.wg.Add(1)
		go t.dialOne(c)
	}
}

// connectedTo reports whether some connection (incoming ones have another
// port) already goes to the address; t.mu is held.
func (t *Torrent) connectedTo(a netip.AddrPort) bool {
	for _, p := range t.peers {
		if p.addr == a {
			return true
		}
	}
	return false
}

func (t *Torrent) dialOne(c *candidate) {
	defer t.wg.Done()
	// The half-open slot is free again: use it now rather than at the
	// next tick.
	defer t.dialMore()
	nc, err := t.s.dial(t.ctx, c.addr)
	if err == nil {
		var theirs = t.handshake
		theirs, err = peerconn.Initiate(nc, t.handshake)
		if err != nil {
			nc.Close()
		} else {
			t.mu.Lock()
			c.dialing = false
			c.connected = true
			c.failures = 0
			t.dialing--
			t.mu.Unlock()
			t.addConn(nc, theirs, true)
			return
		}
	}
	t.log.Debug("dial", "addr", c.addr, "err", err)
	t.mu.Lock()
	c.dialing = false
	t.dialing--
	c.failures++
	if errors.Is(err, peerconn.ErrSelf) {
		c.self = true
	}
	t.mu.Unlock()
}
