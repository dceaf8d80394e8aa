package swarm

import (
	"slices"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/wire"
)

func newSuperSeed(t *testing.T) *State {
	t.Helper()
	s, err := New(Config{NumPieces: testPieces, PieceLength: testPL, TotalLength: testTotal, Have: full(), SuperSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	if !s.SuperSeeding() {
		t.Fatal("not super-seeding")
	}
	return s
}

// offers returns the pieces offered (have messages) to p in acts.
func offers(acts []Action, p Peer) []int {
	var out []int
	for _, a := range find(acts, Send, wire.Have) {
		if a.Peer == p {
			out = append(out, int(a.Msg.Index))
		}
	}
	return out
}

// TestSuperSeedOffersOnePieceEach: three leechers each get a different
// piece, one at a time, after an empty piece list.
func TestSuperSeedOffersOnePieceEach(t *testing.T) {
	s := newSuperSeed(t)
	got := map[int]bool{}
	for p := Peer(1); p <= 3; p++ {
		acts := s.AddPeer(t0, p, PeerInfo{Fast: true})
		if kinds(acts) != kinds([]Action{{Kind: Send, Peer: p, Msg: wire.Message{ID: wire.HaveNone}}}) {
			t.Fatalf("opening to %d: %s", p, kinds(acts))
		}
		acts = s.Handle(t0, p, wire.Message{ID: wire.HaveNone})
		o := offers(acts, p)
		if len(o) != 1 || got[o[0]] {
			t.Fatalf("peer %d offered %v (already offered: %v)", p, o, got)
		}
		got[o[0]] = true
	}
	// A peer without the fast extension, which sends no piece list, gets
	// its offer a second later.
	if acts := s.AddPeer(t0, 4, PeerInfo{}); len(acts) != 0 {
		t.Fatalf("opening to a plain peer: %s", kinds(acts))
	}
	if o := offers(s.Tick(t0.Add(time.Second)), 4); len(o) != 1 || got[o[0]] {
		t.Fatalf("plain peer offered %v", o)
	}
}

// TestSuperSeedNextOfferAfterSpread: a peer gets its next piece only once
// the offered one is seen at another peer; requests for pieces not
// offered are refused.
func TestSuperSeedNextOfferAfterSpread(t *testing.T) {
	s := newSuperSeed(t)
	offered := map[Peer]int{}
	for p := Peer(1); p <= 3; p++ {
		s.AddPeer(t0, p, PeerInfo{Fast: true})
		offered[p] = offers(s.Handle(t0, p, wire.Message{ID: wire.HaveNone}), p)[0]
	}
	a := offered[1]
	other := (a + 1) % testPieces
	for other == offered[1] || other == offered[2] || other == offered[3] {
		other = (other + 1) % testPieces
	}
	s.Handle(t0, 1, wire.Message{ID: wire.Interested})
	if acts := s.Handle(t0, 1, wire.Message{ID: wire.Request, Index: uint32(other), Length: bt.BlockSize}); len(find(acts, Send, wire.Reject)) != 1 || len(find(acts, Serve, 0)) != 0 {
		t.Fatalf("request for a piece not offered: %s", kinds(acts))
	}
	if acts := s.Handle(t0, 1, wire.Message{ID: wire.Request, Index: uint32(a), Length: bt.BlockSize}); len(find(acts, Serve, 0)) != 1 {
		t.Fatalf("request for the offered piece: %s", kinds(acts))
	}
	// Peer 1 has its piece: nobody else has it yet, so no new offer,
	// not even after a tick.
	if o := offers(s.Handle(t0, 1, wire.Message{ID: wire.Have, Index: uint32(a)}), 1); len(o) != 0 {
		t.Fatalf("offered %v before the piece spread", o)
	}
	if o := offers(s.Tick(t0.Add(time.Second)), 1); len(o) != 0 {
		t.Fatalf("offered %v on a tick before the piece spread", o)
	}
	// Peer 2 got it from peer 1: peer 1 gets its next piece, a new one.
	acts := s.Handle(t0, 2, wire.Message{ID: wire.Have, Index: uint32(a)})
	o := offers(acts, 1)
	if len(o) != 1 || slices.Contains([]int{offered[1], offered[2], offered[3]}, o[0]) {
		t.Fatalf("after the piece spread, peer 1 offered %v: %s", o, kinds(acts))
	}
	if o := offers(acts, 2); len(o) != 0 {
		t.Fatalf("peer 2, still downloading its own piece, offered %v", o)
	}
}

// TestSuperSeedStall: a piece that does not spread for SuperSeedStall no
// longer holds its peer back; a single peer is never held back.
func TestSuperSeedStall(t *testing.T) {
	s := newSuperSeed(t)
	s.AddPeer(t0, 1, PeerInfo{Fast: true})
	a := offers(s.Handle(t0, 1, wire.Message{ID: wire.HaveNone}), 1)[0]
	if o := offers(s.Handle(t0, 1, wire.Message{ID: wire.Have, Index: uint32(a)}), 1); len(o) != 1 {
		t.Fatalf("single peer offered %v after completing its piece", o)
	}

	s = newSuperSeed(t)
	for p := Peer(1); p <= 2; p++ {
		s.AddPeer(t0, p, PeerInfo{Fast: true})
		s.Handle(t0, p, wire.Message{ID: wire.HaveNone})
	}
	a = s.peers[1].sp.offer
	s.Handle(t0, 1, wire.Message{ID: wire.Have, Index: uint32(a)})
	if o := offers(s.Tick(t0.Add(SuperSeedStall-time.Second)), 1); len(o) != 0 {
		t.Fatalf("offered %v before the stall timeout", o)
	}
	if o := offers(s.Tick(t0.Add(SuperSeedStall)), 1); len(o) != 1 {
		t.Fatalf("offered %v at the stall timeout", o)
	}
}

// TestSuperSeedEnds: once every piece is at some peer, the seed announces
// the rest and serves everything.
func TestSuperSeedEnds(t *testing.T) {
	s := newSuperSeed(t)
	s.AddPeer(t0, 1, PeerInfo{Fast: true})
	s.AddPeer(t0, 2, PeerInfo{Fast: true})
	s.Handle(t0, 1, wire.Message{ID: wire.HaveNone})
	s.Handle(t0, 2, wire.Message{ID: wire.HaveNone})
	seen := map[int]bool{}
	var last []Action
	for i := range testPieces - 1 {
		last = s.Handle(t0, 2, wire.Message{ID: wire.Have, Index: uint32(i)})
		seen[i] = true
	}
	if !s.SuperSeeding() {
		t.Fatalf("stopped super-seeding with a piece missing: %s", kinds(last))
	}
	acts := s.Handle(t0, 1, wire.Message{ID: wire.Have, Index: testPieces - 1})
	if s.SuperSeeding() {
		t.Fatal("still super-seeding with every piece out")
	}
	// Peer 2 lacks only the last piece and peer 1 all but it, minus what
	// was offered to them before.
	if o := offers(acts, 2); len(o) > 1 {
		t.Fatalf("peer 2 told of %v", o)
	}
	for i := range testPieces - 1 {
		if !s.peers[1].sp.offered.Has(i) && !slices.Contains(offers(acts, 1), i) {
			t.Fatalf("peer 1 not told of piece %d: %s", i, kinds(acts))
		}
	}
	s.Handle(t0, 1, wire.Message{ID: wire.Interested})
	if acts := s.Handle(t0, 1, wire.Message{ID: wire.Request, Index: 0, Length: bt.BlockSize}); len(find(acts, Serve, 0)) != 1 {
		t.Fatalf("request after super-seeding: %s", kinds(acts))
	}
	if acts := s.AddPeer(t0, 3, PeerInfo{Fast: true}); len(find(acts, Send, wire.HaveAll)) != 1 {
		t.Fatalf("new peer after super-seeding: %s", kinds(acts))
	}
}

// TestSuperSeedOnlyWhenComplete: a downloading State ignores SuperSeed.
func TestSuperSeedOnlyWhenComplete(t *testing.T) {
	s, err := New(Config{NumPieces: testPieces, PieceLength: testPL, TotalLength: testTotal, SuperSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.SuperSeeding() {
		t.Fatal("super-seeding without the data")
	}
}
