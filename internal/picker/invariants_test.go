package picker

import (
	"fmt"
	"math/bits"
)

// check verifies every internal invariant against a slow recomputation.
func (pk *Picker) check() error {
	if len(pk.list) != len(pk.peers) {
		return fmt.Errorf("list %d, map %d", len(pk.list), len(pk.peers))
	}
	for k, ps := range pk.list {
		if ps.listPos != k {
			return fmt.Errorf("list position %d holds %d", k, ps.listPos)
		}
	}
	// Availability.
	avail := make([]int32, pk.numPieces)
	seeds := 0
	for p, ps := range pk.peers {
		if ps.seed {
			seeds++
			continue
		}
		count, lacks := 0, 0
		for i := range pk.numPieces {
			if ps.has.has(i) {
				avail[i]++
				count++
				if !pk.have.has(i) {
					lacks++
				}
			}
		}
		if count != ps.count || lacks != ps.lacks {
			return fmt.Errorf("peer %d: count %d/%d lacks %d/%d", p, ps.count, count, ps.lacks, lacks)
		}
		if count == pk.numPieces && count > 0 {
			return fmt.Errorf("peer %d has everything but is not a seed", p)
		}
	}
	if seeds != pk.seeds {
		return fmt.Errorf("seeds %d, want %d", pk.seeds, seeds)
	}
	for i := range pk.numPieces {
		if avail[i] != pk.avail[i] {
			return fmt.Errorf("piece %d: avail %d, want %d", i, pk.avail[i], avail[i])
		}
	}

	// Our pieces.
	haveCount, left := 0, int64(0)
	for i := range pk.numPieces {
		if pk.have.has(i) != pk.haveWire.Has(i) {
			return fmt.Errorf("piece %d: wire bitfield differs", i)
		}
		if pk.have.has(i) {
			haveCount++
		} else {
			left += pk.PieceLength(i)
		}
	}
	if haveCount != pk.haveCount || left != pk.left {
		return fmt.Errorf("haveCount %d/%d left %d/%d", pk.haveCount, haveCount, pk.left, left)
	}

	// Wanted index.
	x := &pk.want
	for l := 0; l <= x.top(); l++ {
		if x.start[l] > x.start[l+1] {
			return fmt.Errorf("level %d: start %d > %d", l, x.start[l], x.start[l+1])
		}
		for _, i := range x.level(l) {
			if int(pk.avail[i]) != l {
				return fmt.Errorf("piece %d at level %d has avail %d", i, l, pk.avail[i])
			}
		}
	}
	nWant := 0
	for i := range pk.numPieces {
		wanted := !pk.have.has(i) && pk.pidx[i] < 0
		if wanted != x.contains(i) {
			return fmt.Errorf("piece %d: wanted %v, indexed %v", i, wanted, x.contains(i))
		}
		if wanted {
			nWant++
			if x.order[x.pos[i]] != int32(i) {
				return fmt.Errorf("piece %d: pos %d holds %d", i, x.pos[i], x.order[x.pos[i]])
			}
		}
	}
	if nWant != x.len() {
		return fmt.Errorf("wanted %d, index %d", nWant, x.len())
	}

	// Partial pieces and requests.
	outstanding := map[Peer]int{}
	totalFree, inFlight, open := 0, 0, 0
	for k, pt := range pk.partials {
		if pk.pidx[pt.piece] != int32(k) {
			return fmt.Errorf("partial %d: pidx %d", pt.piece, pk.pidx[pt.piece])
		}
		if pk.have.has(pt.piece) {
			return fmt.Errorf("partial %d is verified", pt.piece)
		}
		nRecv, nFree := 0, 0
		for b := range pt.nblocks {
			rs := pt.requesters(b)
			if pt.recv.has(b) {
				nRecv++
				if len(rs) != 0 {
					return fmt.Errorf("piece %d block %d: received but requested by %v", pt.piece, b, rs)
				}
			} else if len(rs) == 0 {
				nFree++
				if b < pt.firstFree {
					return fmt.Errorf("piece %d block %d: free below firstFree %d", pt.piece, b, pt.firstFree)
				}
			}
			for j, q := range rs {
				if pk.peers[q] == nil {
					return fmt.Errorf("piece %d block %d: requester %d unknown", pt.piece, b, q)
				}
				for _, r := range rs[:j] {
					if r == q {
						return fmt.Errorf("piece %d block %d: outstanding twice at %d", pt.piece, b, q)
					}
				}
				outstanding[q]++
			}
		}
		if nRecv != pt.nRecv || nFree != pt.nFree {
			return fmt.Errorf("piece %d: nRecv %d/%d nFree %d/%d", pt.piece, pt.nRecv, nRecv, pt.nFree, nFree)
		}
		if nRecv == 0 && nFree == pt.nblocks {
			return fmt.Errorf("piece %d: partial but untouched", pt.piece)
		}
		totalFree += nFree
		if !pt.done() {
			inFlight++
		}
		if (nFree > 0) != (pt.openPos >= 0) || (pt.openPos >= 0 && pk.open[pt.openPos] != pt) {
			return fmt.Errorf("piece %d: openPos %d nFree %d", pt.piece, pt.openPos, nFree)
		}
		if nFree > 0 {
			open++
		}
		var seen uint64
		for _, q := range pt.contrib {
			if q < 64 {
				if seen&(1<<uint(q)) != 0 {
					return fmt.Errorf("piece %d: contributor %d twice", pt.piece, q)
				}
				seen |= 1 << uint(q)
			}
		}
		if bits.OnesCount64(seen) > pt.nRecv {
			return fmt.Errorf("piece %d: more contributors than blocks", pt.piece)
		}
	}
	if totalFree != pk.totalFree || inFlight != pk.inFlight || open != len(pk.open) {
		return fmt.Errorf("totalFree %d/%d inFlight %d/%d open %d/%d",
			pk.totalFree, totalFree, pk.inFlight, inFlight, len(pk.open), open)
	}
	for p, ps := range pk.peers {
		if ps.outstanding != outstanding[p] {
			return fmt.Errorf("peer %d: outstanding %d, want %d", p, ps.outstanding, outstanding[p])
		}
		live := 0
		seen := map[reqRef]bool{}
		for _, e := range ps.reqs {
			if pk.live(p, e) != nil {
				if seen[e] {
					return fmt.Errorf("peer %d: live request %+v listed twice", p, e)
				}
				seen[e] = true
				live++
			}
		}
		if live != ps.outstanding {
			return fmt.Errorf("peer %d: %d live entries, outstanding %d", p, live, ps.outstanding)
		}
	}
	return nil
}
