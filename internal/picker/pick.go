package picker

// Pick appends to dst up to max blocks to request from p now and records
// them as outstanding at p. The caller sends every returned request, or
// calls Cancelled for those it does not send. Blocks already outstanding at
// p are never returned.
//
// Order of preference:
//
//  1. free blocks of partial pieces p has, the piece with the fewest free
//     blocks first (ties: pieces started for p, then lower index), blocks
//     in order within a piece;
//  2. a new piece p has: random while fewer than four pieces are verified,
//     otherwise one of the rarest, ties broken at random; no new piece is
//     started while the partial limit is reached (see SetMaxPartials);
//  3. endgame, when no block is free and every wanted piece is unavailable,
//     and p has nothing outstanding: one block outstanding at other peers,
//     one at one peer before one at two, each at no more than three peers.
func (pk *Picker) Pick(p Peer, max int, dst []Block) []Block {
	ps := pk.peers[p]
	if ps == nil || max <= 0 {
		return dst
	}
	want := max
	for want > 0 {
		pt := pk.bestOpen(p, ps)
		if pt == nil {
			break
		}
		dst, want = pk.takeFree(pt, p, ps, dst, want)
	}
	for want > 0 && pk.inFlight < pk.partialLimit() {
		i := pk.pickNew(ps)
		if i < 0 {
			break
		}
		dst, want = pk.takeFree(pk.startPartial(i, p), p, ps, dst, want)
	}
	if want > 0 && ps.outstanding == 0 && pk.endgame() {
		dst = pk.pickDuplicates(p, ps, dst, 1)
	}
	return dst
}

// bestOpen returns the partial piece with free blocks that p has and that is
// closest to completion.
func (pk *Picker) bestOpen(p Peer, ps *peerState) *partial {
	var best *partial
	for _, pt := range pk.open {
		if ps.hasPiece(pt.piece) && (best == nil || closer(pt, best, p)) {
			best = pt
		}
	}
	return best
}

// closer reports whether a should be served before b for p.
func closer(a, b *partial, p Peer) bool {
	if a.nFree != b.nFree {
		return a.nFree < b.nFree
	}
	if ao, bo := a.owner == p, b.owner == p; ao != bo {
		return ao
	}
	return a.piece < b.piece
}

// takeFree requests up to want free blocks of pt from p, lowest first.
func (pk *Picker) takeFree(pt *partial, p Peer, ps *peerState, dst []Block, want int) ([]Block, int) {
	b := pt.firstFree
	for ; b < pt.nblocks && want > 0 && pt.nFree > 0; b++ {
		if pt.nreq[b] != 0 || pt.recv.has(b) {
			continue
		}
		pk.request(pt, b, p, ps)
		dst = append(dst, pk.block(pt.piece, b))
		want--
	}
	pt.firstFree = b
	return dst, want
}

// endgame reports whether every block we could request is outstanding.
func (pk *Picker) endgame() bool {
	if pk.totalFree > 0 {
		return false
	}
	n := pk.want.len()
	return n == 0 || (pk.seeds == 0 && len(pk.want.level(0)) == n)
}

// pickDuplicates requests blocks outstanding at other peers (endgame).
func (pk *Picker) pickDuplicates(p Peer, ps *peerState, dst []Block, want int) []Block {
	for pass := uint8(1); pass < maxRequesters && want > 0; pass++ {
		for _, pt := range pk.partials {
			if pt.done() || !ps.hasPiece(pt.piece) {
				continue
			}
			for b := 0; b < pt.nblocks && want > 0; b++ {
				if pt.nreq[b] != pass || pt.recv.has(b) || pt.requestedBy(b, p) {
					continue
				}
				pk.request(pt, b, p, ps)
				dst = append(dst, pk.block(pt.piece, b))
				want--
			}
			if want == 0 {
				break
			}
		}
	}
	return dst
}

// pickNew returns a wanted piece p has, or -1.
func (pk *Picker) pickNew(ps *peerState) int {
	if pk.want.len() == 0 {
		return -1
	}
	random := pk.haveCount < randomFirst
	if ps.seed {
		if random {
			all := pk.want.from(0)
			return int(all[pk.rnd.IntN(len(all))])
		}
		for l := 0; l <= pk.want.top(); l++ {
			if seg := pk.want.level(l); len(seg) > 0 {
				return int(seg[pk.rnd.IntN(len(seg))])
			}
		}
		return -1
	}
	if ps.count == 0 {
		return -1
	}
	// A peer that is not a seed adds one to the level of each of its
	// pieces, so none of them is at level 0.
	budget := scanBudget
	if random {
		if i, ok := pk.probe(ps, pk.want.from(1), &budget); ok {
			return i
		}
		return pk.walk(ps, true)
	}
	for l := 1; l <= pk.want.top(); l++ {
		seg := pk.want.level(l)
		if len(seg) == 0 {
			continue
		}
		i, ok := pk.probe(ps, seg, &budget)
		if ok {
			return i
		}
		if budget <= 0 {
			return pk.walk(ps, false)
		}
	}
	return -1
}

// probe looks for a piece ps has in seg, starting at a random position and
// wrapping around, spending at most *budget probes. It reports false when
// seg has none or the budget ran out (then *budget <= 0).
func (pk *Picker) probe(ps *peerState, seg []int32, budget *int) (int, bool) {
	if len(seg) == 0 {
		return -1, false
	}
	start := pk.rnd.IntN(len(seg))
	for k := range len(seg) {
		if *budget <= 0 {
			return -1, false
		}
		*budget--
		j := start + k
		if j >= len(seg) {
			j -= len(seg)
		}
		if i := int(seg[j]); ps.has.has(i) {
			return i, true
		}
	}
	return -1, false
}

// walk goes through the pieces ps has and returns a wanted one chosen
// uniformly at random, among the rarest unless any is true; -1 if none.
func (pk *Picker) walk(ps *peerState, any bool) int {
	choice, best, ties := -1, int32(0), 0
	ps.has.each(func(i int) bool {
		if !pk.want.contains(i) {
			return true
		}
		l := pk.avail[i]
		if any {
			l = 0
		}
		switch {
		case choice < 0 || l < best:
			choice, best, ties = i, l, 1
		case l == best:
			ties++
			if pk.rnd.IntN(ties) == 0 {
				choice = i
			}
		}
		return true
	})
	return choice
}
