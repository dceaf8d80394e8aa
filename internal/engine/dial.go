package engine

import (
	"errors"
	"net/netip"
	"time"

	"shoal/internal/peerconn"
	"shoal/internal/rendezvous/proto"
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

// candidate is a peer we may dial: by its address, its rendezvous ID, or
// its address first and then its rendezvous ID.
type candidate struct {
	addr   netip.AddrPort // the zero value: known by rendezvous ID only
	rdv    proto.ID       // the zero ID: none
	source string
	// addrFailed: the address could not be dialed, so the next attempts
	// go straight to the rendezvous ID.
	addrFailed bool
	dialRdv    proto.ID // the rendezvous ID of the dial in progress, if any
	connected  bool
	dialing    bool
	failures   int
	self       bool
	lastTry    time.Time
	lastEnd    time.Time
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
		if len(t.cands)+len(t.rdvCands) >= maxCandidate {
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
	try := func(c *candidate) bool {
		if len(t.peers)+t.dialing >= t.s.cfg.MaxConns || t.dialing >= maxHalfOpen {
			return false
		}
		if !c.ready(now) || (c.addr.IsValid() && t.banned[c.addr.Addr()]) || t.bannedIDs[c.rdv] || t.connectedTo(c) {
			return true
		}
		if !c.rdv.IsZero() && t.rdvDialing[c.rdv] > 0 {
			return true // another candidate of the same peer is being dialed
		}
		c.dialRdv = c.rdv
		if !c.rdv.IsZero() {
			t.rdvDialing[c.rdv]++
		}
		c.dialing = true
		c.lastTry = now
		t.dialing++
		t.wg.Add(1)
		go t.dialOne(c)
		return true
	}
	for _, c := range t.cands {
		if !try(c) {
			return
		}
	}
	for _, c := range t.rdvCands {
		if !c.addr.IsValid() && !try(c) {
			return
		}
	}
}

func (t *Torrent) dialOne(c *candidate) {
	defer t.wg.Done()
	// The half-open slot is free again: use it now rather than at the
	// next tick.
	defer t.dialMore()
	nc, err := t.dialCandidate(c)
	if err == nil {
		var theirs = t.handshake
		theirs, err = peerconn.Initiate(nc, t.handshake)
		if err != nil {
			nc.Close()
		} else {
			t.mu.Lock()
			t.dialEnded(c)
			c.connected = true
			c.failures = 0
			t.dialing--
			t.mu.Unlock()
			t.addConn(nc, theirs, c)
			return
		}
	}
	t.mu.Lock()
	t.log.Debug("dial", "addr", c.addr, "rendezvous", c.rdv, "err", err)
	t.dialEnded(c)
	t.dialing--
	c.failures++
	if errors.Is(err, peerconn.ErrSelf) {
		c.self = true
	}
	t.mu.Unlock()
}

// dialEnded marks the end of a dial of c; t.mu is held.
func (t *Torrent) dialEnded(c *candidate) {
	c.dialing = false
	if id := c.dialRdv; !id.IsZero() {
		if t.rdvDialing[id]--; t.rdvDialing[id] <= 0 {
			delete(t.rdvDialing, id)
		}
		c.dialRdv = proto.ID{}
	}
}
