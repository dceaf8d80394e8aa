package registry

import (
	"net/netip"
	"time"

	"shoal/internal/bt"
)

// Restore adds a swarm loaded from a store. Peers replace entries on the same
// endpoint; the completed count is raised to st.Completed if lower. Peers with
// an unusable address are skipped. Restore does not mark anything changed.
func (t *Table) Restore(st SwarmState) {
	s := t.swarm(st.InfoHash)
	if st.Completed > s.completed {
		s.completed = st.Completed
	}
	for _, p := range st.Peers {
		t.put(s, p)
	}
	t.dropIfIdle(st.InfoHash, s)
}

// Apply merges changes made elsewhere (another tracker process sharing the
// store). The last-seen time orders the states of an entry: a peer state
// does not replace an entry seen later, and a removal with a time (see
// PeerChange) does not remove an entry seen after it, so that changes
// arriving late never undo newer ones. Apply does not mark anything changed.
func (t *Table) Apply(b Batch) {
	for _, c := range b.Peers {
		t.applyPeer(c)
	}
	for _, c := range b.Completed {
		t.applyCompleted(c)
	}
}

func (t *Table) applyPeer(c PeerChange) {
	if seen, ok := t.lastSeen(c.InfoHash, c.Peer.Addr); ok && !c.Peer.LastSeen.IsZero() && seen > c.Peer.LastSeen.UnixNano() {
		return // the entry here is newer
	}
	if c.Removed {
		t.forget(c.InfoHash, c.Peer.Addr)
		return
	}
	s := t.swarm(c.InfoHash)
	t.put(s, c.Peer)
	t.dropIfIdle(c.InfoHash, s)
}

// lastSeen returns the last-seen time (unix ns) of an entry, if present.
func (t *Table) lastSeen(h bt.InfoHash, ap netip.AddrPort) (int64, bool) {
	addr, ok := normalize(ap)
	if !ok {
		return 0, false
	}
	s := t.swarms[h]
	if s == nil {
		return 0, false
	}
	f := &s.fam[familyOf(addr)]
	i, found := f.lookup(keyOf(addr))
	if !found {
		return 0, false
	}
	return f.peers[i].lastSeen, true
}

func (t *Table) applyCompleted(c CompletedChange) {
	if c.Delta == 0 {
		return
	}
	t.swarm(c.InfoHash).completed += c.Delta
}

func (t *Table) swarm(h bt.InfoHash) *swarm {
	s := t.swarms[h]
	if s == nil {
		s = &swarm{}
		t.swarms[h] = s
	}
	return s
}

func (t *Table) put(s *swarm, p Peer) {
	addr, ok := normalize(p.Addr)
	if !ok {
		return
	}
	e := entryOf(p, addr)
	f := &s.fam[familyOf(addr)]
	t.setRendezvous(s, e.ep, p.Rendezvous)
	if i, found := f.lookup(e.ep); found {
		f.replace(i, e)
		return
	}
	f.insert(e)
	t.peers++
}

func (t *Table) forget(h bt.InfoHash, ap netip.AddrPort) {
	addr, ok := normalize(ap)
	if !ok {
		return
	}
	s := t.swarms[h]
	if s == nil {
		return
	}
	f := &s.fam[familyOf(addr)]
	if i, found := f.lookup(keyOf(addr)); found {
		t.forgetRendezvous(h, keyOf(addr))
		f.remove(i)
		t.peers--
	}
	t.dropIfIdle(h, s)
}

// dirtyKeep is the most changes a table's change set keeps room for
// between TakeChanges calls.
const dirtyKeep = 1024

// TakeChanges appends to b the current state of every entry changed since
// the previous call, and the completed counts gained since then, and forgets
// them. It does nothing unless the table tracks changes.
func (t *Table) TakeChanges(b *Batch) {
	if !t.track {
		return
	}
	for k, removedAt := range t.dirty {
		c := PeerChange{InfoHash: k.hash}
		s := t.swarms[k.hash]
		if s == nil {
			c.Removed = true
		} else {
			f := &s.fam[0]
			if !k.ep.is4() {
				f = &s.fam[1]
			}
			if i, ok := f.lookup(k.ep); ok {
				c.Peer = f.peers[i].peer()
				c.Peer.Rendezvous = s.rdv[k.ep]
			} else {
				c.Removed = true
			}
		}
		if c.Removed {
			c.Peer.Addr = k.ep.addrPort()
			if removedAt != 0 {
				c.Peer.LastSeen = time.Unix(0, removedAt)
			}
		}
		b.Peers = append(b.Peers, c)
	}
	// A map keeps its size when cleared: after a burst of changes (a
	// restart, a flood of new peers) start again small.
	if len(t.dirty) > dirtyKeep {
		t.dirty = make(map[dirtyKey]int64)
	} else {
		clear(t.dirty)
	}
	for h, d := range t.completed {
		b.Completed = append(b.Completed, CompletedChange{InfoHash: h, Delta: d})
	}
	clear(t.completed)
}
