package swarm

import (
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/wire"
)

// SuperSeedStall is how long a super-seeding State waits for a piece it
// offered, and the peer downloaded, to show up at another peer before it
// offers that peer another piece anyway. It keeps peers that cannot reach
// each other from waiting forever.
const SuperSeedStall = 30 * time.Second

// superSeed is the state of BEP 16 super-seeding.
//
// While it is on we tell every peer that we have nothing, then offer each
// one piece at a time with a have message: the piece offered to the fewest
// peers right now, then held by the fewest peers, so that different peers
// get different pieces. We serve only pieces offered to the asking peer.
// A peer gets its next piece once it reports having the offered one and
// another peer has it too (the piece has spread), when it is the only
// peer, or when the piece did not spread for SuperSeedStall. Super-seeding
// ends, for good, once every piece is held by some connected peer: we then announce the remaining pieces to everyone with
// have messages and seed normally.
type superSeed struct {
	on     bool
	offers []int32 // per piece: peers it is offered to now
	upAtOn int64   // bytes uploaded when super-seeding ended
	ended  bool
	cands  []int // scratch
}

// superPeer is a peer's part of the super-seeding state.
type superPeer struct {
	offer   int                // piece offered now, -1 if none
	gotAt   time.Time          // when the peer reported having offer; zero if not yet
	offered *bitfield.Bitfield // every piece ever offered to the peer
}

func (s *State) superInit() {
	if s.cfg.SuperSeed && s.seeding {
		s.ss.on = true
		s.ss.offers = make([]int32, s.cfg.NumPieces)
	}
}

// SuperSeeding reports whether the state is super-seeding (BEP 16).
func (s *State) SuperSeeding() bool { return s.ss.on }

// superAddPeer sends the opening piece list of a super-seeder: nothing.
func (s *State) superAddPeer(p Peer, ps *peerState) {
	ps.sp = superPeer{offer: -1, offered: bitfield.New(s.cfg.NumPieces)}
	if ps.info.Fast {
		s.send(p, wire.Message{ID: wire.HaveNone})
	}
}

// superRemovePeer drops p's offer.
func (s *State) superRemovePeer(ps *peerState) {
	if ps.sp.offer >= 0 {
		s.ss.offers[ps.sp.offer]--
		ps.sp.offer = -1
	}
}

// superMayServe reports whether p may request piece i.
func (s *State) superMayServe(ps *peerState, i int) bool {
	return !s.ss.on || ps.sp.offered.Has(i)
}

// held is how many connected peers have piece i.
func (s *State) held(i int) int { return s.pk.Availability(i) }

// superUpdate is called after piece news from any peer and on ticks: it
// ends super-seeding when every piece is out, and otherwise gives a new
// offer to every peer whose offer is done.
func (s *State) superUpdate(now time.Time) {
	if !s.ss.on {
		return
	}
	if s.spread() {
		s.superEnd(now)
		return
	}
	alone := len(s.peers) == 1
	for _, p := range s.sortedPeers() {
		ps := s.peers[p]
		if ps.first && !ps.info.Fast && now.Sub(ps.joined) < time.Second {
			// Wait a moment for the peer's piece list, if it sends one.
			continue
		}
		if ps.first && ps.info.Fast {
			continue // a fast peer always sends one
		}
		o := ps.sp.offer
		switch {
		case o < 0:
			s.offer(p, ps)
		case !ps.has.Has(o):
			// Still downloading it.
		case ps.sp.gotAt.IsZero():
			ps.sp.gotAt = now
			if alone || s.held(o) >= 2 {
				s.offer(p, ps)
			}
		case alone || s.held(o) >= 2 || now.Sub(ps.sp.gotAt) >= SuperSeedStall:
			s.offer(p, ps)
		}
	}
}

// spread reports whether every piece is held by some connected peer.
func (s *State) spread() bool {
	for i := range s.cfg.NumPieces {
		if s.held(i) <= 0 {
			return false
		}
	}
	return true
}

// offer gives p its next piece: of those it lacks, the one offered to
// the fewest peers now, then held by the fewest, then by chance.
func (s *State) offer(p Peer, ps *peerState) {
	if ps.sp.offer >= 0 {
		s.ss.offers[ps.sp.offer]--
		ps.sp.offer = -1
	}
	ps.sp.gotAt = time.Time{}
	s.ss.cands = s.ss.cands[:0]
	bestOffers, bestHeld := int32(-1), -1
	for i := range s.cfg.NumPieces {
		if ps.has.Has(i) || ps.sp.offered.Has(i) {
			continue
		}
		o, h := s.ss.offers[i], s.held(i)
		switch {
		case bestOffers < 0 || o < bestOffers || (o == bestOffers && h < bestHeld):
			bestOffers, bestHeld = o, h
			s.ss.cands = append(s.ss.cands[:0], i)
		case o == bestOffers && h == bestHeld:
			s.ss.cands = append(s.ss.cands, i)
		}
	}
	if len(s.ss.cands) == 0 {
		return
	}
	i := s.ss.cands[s.rnd.IntN(len(s.ss.cands))]
	ps.sp.offer = i
	ps.sp.offered.Set(i)
	s.ss.offers[i]++
	s.send(p, wire.Message{ID: wire.Have, Index: uint32(i)})
}

// superEnd stops super-seeding: every peer learns of the pieces it lacks
// and was not offered.
func (s *State) superEnd(now time.Time) {
	s.ss.on, s.ss.ended = false, true
	s.ss.upAtOn = s.up.Total()
	for _, p := range s.sortedPeers() {
		ps := s.peers[p]
		ps.sp.offer = -1
		for i := range s.cfg.NumPieces {
			if !ps.has.Has(i) && !ps.sp.offered.Has(i) {
				s.send(p, wire.Message{ID: wire.Have, Index: uint32(i)})
			}
		}
	}
	clear(s.ss.offers)
	s.rechoke(now)
}
