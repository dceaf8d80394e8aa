package registry

import (
	"net/netip"

	"shoal/internal/bt"
)

// Rendezvous is how a peer behind a NAT can be reached through shoal's
// rendezvous routers (an extension to BEP 3 announces): its node ID and,
// if it gave it, its home router as "ID@HOST:PORT". The tracker checks
// the syntax; the registry keeps it with the peer and hands it out with
// the peer. The zero value means none.
type Rendezvous struct {
	ID     [20]byte
	Router string // at most MaxRouterLen bytes
}

// MaxRouterLen bounds Rendezvous.Router; a longer one is dropped.
const MaxRouterLen = 300

// IsZero reports whether r says nothing.
func (r Rendezvous) IsZero() bool { return r.ID == [20]byte{} }

// RendezvousPeer is a peer's address and its rendezvous contact.
type RendezvousPeer struct {
	Addr netip.AddrPort
	Rendezvous
}

// Rendezvous contacts live in a map per swarm beside the entries, so that
// entries stay free of pointers and swarms without contacts pay nothing.

// setRendezvous records (or, for the zero value, forgets) the contact of
// the entry k of swarm s.
func (t *Table) setRendezvous(s *swarm, k endpointKey, r Rendezvous) {
	if r.IsZero() {
		if s.rdv != nil {
			delete(s.rdv, k)
			if len(s.rdv) == 0 {
				s.rdv = nil
			}
		}
		return
	}
	if len(r.Router) > MaxRouterLen {
		r.Router = ""
	}
	if s.rdv == nil {
		s.rdv = make(map[endpointKey]Rendezvous)
	}
	s.rdv[k] = r
}

// forgetRendezvous drops the contact of an entry being removed.
func (t *Table) forgetRendezvous(h bt.InfoHash, k endpointKey) {
	if s := t.swarms[h]; s != nil && s.rdv != nil {
		t.setRendezvous(s, k, Rendezvous{})
	}
}

// RendezvousOf appends to dst the contacts of those of peers (of swarm h)
// that have one.
func (t *Table) RendezvousOf(h bt.InfoHash, peers []netip.AddrPort, dst []RendezvousPeer) []RendezvousPeer {
	s := t.swarms[h]
	if s == nil || len(s.rdv) == 0 {
		return dst
	}
	for _, p := range peers {
		addr, ok := normalize(p)
		if !ok {
			continue
		}
		if r, ok := s.rdv[keyOf(addr)]; ok {
			dst = append(dst, RendezvousPeer{Addr: addr, Rendezvous: r})
		}
	}
	return dst
}

// RendezvousOf is Table.RendezvousOf on the swarm's shard.
func (r *Registry) RendezvousOf(h bt.InfoHash, peers []netip.AddrPort, dst []RendezvousPeer) []RendezvousPeer {
	sh := r.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.t.RendezvousOf(h, peers, dst)
}
