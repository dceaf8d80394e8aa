package swarm

import (
	"slices"
	"testing"

	"shoal/internal/wire"
)

// TestIdleSlotGoesToWaitingPeer checks that an unchoked peer that asks for
// nothing gives its slot to a choked interested peer, the longest idle
// first and one per waiting peer, and keeps it when nobody waits.
func TestIdleSlotGoesToWaitingPeer(t *testing.T) {
	seed := newState(t, full())
	peersOf := func(acts []Action, k Kind, id wire.ID) []Peer {
		var ps []Peer
		for _, a := range find(acts, k, id) {
			ps = append(ps, a.Peer)
		}
		slices.Sort(ps)
		return ps
	}
	// Five interested peers take the four regular slots and the
	// optimistic one.
	for p := Peer(1); p <= DefaultSlots+1; p++ {
		seed.AddPeer(t0, p, PeerInfo{Fast: true})
		acts := seed.Handle(t0, p, wire.Message{ID: wire.Interested})
		if got := peersOf(acts, Send, wire.Unchoke); !slices.Equal(got, []Peer{p}) {
			t.Fatalf("peer %d interested: %s", p, kinds(acts))
		}
	}
	half := IdleSlotTime / 2
	seed.Handle(t0.Add(half), 1, wire.Message{ID: wire.Request, Index: 0, Begin: 0, Length: 1 << 14})
	// Nobody waits: idle peers keep their slots.
	now := t0.Add(4 * half)
	if acts := seed.Tick(now); len(find(acts, Send, wire.Choke)) != 0 {
		t.Fatalf("choked with nobody waiting: %s", kinds(acts))
	}
	// Peer 6 comes: one idle peer, the first of those idle longest, makes
	// room.
	seed.AddPeer(now, 6, PeerInfo{Fast: true})
	acts := seed.Handle(now, 6, wire.Message{ID: wire.Interested})
	if got := peersOf(acts, Send, wire.Choke); !slices.Equal(got, []Peer{2}) {
		t.Fatalf("choked %v, want [2]: %s", got, kinds(acts))
	}
	if got := peersOf(acts, Send, wire.Unchoke); !slices.Equal(got, []Peer{6}) {
		t.Fatalf("unchoked %v, want [6]: %s", got, kinds(acts))
	}
	if got := peersOf(acts, UnserveAll, 0); !slices.Equal(got, []Peer{2}) {
		t.Fatalf("dropped the queue of %v, want [2]: %s", got, kinds(acts))
	}
	// Now peer 2 waits: the next idle peer makes room; peer 6 has its
	// time to ask, and peer 1 asked later than peer 3.
	acts = seed.Tick(now.Add(half))
	if got := peersOf(acts, Send, wire.Choke); !slices.Equal(got, []Peer{3}) {
		t.Fatalf("choked %v, want [3]: %s", got, kinds(acts))
	}
	if got := peersOf(acts, Send, wire.Unchoke); !slices.Equal(got, []Peer{2}) {
		t.Fatalf("unchoked %v, want [2]: %s", got, kinds(acts))
	}
}
