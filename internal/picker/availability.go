package picker

// availIndex keeps the wanted pieces grouped by availability, so that the
// rarest wanted pieces are found without scanning every piece, and a piece
// moves between groups in constant time.
//
// order[start[l]:start[l+1]] holds the wanted pieces whose level (the number
// of peers other than seeds that have them) is l. The last element of start
// is the number of wanted pieces. pos maps a piece to its index in order, or
// -1 when it is not wanted.
type availIndex struct {
	order []int32
	pos   []int32
	start []int32
}

func newAvailIndex(numPieces int) availIndex {
	x := availIndex{
		order: make([]int32, numPieces),
		pos:   make([]int32, numPieces),
		start: []int32{0, 0},
	}
	for i := range x.pos {
		x.pos[i] = -1
	}
	return x
}

// len is the number of wanted pieces.
func (x *availIndex) len() int { return int(x.start[len(x.start)-1]) }

// top is the highest level with a group (possibly empty).
func (x *availIndex) top() int { return len(x.start) - 2 }

// level returns the pieces at level l.
func (x *availIndex) level(l int) []int32 {
	if l > x.top() {
		return nil
	}
	return x.order[x.start[l]:x.start[l+1]]
}

// from returns the pieces at level l and above.
func (x *availIndex) from(l int) []int32 {
	if l > x.top() {
		return nil
	}
	return x.order[x.start[l]:x.len()]
}

func (x *availIndex) contains(piece int) bool { return x.pos[piece] >= 0 }

func (x *availIndex) grow(level int) {
	for x.top() < level {
		x.start = append(x.start, x.start[len(x.start)-1])
	}
}

func (x *availIndex) swap(i, j int32) {
	a, b := x.order[i], x.order[j]
	x.order[i], x.order[j] = b, a
	x.pos[b], x.pos[a] = i, j
}

// inc moves a wanted piece from level l to l+1.
func (x *availIndex) inc(piece, l int) {
	x.grow(l + 1)
	last := x.start[l+1] - 1
	x.swap(x.pos[piece], last)
	x.start[l+1]--
}

// dec moves a wanted piece from level l to l-1.
func (x *availIndex) dec(piece, l int) {
	first := x.start[l]
	x.swap(x.pos[piece], first)
	x.start[l]++
}

// add inserts a piece at level l.
func (x *availIndex) add(piece, l int) {
	x.grow(l)
	at := int32(x.len())
	x.order[at] = int32(piece)
	x.pos[piece] = at
	x.start[len(x.start)-1]++
	for k := x.top(); k > l; k-- {
		first := x.start[k]
		x.swap(at, first)
		x.start[k]++
		at = first
	}
}

// remove deletes a piece that is at level l.
func (x *availIndex) remove(piece, l int) {
	at := x.pos[piece]
	for k := l; k <= x.top(); k++ {
		last := x.start[k+1] - 1
		x.swap(at, last)
		x.start[k+1]--
		at = last
	}
	x.pos[piece] = -1
}
