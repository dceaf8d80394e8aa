package picker

import "slices"

// Received records that p delivered block b.
//
// fresh is false when we did not need the block (a duplicate, a block of a
// piece that is not partial, or a malformed block); the caller drops the
// data and ignores the other results. Otherwise the block counts as
// received whether or not p was asked for it.
//
// cancel lists the other peers that had b outstanding (endgame); their
// requests are already forgotten, the caller only sends the cancel messages.
// The slice is reused by the next call to Received.
//
// pieceDone reports that every block of the piece is now received; the
// caller hashes the piece and calls Verified or Failed.
func (pk *Picker) Received(p Peer, b Block) (fresh bool, cancel []Peer, pieceDone bool) {
	k, ok := pk.blockIndex(b)
	if !ok {
		return false, nil, false
	}
	pt := pk.partialOf(b.Piece)
	if pt == nil || pt.recv.has(k) {
		return false, nil, false
	}
	cancel = pk.cancelBuf[:0]
	rs := pt.requesters(k)
	for _, q := range rs {
		if ps := pk.peers[q]; ps != nil {
			ps.outstanding--
		}
		if q != p {
			cancel = append(cancel, q)
		}
	}
	if len(rs) == 0 {
		pk.addFree(pt, -1)
	}
	pt.nreq[k] = 0
	pt.recv.set(k)
	pt.nRecv++
	if n := len(pt.contrib); n == 0 || pt.contrib[n-1] != p {
		if !slices.Contains(pt.contrib, p) {
			pt.contrib = append(pt.contrib, p)
		}
	}
	if pt.done() {
		pk.inFlight--
	}
	pk.cancelBuf = cancel
	if len(cancel) == 0 {
		cancel = nil
	}
	return true, cancel, pt.done()
}

// Cancelled records that b is no longer outstanding at p: p rejected it
// (BEP 6) or we cancelled it. Unknown requests are ignored.
func (pk *Picker) Cancelled(p Peer, b Block) {
	k, ok := pk.blockIndex(b)
	if !ok {
		return
	}
	pt, ps := pk.partialOf(b.Piece), pk.peers[p]
	if pt == nil || ps == nil || !pk.unrequest(pt, k, p) {
		return
	}
	ps.outstanding--
	for j, e := range ps.reqs {
		if int(e.piece) == b.Piece && int(e.block) == k && e.gen == pt.gen {
			last := len(ps.reqs) - 1
			ps.reqs[j] = ps.reqs[last]
			ps.reqs = ps.reqs[:last]
			break
		}
	}
	pk.dropIfUntouched(pt)
}

// Choked records that p choked us: all its outstanding requests are
// forgotten, as the peer discards them (BEP 3).
func (pk *Picker) Choked(p Peer) {
	if ps := pk.peers[p]; ps != nil {
		pk.releaseAll(p, ps)
	}
}

// Outstanding is the number of blocks outstanding at p.
func (pk *Picker) Outstanding(p Peer) int {
	if ps := pk.peers[p]; ps != nil {
		return ps.outstanding
	}
	return 0
}

// live returns the partial an outstanding-request entry refers to, or nil
// if the entry is stale.
func (pk *Picker) live(p Peer, e reqRef) *partial {
	pt := pk.partialOf(int(e.piece))
	if pt == nil || pt.gen != e.gen || pt.recv.has(int(e.block)) || !pt.requestedBy(int(e.block), p) {
		return nil
	}
	return pt
}

// releaseAll forgets every request outstanding at p.
func (pk *Picker) releaseAll(p Peer, ps *peerState) {
	for _, e := range ps.reqs {
		if pt := pk.live(p, e); pt != nil && pk.unrequest(pt, int(e.block), p) {
			pk.dropIfUntouched(pt)
		}
	}
	ps.reqs = ps.reqs[:0]
	ps.outstanding = 0
}

// compact drops stale entries from p's request list.
func (pk *Picker) compact(p Peer, ps *peerState) {
	ps.reqs = slices.DeleteFunc(ps.reqs, func(e reqRef) bool { return pk.live(p, e) == nil })
}
