package engine

import (
	"net/netip"
	"time"

	"shoal/internal/pex"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/swarm"
	"shoal/internal/wire"
)

// Peer exchange (BEP 11): the engine knows the peers' addresses, so it
// sends and reads ut_pex messages itself; the swarm state only announces
// the extension. Rendezvous IDs travel in the same messages, so peers
// behind NATs learn of each other without a tracker.

// pexEnabled reports whether the torrent exchanges peers: never for a
// private torrent (BEP 27).
func pexEnabled(cfg *Config, spec *TorrentSpec) bool { return !cfg.NoPEX && !spec.Private }

func newPEX(cfg *Config) *pex.State {
	return pex.New(pex.Config{Interval: cfg.PEXInterval})
}

// pexContact is how other peers can reach p: its rendezvous ID on a
// rendezvous link (whose socket address is a router's or a NAT's; the
// routers try its direct addresses themselves), otherwise the address we
// dialed (its listening address), or for an incoming connection its IP
// with the port its extension handshake gave. listen is that port, 0 if
// none. A contact never has both, so that a receiver makes one candidate
// of it and never dials one peer two ways at once.
func pexContact(p *peer, listen uint16) pex.Contact {
	var c pex.Contact
	switch {
	case !p.rdv.IsZero():
		c.Rendezvous = p.rdv
	case p.outgoing:
		c.Addr, c.Reachable = p.addr, true
	case listen != 0:
		c.Addr = netip.AddrPortFrom(p.addr.Addr(), listen)
	}
	return c
}

// pexMessage handles the extension messages peer exchange needs: the
// peer's extension handshake (its ut_pex id and listening port) and its
// ut_pex messages; t.mu is held.
func (t *Torrent) pexMessage(p *peer, m wire.Message) {
	switch m.ExtID {
	case 0:
		h, err := wire.ParseExtHandshake(m.Payload)
		if err != nil {
			return
		}
		if h.P > 0 && h.P <= 65535 && !p.outgoing && p.rdv.IsZero() {
			t.pex.Update(pex.Peer(p.id), pexContact(p, uint16(h.P)))
		}
		id, ok := h.ExtID(wire.ExtPEX)
		switch {
		case ok && p.pexID == 0:
			p.pexID = id
			t.pex.Enable(time.Now(), pex.Peer(p.id))
		case ok:
			p.pexID = id
		case p.pexID != 0:
			if _, named := h.M[wire.ExtPEX]; named {
				p.pexID = 0 // switched off by a later handshake
				t.pex.Disable(pex.Peer(p.id))
			}
		}
	case swarm.ExtPEXID:
		msg, err := wire.ParsePEX(m.Payload)
		if err != nil {
			t.log.Debug("bad peer exchange message", "addr", p.addr, "err", err)
			return
		}
		learned := t.pex.Receive(time.Now(), pex.Peer(p.id), fromWirePEX(msg))
		t.log.Debug("peer exchange", "from", p.addr, "added", len(msg.Added), "rendezvous", len(msg.Rendezvous), "new", len(learned))
		for _, c := range learned {
			if c.Rendezvous != ([20]byte{}) {
				t.addRendezvous(c.Addr, proto.ID(c.Rendezvous), "pex")
			} else {
				t.addCandidates([]netip.AddrPort{c.Addr}, "pex")
			}
		}
	}
}

// pexSend sends the peer exchange messages that are due; t.mu is held.
func (t *Torrent) pexSend(now time.Time) {
	for _, o := range t.pex.Due(now) {
		p := t.peers[swarm.Peer(o.To)]
		if p == nil || p.pexID == 0 {
			continue
		}
		b, err := toWirePEX(o.Msg).Marshal()
		if err != nil {
			t.log.Debug("peer exchange message", "err", err)
			continue
		}
		m := wire.Message{ID: wire.Extended, ExtID: p.pexID, Payload: b}
		p.conn.Send(m)
		if t.s.cfg.OnEvent != nil {
			t.event(p.addr, p.rdv, true, m.String())
		}
	}
}

// toWirePEX puts the rendezvous IDs of added contacts in the rendezvous
// list and the other contacts in added/dropped: at most one entry per
// contact, so a message of pex.DefaultMaxAdded contacts is never cut by
// the receiver's cap.
func toWirePEX(m pex.Message) wire.PEX {
	var w wire.PEX
	for _, c := range m.Added {
		if c.Rendezvous != ([20]byte{}) {
			w.Rendezvous = append(w.Rendezvous, c.Rendezvous)
			continue
		}
		if c.Addr.IsValid() {
			var f byte
			if c.Seed {
				f |= wire.PEXSeed
			}
			if c.Reachable {
				f |= wire.PEXReachable
			}
			w.Added = append(w.Added, wire.PEXPeer{Addr: c.Addr, Flags: f})
		}
	}
	for _, c := range m.Dropped {
		if c.Addr.IsValid() {
			w.Dropped = append(w.Dropped, c.Addr)
		}
	}
	return w
}

// fromWirePEX turns a received message into contacts: one per address,
// one per rendezvous ID.
func fromWirePEX(w wire.PEX) pex.Message {
	var m pex.Message
	for _, a := range w.Added {
		m.Added = append(m.Added, pex.Contact{Addr: a.Addr, Seed: a.Flags&wire.PEXSeed != 0, Reachable: a.Flags&wire.PEXReachable != 0})
	}
	for _, id := range w.Rendezvous {
		m.Added = append(m.Added, pex.Contact{Rendezvous: id})
	}
	for _, a := range w.Dropped {
		m.Dropped = append(m.Dropped, pex.Contact{Addr: a})
	}
	return m
}
