package picker

// partial is the block state of one partial piece.
type partial struct {
	piece     int
	gen       uint32 // distinguishes successive partials of the same piece
	owner     Peer   // peer the piece was started for
	nblocks   int
	nRecv     int
	nFree     int
	firstFree int // no block below this index is free
	openPos   int // index in Picker.open, or -1

	recv    bitset
	nreq    []uint8 // requesters per block
	req     []Peer  // requesters of block b: req[b*maxRequesters:][:nreq[b]]
	contrib []Peer  // distinct peers that delivered blocks
}

func (pt *partial) done() bool { return pt.nRecv == pt.nblocks }

func (pt *partial) requesters(b int) []Peer {
	return pt.req[b*maxRequesters : b*maxRequesters+int(pt.nreq[b])]
}

func (pt *partial) requestedBy(b int, p Peer) bool {
	for _, q := range pt.requesters(b) {
		if q == p {
			return true
		}
	}
	return false
}

// partialOf returns the partial state of piece i, or nil.
func (pk *Picker) partialOf(i int) *partial {
	if k := pk.pidx[i]; k >= 0 {
		return pk.partials[k]
	}
	return nil
}

// startPartial turns wanted piece i into a partial piece owned by p.
func (pk *Picker) startPartial(i int, p Peer) *partial {
	pk.want.remove(i, int(pk.avail[i]))
	n := pk.numBlocks(i)
	var pt *partial
	if k := len(pk.pool) - 1; k >= 0 {
		pt = pk.pool[k]
		pk.pool = pk.pool[:k]
	} else {
		pt = &partial{}
	}
	pk.gen++
	*pt = partial{
		piece:   i,
		gen:     pk.gen,
		owner:   p,
		nblocks: n,
		openPos: -1,
		recv:    reuseBitset(pt.recv, n),
		nreq:    reuse(pt.nreq, n),
		req:     reuse(pt.req, n*maxRequesters),
		contrib: pt.contrib[:0],
	}
	pk.pidx[i] = int32(len(pk.partials))
	pk.partials = append(pk.partials, pt)
	pk.inFlight++
	pk.addFree(pt, n)
	return pt
}

// dropPartial forgets partial piece pt, releasing its outstanding requests.
// The caller decides what the piece becomes.
func (pk *Picker) dropPartial(pt *partial) {
	for b := range pt.nblocks {
		for _, q := range pt.requesters(b) {
			if ps := pk.peers[q]; ps != nil {
				ps.outstanding--
			}
		}
		pt.nreq[b] = 0
	}
	pk.addFree(pt, -pt.nFree)
	if !pt.done() {
		pk.inFlight--
	}
	k := pk.pidx[pt.piece]
	last := len(pk.partials) - 1
	moved := pk.partials[last]
	pk.partials[k] = moved
	pk.pidx[moved.piece] = k
	pk.partials[last] = nil
	pk.partials = pk.partials[:last]
	pk.pidx[pt.piece] = -1
	pk.pool = append(pk.pool, pt)
}

// dropIfUntouched returns pt to the wanted pieces when nothing of it is
// received or requested, so that abandoned pieces do not count as partial.
func (pk *Picker) dropIfUntouched(pt *partial) {
	if pt.nRecv == 0 && pt.nFree == pt.nblocks {
		i := pt.piece
		pk.dropPartial(pt)
		pk.want.add(i, int(pk.avail[i]))
	}
}

// addFree changes the free block count of pt by d and keeps the open list.
func (pk *Picker) addFree(pt *partial, d int) {
	pt.nFree += d
	pk.totalFree += d
	switch {
	case pt.nFree > 0 && pt.openPos < 0:
		pt.openPos = len(pk.open)
		pk.open = append(pk.open, pt)
	case pt.nFree == 0 && pt.openPos >= 0:
		last := len(pk.open) - 1
		moved := pk.open[last]
		pk.open[pt.openPos] = moved
		moved.openPos = pt.openPos
		pk.open[last] = nil
		pk.open = pk.open[:last]
		pt.openPos = -1
	}
}

// request records block b of pt as outstanding at p.
func (pk *Picker) request(pt *partial, b int, p Peer, ps *peerState) {
	n := pt.nreq[b]
	pt.req[b*maxRequesters+int(n)] = p
	pt.nreq[b] = n + 1
	if n == 0 {
		pk.addFree(pt, -1)
	}
	ps.outstanding++
	if len(ps.reqs) >= 2*ps.outstanding+32 {
		pk.compact(p, ps)
	}
	ps.reqs = append(ps.reqs, reqRef{piece: int32(pt.piece), block: int32(b), gen: pt.gen})
}

// unrequest removes p from the requesters of block b of pt and reports
// whether it was one. The caller adjusts p's outstanding count.
func (pk *Picker) unrequest(pt *partial, b int, p Peer) bool {
	rs := pt.requesters(b)
	for k, q := range rs {
		if q != p {
			continue
		}
		rs[k] = rs[len(rs)-1]
		pt.nreq[b]--
		if pt.nreq[b] == 0 && !pt.recv.has(b) {
			pk.addFree(pt, 1)
			pt.firstFree = min(pt.firstFree, b)
		}
		return true
	}
	return false
}

func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func reuseBitset(b bitset, n int) bitset {
	return bitset(reuse([]uint64(b), (n+63)/64))
}
