package engine

import (
	"context"
	"net"
	"net/netip"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/tracker/client"
)

// Rendezvous reaches peers by their rendezvous ID through the rendezvous
// routers, so that peers behind NATs can connect to each other.
// NodeRendezvous adapts a *node.Node, which must be running.
type Rendezvous interface {
	// ID is this session's rendezvous ID.
	ID() proto.ID
	// Dial makes a link to the peer with the given ID.
	Dial(ctx context.Context, id proto.ID) (net.Conn, error)
	// Accept waits for a link another peer made; it fails once the
	// endpoint is closed.
	Accept(ctx context.Context) (net.Conn, error)
}

// NodeRendezvous makes a rendezvous node the session's endpoint.
func NodeRendezvous(n *node.Node) Rendezvous { return nodeRendezvous{n} }

type nodeRendezvous struct{ n *node.Node }

func (r nodeRendezvous) ID() proto.ID { return r.n.ID() }

func (r nodeRendezvous) Dial(ctx context.Context, id proto.ID) (net.Conn, error) {
	l, err := r.n.Dial(ctx, id)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (r nodeRendezvous) Accept(ctx context.Context) (net.Conn, error) {
	l, err := r.n.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// addrFirstTimeout bounds the dial of a peer's plain address when its
// rendezvous ID is the fallback: behind a NAT the address usually drops
// the SYN, and the rendezvous link should not wait for the full timeout.
const addrFirstTimeout = 3 * time.Second

// linkOf describes a connection: the authenticated rendezvous ID of the
// other peer and how the link goes (see linkKind), or the zero ID and ""
// for a plain TCP connection.
func linkOf(nc net.Conn) (proto.ID, string) {
	var id proto.ID
	if l, ok := nc.(interface{ RemoteID() proto.ID }); ok {
		id = l.RemoteID()
	}
	return id, linkKind(nc)
}

// linkKind says how a rendezvous link goes now: "lan", "direct",
// "connect-back", "simultaneous-open" or "relayed" (a relayed link may
// later move to a direct socket); "" for a plain TCP connection.
func linkKind(nc net.Conn) string {
	if l, ok := nc.(interface{ Kind() node.Kind }); ok {
		return l.Kind().String()
	}
	if _, ok := nc.(interface{ RemoteID() proto.ID }); ok {
		return "rendezvous"
	}
	return ""
}

// rendezvousLoop hands links made to our rendezvous ID to the same
// handshake as incoming TCP connections.
func (s *Session) rendezvousLoop(ctx context.Context) {
	defer s.wg.Done()
	for {
		nc, err := s.cfg.Rendezvous.Accept(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("rendezvous: accept stopped", "err", err)
			}
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleIncoming(nc)
		}()
	}
}

// rendezvousContact is what the announces tell about our rendezvous ID.
func (s *Session) rendezvousContact() client.Rendezvous {
	if s.cfg.Rendezvous == nil {
		return client.Rendezvous{}
	}
	return client.Rendezvous{ID: s.cfg.Rendezvous.ID(), Router: s.cfg.RendezvousRouter}
}

// AddRendezvousPeers adds peers to dial by their rendezvous ID; without a
// Rendezvous in the session's Config they are ignored.
func (t *Torrent) AddRendezvousPeers(ids []proto.ID) {
	t.mu.Lock()
	for _, id := range ids {
		t.addRendezvous(netip.AddrPort{}, id, "user")
	}
	t.mu.Unlock()
}

// addRendezvousPeers records the rendezvous contacts of a tracker reply;
// t.mu is held.
func (t *Torrent) addRendezvousPeers(ps []client.RendezvousPeer, source string) {
	for _, p := range ps {
		t.addRendezvous(p.Addr, proto.ID(p.ID), source)
	}
}

// addRendezvous records that the peer with rendezvous ID id (at address a
// if valid) may be dialed through the routers. A candidate already known
// by its address gets the ID as its fallback; t.mu is held.
func (t *Torrent) addRendezvous(a netip.AddrPort, id proto.ID, source string) {
	rdv := t.s.cfg.Rendezvous
	if rdv == nil || id.IsZero() || id == rdv.ID() {
		return
	}
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	if !a.IsValid() || a.Port() == 0 || a.Addr().IsUnspecified() {
		a = netip.AddrPort{}
	}
	if c, ok := t.rdvCands[id]; ok {
		if c.failures >= maxFailures {
			c.failures = maxFailures - 1
		}
		if c.addr.IsValid() || !a.IsValid() {
			return
		}
		// Known by ID only until now: the address goes first from now on.
		switch ac := t.cands[a]; {
		case ac == nil:
			c.addr = a
			t.cands[a] = c
		case ac.rdv.IsZero():
			ac.rdv = id
			if !c.dialing && !c.connected {
				t.rdvCands[id] = ac // the ID-only candidate goes
			}
		}
		return
	}
	if a.IsValid() {
		if c, ok := t.cands[a]; ok {
			if c.rdv.IsZero() {
				c.rdv = id
				t.rdvCands[id] = c
			}
			return
		}
	}
	if len(t.cands)+len(t.rdvCands) >= maxCandidate {
		return
	}
	c := &candidate{addr: a, rdv: id, source: source}
	t.rdvCands[id] = c
	if a.IsValid() {
		t.cands[a] = c
	}
}

// dialCandidate connects to a candidate: its plain address first, then,
// if that fails or failed before, its rendezvous ID. It never dials both
// at once.
func (t *Torrent) dialCandidate(c *candidate) (net.Conn, error) {
	t.mu.Lock()
	addr, id, addrFailed := c.addr, c.dialRdv, c.addrFailed
	t.mu.Unlock()
	rdv := t.s.cfg.Rendezvous
	if rdv == nil || id.IsZero() {
		return t.s.dial(t.ctx, addr)
	}
	if addr.IsValid() && !addrFailed {
		ctx, cancel := context.WithTimeout(t.ctx, addrFirstTimeout)
		nc, err := t.s.dial(ctx, addr)
		cancel()
		if err == nil {
			return nc, nil
		}
		t.log.Debug("dial address, trying rendezvous", "addr", addr, "rendezvous", id, "err", err)
		t.mu.Lock()
		c.addrFailed = true
		t.mu.Unlock()
	}
	return rdv.Dial(t.ctx, id)
}

// connectedTo reports whether some connection already goes to the
// candidate: to its address (incoming ones have another port) or to its
// rendezvous ID; t.mu is held.
func (t *Torrent) connectedTo(c *candidate) bool {
	for _, p := range t.peers {
		if (c.addr.IsValid() && p.addr == c.addr) || (!c.rdv.IsZero() && p.rdv == c.rdv) {
			return true
		}
	}
	return false
}

// isBanned reports whether a peer is banned: by rendezvous ID for a
// rendezvous link (whose address may be a router's or a NAT's shared by
// many), by address otherwise; t.mu is held.
func (t *Torrent) isBanned(addr netip.AddrPort, id proto.ID) bool {
	if !id.IsZero() {
		return t.bannedIDs[id]
	}
	return t.banned[addr.Addr()]
}

// ban bans the peer of p; t.mu is held.
func (t *Torrent) ban(p *peer) {
	if !p.rdv.IsZero() {
		t.bannedIDs[p.rdv] = true
		return
	}
	t.banned[p.addr.Addr()] = true
}
