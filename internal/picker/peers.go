package picker

import (
	"math/bits"

	"shoal/internal/bitfield"
)

// peerState is what the Picker knows about one peer.
type peerState struct {
	seed        bool
	has         bitset // pieces the peer has; unused for seeds
	count       int    // members of has
	lacks       int    // members of has that we do not have
	outstanding int
	listPos     int // index in Picker.list
	// reqs lists the peer's outstanding requests. Entries go stale when the
	// block arrives or its piece is verified, failed or abandoned; they are
	// filtered lazily (see compact) so that a delivery costs no search.
	reqs []reqRef
}

type reqRef struct {
	piece, block int32
	gen          uint32
}

func (ps *peerState) hasPiece(i int) bool { return ps.seed || ps.has.has(i) }

// peer returns the state of p, creating an empty one.
func (pk *Picker) peer(p Peer) *peerState {
	ps := pk.peers[p]
	if ps == nil {
		ps = &peerState{has: newBitset(pk.numPieces), listPos: len(pk.list)}
		pk.peers[p] = ps
		pk.list = append(pk.list, ps)
	}
	return ps
}

// PeerBitfield sets the pieces p has, replacing what was known. Bits past
// NumPieces are ignored.
func (pk *Picker) PeerBitfield(p Peer, bf *bitfield.Bitfield) {
	ps := pk.peer(p)
	pk.forgetHaves(ps)
	if bf == nil {
		return
	}
	if bf.Len() == pk.numPieces && bf.Full() {
		pk.becomeSeed(ps)
		return
	}
	for j, x := range bf.Bytes() {
		for x != 0 {
			k := bits.LeadingZeros8(x)
			x &^= 0x80 >> k
			if i := j*8 + k; i < pk.numPieces {
				pk.addHave(ps, i)
			}
		}
	}
	if ps.count == pk.numPieces {
		pk.becomeSeed(ps)
	}
}

// PeerHave records that p has piece i.
func (pk *Picker) PeerHave(p Peer, i int) {
	if i < 0 || i >= pk.numPieces {
		return
	}
	ps := pk.peer(p)
	if ps.hasPiece(i) {
		return
	}
	pk.addHave(ps, i)
	if ps.count == pk.numPieces {
		pk.becomeSeed(ps)
	}
}

// PeerHaveAll records that p has every piece (BEP 6 have-all).
func (pk *Picker) PeerHaveAll(p Peer) {
	ps := pk.peer(p)
	if !ps.seed {
		pk.forgetHaves(ps)
		pk.becomeSeed(ps)
	}
}

// PeerHaveNone registers p with no pieces (BEP 6 have-none), forgetting
// any pieces known before.
func (pk *Picker) PeerHaveNone(p Peer) { pk.forgetHaves(pk.peer(p)) }

// PeerGone forgets p: its availability and all its outstanding requests.
// Partial pieces that p had started and that received nothing return to
// the wanted pieces.
func (pk *Picker) PeerGone(p Peer) {
	ps := pk.peers[p]
	if ps == nil {
		return
	}
	pk.releaseAll(p, ps)
	pk.forgetHaves(ps)
	delete(pk.peers, p)
	last := len(pk.list) - 1
	moved := pk.list[last]
	pk.list[ps.listPos] = moved
	moved.listPos = ps.listPos
	pk.list[last] = nil
	pk.list = pk.list[:last]
}

// PeerInteresting reports whether p has a piece we lack.
func (pk *Picker) PeerInteresting(p Peer) bool {
	ps := pk.peers[p]
	if ps == nil {
		return false
	}
	if ps.seed {
		return !pk.Complete()
	}
	return ps.lacks > 0
}

// PeerSeed reports whether p is known to have every piece.
func (pk *Picker) PeerSeed(p Peer) bool {
	ps := pk.peers[p]
	return ps != nil && ps.seed
}

// Seeds is the number of known peers that have every piece.
func (pk *Picker) Seeds() int { return pk.seeds }

func (pk *Picker) addHave(ps *peerState, i int) {
	ps.has.set(i)
	ps.count++
	if !pk.have.has(i) {
		ps.lacks++
	}
	if pk.want.contains(i) {
		pk.want.inc(i, int(pk.avail[i]))
	}
	pk.avail[i]++
}

// forgetHaves removes the availability ps contributes.
func (pk *Picker) forgetHaves(ps *peerState) {
	if ps.seed {
		ps.seed = false
		pk.seeds--
		if ps.has == nil {
			ps.has = newBitset(pk.numPieces)
		}
		return
	}
	if ps.count == 0 {
		return
	}
	ps.has.each(func(i int) bool {
		if pk.want.contains(i) {
			pk.want.dec(i, int(pk.avail[i]))
		}
		pk.avail[i]--
		return true
	})
	clear(ps.has)
	ps.count, ps.lacks = 0, 0
}

// becomeSeed turns a peer with no recorded pieces into a counted seed.
func (pk *Picker) becomeSeed(ps *peerState) {
	pk.forgetHaves(ps)
	ps.seed = true
	ps.has = nil
	pk.seeds++
}
