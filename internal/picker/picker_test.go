package picker

import (
	"math/rand/v2"
	"slices"
	"testing"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

const bs = bt.BlockSize

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

func mustCheck(t testing.TB, pk *Picker) {
	t.Helper()
	if err := pk.check(); err != nil {
		t.Fatal(err)
	}
}

func bf(n int, pieces ...int) *bitfield.Bitfield {
	f := bitfield.New(n)
	for _, i := range pieces {
		f.Set(i)
	}
	return f
}

func rangeOf(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// receiveAll delivers blocks from p and verifies finished pieces.
func receiveAll(t testing.TB, pk *Picker, p Peer, blocks []Block) {
	t.Helper()
	for _, b := range blocks {
		fresh, _, done := pk.Received(p, b)
		if !fresh {
			t.Fatalf("block %+v from %d not fresh", b, p)
		}
		if done {
			pk.Verified(b.Piece)
		}
	}
}

func TestCheckGeometry(t *testing.T) {
	tests := []struct {
		n       int
		pl, tl  int64
		wantErr bool
	}{
		{1, bs, 1, false},
		{1, bs, bs, false},
		{3, 40960, 2*40960 + 1, false},
		{MaxPieces, bs, MaxPieces * bs, false},
		{1, MaxPieceLength, MaxPieceLength, false},
		{0, bs, 0, true},
		{-1, bs, 0, true},
		{MaxPieces + 1, bs, (MaxPieces + 1) * bs, true},
		{1, 0, 0, true},
		{1, MaxPieceLength + 1, 1, true},
		{2, bs, bs, true},       // last piece empty
		{2, bs, 2*bs + 1, true}, // last piece too long
		{2, -bs, -bs, true},     // negative
		{1 << 30, bs, 1 << 44, true},
	}
	for _, tt := range tests {
		err := CheckGeometry(tt.n, tt.pl, tt.tl)
		if (err != nil) != tt.wantErr {
			t.Errorf("CheckGeometry(%d, %d, %d) = %v", tt.n, tt.pl, tt.tl, err)
		}
		if tt.n > 1<<16 {
			continue // too big to build in a unit test
		}
		pk := New(tt.n, tt.pl, tt.tl, nil)
		mustCheck(t, pk)
		if tt.wantErr && (pk.NumPieces() != 0 || !pk.Complete() || pk.Left() != 0) {
			t.Errorf("New(%d, %d, %d) not empty", tt.n, tt.pl, tt.tl)
		}
	}
}

func TestBlockGeometry(t *testing.T) {
	// Pieces of 2.5 blocks; the last piece is 1000 bytes.
	const pl = 5 * bs / 2
	pk := New(3, pl, 2*pl+1000, seeded(1))
	pk.PeerHaveAll(1)
	got := pk.Pick(1, 100, nil)
	mustCheck(t, pk)
	var lens = map[int][]Block{}
	for _, b := range got {
		lens[b.Piece] = append(lens[b.Piece], b)
	}
	for i := range 3 {
		bl := lens[i]
		slices.SortFunc(bl, func(a, b Block) int { return a.Begin - b.Begin })
		var off int64
		for _, b := range bl {
			if int64(b.Begin) != off || b.Length <= 0 || b.Length > bs {
				t.Fatalf("piece %d: block %+v at offset %d", i, b, off)
			}
			off += int64(b.Length)
		}
		if off != pk.PieceLength(i) {
			t.Fatalf("piece %d: blocks cover %d of %d", i, off, pk.PieceLength(i))
		}
	}
	if len(got) != 3+3+1 {
		t.Fatalf("%d blocks", len(got))
	}
	if pk.Left() != 2*pl+1000 {
		t.Fatalf("left %d", pk.Left())
	}
	receiveAll(t, pk, 1, got)
	mustCheck(t, pk)
	if !pk.Complete() || pk.Left() != 0 || pk.Outstanding(1) != 0 || pk.Partials() != 0 {
		t.Fatalf("complete %v left %d outstanding %d partials %d", pk.Complete(), pk.Left(), pk.Outstanding(1), pk.Partials())
	}
	if got := pk.Pick(1, 10, nil); len(got) != 0 {
		t.Fatalf("picked %v when complete", got)
	}
}

func TestPieceDoneOnce(t *testing.T) {
	pk := New(2, 4*bs, 8*bs, seeded(1))
	pk.PeerHaveAll(1)
	blocks := pk.Pick(1, 4, nil)
	for k, b := range blocks {
		fresh, cancel, done := pk.Received(1, b)
		if !fresh || cancel != nil || done != (k == 3) {
			t.Fatalf("block %d: fresh %v cancel %v done %v", k, fresh, cancel, done)
		}
	}
	if fresh, _, done := pk.Received(1, blocks[3]); fresh || done {
		t.Fatal("duplicate counted")
	}
	if pk.Partials() != 1 || pk.Have(blocks[0].Piece) {
		t.Fatal("piece must wait for Verified")
	}
	pk.Verified(blocks[0].Piece)
	mustCheck(t, pk)
	if !pk.Have(blocks[0].Piece) || pk.Partials() != 0 {
		t.Fatal("not verified")
	}
}

func TestReceivedValidation(t *testing.T) {
	pk := New(3, 2*bs, 5*bs, seeded(1))
	pk.SetHave(2)
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	b := pk.Pick(1, 1, nil)[0] // one block of piece 0 or 1, which is partial now
	other := 1 - b.Piece
	tests := []struct {
		name string
		b    Block
	}{
		{"negative piece", Block{-1, 0, bs}},
		{"piece out of range", Block{3, 0, bs}},
		{"unaligned", Block{b.Piece, 1, bs}},
		{"negative begin", Block{b.Piece, -bs, bs}},
		{"past the piece", Block{b.Piece, 2 * bs, bs}},
		{"short length", Block{b.Piece, 0, bs - 1}},
		{"long length", Block{b.Piece, 0, bs + 1}},
		{"piece not partial", Block{other, 0, bs}},
	}
	for _, tt := range tests {
		if fresh, cancel, done := pk.Received(1, tt.b); fresh || cancel != nil || done {
			t.Errorf("%s: fresh %v cancel %v done %v", tt.name, fresh, cancel, done)
		}
		pk.Cancelled(1, tt.b) // must be ignored
		mustCheck(t, pk)
	}
	// An unrequested block of a partial piece is still useful, even from a
	// peer that asked nothing; the outstanding request is then cancelled.
	sibling := Block{b.Piece, bs ^ b.Begin, bs}
	if fresh, _, _ := pk.Received(2, sibling); !fresh {
		t.Fatal("useful unrequested block rejected")
	}
	fresh, cancel, done := pk.Received(2, b)
	if !fresh || !slices.Equal(cancel, []Peer{1}) || !done {
		t.Fatalf("fresh %v cancel %v done %v", fresh, cancel, done)
	}
	if pk.Outstanding(1) != 0 {
		t.Fatalf("outstanding %d", pk.Outstanding(1))
	}
	mustCheck(t, pk)
	// Last piece is one block long.
	if _, ok := pk.blockIndex(Block{2, 0, bs}); !ok {
		t.Fatal("last piece block rejected")
	}
}

func TestStrictPartialFirst(t *testing.T) {
	pk := New(10, 8*bs, 80*bs, seeded(3))
	for i := range 6 {
		pk.SetHave(i) // leave the random-first phase
	}
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	pk.PeerBitfield(3, bf(10, 6, 7, 8, 9))

	a := pk.Pick(1, 3, nil) // starts piece X, 5 blocks free
	x := a[0].Piece
	for _, b := range a {
		if b.Piece != x {
			t.Fatalf("blocks from two pieces: %v", a)
		}
	}
	b := pk.Pick(2, 1, nil) // must continue X
	if b[0].Piece != x || b[0].Begin != 3*bs {
		t.Fatalf("peer 2 got %v, want piece %d block 3", b, x)
	}
	// Peer 1 takes the rest of X and starts Y.
	c := pk.Pick(1, 6, nil)
	if c[0].Piece != x || c[3].Piece != x || c[4].Piece == x {
		t.Fatalf("peer 1 got %v", c)
	}
	y := c[4].Piece
	// Release one block of X (4 free blocks in X would lose to Y with 6
	// free; one free block in X wins).
	pk.Cancelled(2, b[0])
	d := pk.Pick(3, 1, nil)
	if d[0].Piece != x && pk.PeerInteresting(3) {
		t.Fatalf("peer 3 got %v, want piece %d (closest to completion) over %d", d, x, y)
	}
	mustCheck(t, pk)
}

func TestClosestToCompletionFirst(t *testing.T) {
	pk := New(8, 8*bs, 64*bs, seeded(5))
	for i := range 4 {
		pk.SetHave(i)
	}
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	first := pk.Pick(1, 8, nil)  // all of piece X
	second := pk.Pick(1, 8, nil) // all of piece Y
	x, y := first[0].Piece, second[0].Piece
	// Free 2 blocks of X and 5 of Y.
	for _, b := range first[:2] {
		pk.Cancelled(1, b)
	}
	for _, b := range second[3:] {
		pk.Cancelled(1, b)
	}
	got := pk.Pick(2, 4, nil)
	want := []Block{first[0], first[1], second[3], second[4]}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v (x=%d y=%d)", got, want, x, y)
	}
	mustCheck(t, pk)
}

func TestAffinityTieBreak(t *testing.T) {
	pk := New(8, 4*bs, 32*bs, seeded(5))
	for i := range 4 {
		pk.SetHave(i)
	}
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	x := pk.Pick(1, 4, nil) // piece started for 1
	y := pk.Pick(2, 4, nil) // piece started for 2
	// Two free blocks in each: equal distance to completion.
	pk.Cancelled(1, x[1])
	pk.Cancelled(1, x[2])
	pk.Cancelled(2, y[1])
	pk.Cancelled(2, y[2])
	if got := pk.Pick(2, 1, nil); got[0] != y[1] {
		t.Fatalf("peer 2 got %v, want its own piece %v", got, y[1])
	}
	pk.Cancelled(2, y[1]) // tie again
	if got := pk.Pick(1, 1, nil); got[0] != x[1] {
		t.Fatalf("peer 1 got %v, want its own piece %v", got, x[1])
	}
	mustCheck(t, pk)
}

func TestRandomFirstPieces(t *testing.T) {
	// Piece 0 is the rarest. Rarest first would always pick it; the random
	// first-piece rule picks it about 1 time in 100.
	const n = 100
	counts := map[int]int{}
	rnd := seeded(7)
	for range 300 {
		pk := New(n, bs, n*bs, rnd)
		pk.PeerBitfield(1, bf(n, rangeOf(0, n-1)...))
		pk.PeerBitfield(2, bf(n, rangeOf(1, n)...))
		got := pk.Pick(1, 1, nil)
		counts[got[0].Piece]++
	}
	if counts[0] > 15 || len(counts) < 50 {
		t.Fatalf("piece 0 picked %d times, %d distinct pieces", counts[0], len(counts))
	}
	// After four verified pieces, rarest first applies.
	pk := New(n, bs, n*bs, rnd)
	pk.PeerBitfield(1, bf(n, rangeOf(0, n-1)...))
	pk.PeerBitfield(2, bf(n, rangeOf(1, n)...))
	for i := 10; i < 14; i++ {
		pk.SetHave(i)
	}
	if got := pk.Pick(1, 1, nil); got[0].Piece != 0 {
		t.Fatalf("rarest first picked %v", got)
	}
}

func TestRarestTieBreakIsRandom(t *testing.T) {
	const n = 20
	pk := New(n, bs, n*bs, seeded(9))
	for i := range 4 {
		pk.SetHave(i)
	}
	pk.PeerBitfield(1, bf(n, rangeOf(4, n)...))
	pk.PeerBitfield(2, bf(n, rangeOf(4, 17)...)) // 17,18,19 rarest
	seen := map[int]int{}
	for range 300 {
		got := pk.Pick(1, 1, nil)
		seen[got[0].Piece]++
		pk.Cancelled(1, got[0])
	}
	if len(seen) != 3 || seen[17] < 60 || seen[18] < 60 || seen[19] < 60 {
		t.Fatalf("choices %v", seen)
	}
	mustCheck(t, pk)
}

func TestRarestFallbackWalk(t *testing.T) {
	// Level 1 holds 900 pieces peer 2 lacks; peer 2's pieces are all at
	// level 2, so probing runs out of budget and walks peer 2's pieces.
	const n = 1000
	pk := New(n, bs, n*bs, seeded(11))
	pk.PeerBitfield(1, bf(n, rangeOf(0, 900)...))
	pk.PeerBitfield(2, bf(n, rangeOf(900, n)...))
	pk.PeerBitfield(3, bf(n, append(rangeOf(900, n), 5)...))
	pk.PeerBitfield(4, bf(n, rangeOf(900, n)...))
	for i := range 4 {
		pk.SetHave(i + 10)
	}
	for range 50 {
		got := pk.Pick(2, 1, nil)
		if len(got) != 1 || got[0].Piece < 900 {
			t.Fatalf("got %v", got)
		}
	}
	if got := pk.Pick(3, 1, nil); got[0].Piece != 5 {
		t.Fatalf("got %v, want the piece at level 2", got)
	}
	mustCheck(t, pk)
}

func TestEndgame(t *testing.T) {
	pk := New(2, 4*bs, 8*bs, seeded(13))
	pk.SetHave(0)
	for p := Peer(1); p <= 5; p++ {
		pk.PeerHaveAll(p)
	}
	blk := func(b int) Block { return Block{Piece: 1, Begin: b * bs, Length: bs} }
	pick := func(p Peer, want ...int) {
		t.Helper()
		got := pk.Pick(p, 10, nil)
		var begins []int
		for _, g := range got {
			begins = append(begins, g.Begin/bs)
		}
		if !slices.Equal(begins, want) {
			t.Fatalf("peer %d got blocks %v, want %v", p, begins, want)
		}
		mustCheck(t, pk)
	}
	pk.Pick(1, 3, nil) // blocks 0-2
	// Block 3 is still free: peer 2 gets only it, no duplicates yet.
	pick(2, 3)
	// Every block is outstanding: a peer with nothing outstanding gets one
	// duplicate, those at one peer first.
	pick(3, 0)
	pick(3)
	pick(4, 1)
	pick(5, 2)
	pick(2)

	if fresh, cancel, done := pk.Received(2, blk(3)); !fresh || len(cancel) != 0 || done {
		t.Fatalf("fresh %v cancel %v done %v", fresh, cancel, done)
	}
	pick(2, 0) // every block is at two peers now
	fresh, cancel, done := pk.Received(3, blk(0))
	slices.Sort(cancel)
	if !fresh || !slices.Equal(cancel, []Peer{1, 2}) || done {
		t.Fatalf("fresh %v cancel %v done %v", fresh, cancel, done)
	}
	want := []int{0, 2, 0, 0, 1, 1}
	for p := 1; p <= 5; p++ {
		if got := pk.Outstanding(Peer(p)); got != want[p] {
			t.Fatalf("peer %d: outstanding %d, want %d", p, got, want[p])
		}
	}
	// The cancelled peer delivers anyway: not fresh.
	if fresh, _, _ := pk.Received(1, blk(0)); fresh {
		t.Fatal("late duplicate counted")
	}
	pk.Cancelled(2, blk(0)) // caller echoing the cancel: ignored
	mustCheck(t, pk)

	pick(2, 1)
	pick(3, 2)
	// Each block is at three peers: no more duplicates.
	pk.Received(5, blk(2))
	pick(5)
	// Peer 1 chokes us: block 1 is at two peers, so peer 5 can take it.
	pk.Choked(1)
	pick(5, 1)
	if _, cancel, done := pk.Received(4, blk(1)); !done || len(cancel) != 2 {
		t.Fatalf("cancel %v done %v", cancel, done)
	}
	pk.Verified(1)
	if !pk.Complete() {
		t.Fatal("not complete")
	}
	for p := Peer(1); p <= 5; p++ {
		if pk.Outstanding(p) != 0 {
			t.Fatalf("peer %d outstanding %d", p, pk.Outstanding(p))
		}
	}
	mustCheck(t, pk)
}

func TestNoEndgameWhileWantedPiecesAvailable(t *testing.T) {
	pk := New(3, bs, 3*bs, seeded(1))
	pk.PeerBitfield(1, bf(3, 0))
	pk.PeerBitfield(2, bf(3, 0, 1))
	pk.Pick(1, 5, nil) // piece 0
	if got := pk.Pick(1, 5, nil); len(got) != 0 {
		t.Fatalf("endgame with piece 1 still wanted: %v", got)
	}
	// Piece 2 is unavailable; once piece 1 is requested, endgame starts,
	// for peer 2 once it has nothing outstanding.
	b := pk.Pick(2, 1, nil)
	if got := pk.Pick(2, 5, nil); len(got) != 0 {
		t.Fatalf("endgame with a request outstanding: %v", got)
	}
	pk.Received(2, b[0])
	if got := pk.Pick(2, 5, nil); len(got) != 1 || got[0].Piece != 0 {
		t.Fatalf("endgame: %v", got)
	}
	mustCheck(t, pk)
}

func TestFailedIsRepicked(t *testing.T) {
	pk := New(2, 3*bs, 6*bs, seeded(2))
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	pk.PeerHaveAll(3)
	b1 := pk.Pick(1, 1, nil)
	b2 := pk.Pick(2, 1, nil)
	b3 := pk.Pick(1, 1, nil)
	piece := b1[0].Piece
	if b2[0].Piece != piece || b3[0].Piece != piece {
		t.Fatal("expected one piece")
	}
	pk.Received(2, b2[0])
	pk.Received(1, b1[0])
	_, _, done := pk.Received(2, b3[0]) // peer 2 delivers peer 1's block
	if !done {
		t.Fatal("piece not done")
	}
	got := pk.Failed(piece)
	if !slices.Equal(got, []Peer{2, 1}) {
		t.Fatalf("contributors %v", got)
	}
	mustCheck(t, pk)
	if pk.Have(piece) || pk.Partials() != 0 {
		t.Fatal("piece not reset")
	}
	again := pk.Pick(3, 10, nil)
	n := 0
	for _, b := range again {
		if b.Piece == piece {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("failed piece not re-picked: %v", again)
	}
	receiveAll(t, pk, 3, again)
	if !pk.Complete() {
		t.Fatal("not complete")
	}
	// Losing a verified piece makes it missing again.
	if c := pk.Failed(piece); c != nil {
		t.Fatalf("contributors of verified piece %v", c)
	}
	if pk.Have(piece) || pk.Left() != 3*bs || !pk.PeerInteresting(1) {
		t.Fatal("verified piece not reset")
	}
	if pk.Failed(piece) != nil || pk.Failed(-1) != nil || pk.Failed(2) != nil {
		t.Fatal("failing a wanted piece")
	}
	mustCheck(t, pk)
}

func TestChokedReleases(t *testing.T) {
	pk := New(4, 4*bs, 16*bs, seeded(4))
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	a := pk.Pick(1, 6, nil) // one full piece and half of another
	pk.Received(1, a[0])
	pk.Choked(1)
	mustCheck(t, pk)
	if pk.Outstanding(1) != 0 {
		t.Fatal("outstanding after choke")
	}
	// The second piece had nothing received: it is wanted again.
	if pk.Partials() != 1 {
		t.Fatalf("partials %d", pk.Partials())
	}
	b := pk.Pick(2, 3, nil)
	if !slices.Equal(b, a[1:4]) {
		t.Fatalf("got %v, want %v", b, a[1:4])
	}
	// Re-requesting from the same peer after a choke works.
	c := pk.Pick(1, 2, nil)
	if len(c) != 2 || c[0].Piece == a[0].Piece {
		t.Fatalf("got %v", c)
	}
	mustCheck(t, pk)
}

func TestCancelledThenRepicked(t *testing.T) {
	pk := New(1, 2*bs, 2*bs, seeded(4))
	pk.PeerHaveAll(1)
	for range 1000 { // a peer that rejects the same block over and over
		b := pk.Pick(1, 1, nil)
		if len(b) != 1 {
			t.Fatal("nothing picked")
		}
		pk.Cancelled(1, b[0])
	}
	if ps := pk.peers[1]; len(ps.reqs) != 0 || pk.Partials() != 0 {
		t.Fatalf("reqs %d partials %d", len(ps.reqs), pk.Partials())
	}
	mustCheck(t, pk)
}

func TestAvailability(t *testing.T) {
	const n = 10
	pk := New(n, bs, n*bs, seeded(1))
	pk.PeerBitfield(1, bf(n, 0, 1, 2))
	pk.PeerHave(2, 2)
	pk.PeerHave(2, 2)
	pk.PeerHave(2, -1)
	pk.PeerHave(2, n)
	pk.PeerHaveAll(3)
	pk.PeerHaveAll(3)
	want := []int{2, 2, 3, 1, 1, 1, 1, 1, 1, 1}
	for i, w := range want {
		if got := pk.Availability(i); got != w {
			t.Fatalf("piece %d: availability %d, want %d", i, got, w)
		}
	}
	if pk.Seeds() != 1 || !pk.PeerSeed(3) || pk.PeerSeed(1) {
		t.Fatal("seed accounting")
	}
	// Completing a bitfield with haves turns the peer into a counted seed.
	for i := range n {
		pk.PeerHave(1, i)
	}
	if pk.Seeds() != 2 || !pk.PeerSeed(1) {
		t.Fatal("peer 1 not a seed")
	}
	mustCheck(t, pk)
	pk.PeerGone(3)
	pk.PeerGone(3)
	pk.PeerGone(42)
	pk.PeerBitfield(1, bf(n, 4)) // replaces
	pk.PeerHaveNone(2)
	mustCheck(t, pk)
	want = []int{0, 0, 0, 0, 1, 0, 0, 0, 0, 0}
	for i, w := range want {
		if got := pk.Availability(i); got != w {
			t.Fatalf("piece %d: availability %d, want %d", i, got, w)
		}
	}
	pk.PeerBitfield(5, bf(n, rangeOf(0, n)...))
	pk.PeerBitfield(6, bitfield.New(n+5)) // wrong length: bits past n ignored
	pk.PeerBitfield(7, nil)
	if pk.Seeds() != 1 || !pk.PeerSeed(5) || pk.Availability(-1) != 0 || pk.Availability(n) != 0 {
		t.Fatal("bitfield seed")
	}
	mustCheck(t, pk)
}

func TestInteresting(t *testing.T) {
	const n = 20
	pk := New(n, bs, n*bs, seeded(1))
	for _, i := range []int{0, 1, 2, 19} {
		pk.SetHave(i)
	}
	tests := []struct {
		f    *bitfield.Bitfield
		want bool
	}{
		{bf(n), false},
		{bf(n, 0, 1, 2, 19), false},
		{bf(n, 0, 3), true},
		{bf(n, 18), true},
		{bf(n+8, 25), false},
		{bf(3, 2), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := pk.Interesting(tt.f); got != tt.want {
			t.Errorf("Interesting(%v) = %v", tt.f, got)
		}
	}
	pk.PeerBitfield(1, bf(n, 0, 5))
	pk.PeerHaveAll(2)
	if !pk.PeerInteresting(1) || !pk.PeerInteresting(2) || pk.PeerInteresting(3) {
		t.Fatal("PeerInteresting")
	}
	pk.Verified(5)
	if pk.PeerInteresting(1) {
		t.Fatal("peer 1 still interesting")
	}
	if !pk.Bitfield().Has(5) || pk.HaveCount() != 5 {
		t.Fatal("Bitfield")
	}
	for i := range n {
		pk.Verified(i)
	}
	if pk.PeerInteresting(2) || !pk.Complete() {
		t.Fatal("seed interesting when complete")
	}
	mustCheck(t, pk)
}

func TestPartialLimit(t *testing.T) {
	const n = 100
	pk := New(n, 4*bs, n*4*bs, seeded(1))
	pk.SetMaxPartials(2)
	for p := Peer(1); p <= 3; p++ {
		pk.PeerHaveAll(p)
	}
	if len(pk.Pick(1, 4, nil)) != 4 || len(pk.Pick(2, 4, nil)) != 4 {
		t.Fatal("first two pieces")
	}
	if got := pk.Pick(3, 4, nil); len(got) != 0 {
		t.Fatalf("third piece started past the limit: %v", got)
	}
	pk.SetMaxPartials(0)
	if pk.partialLimit() != 512 { // 32 MiB of 64 KiB pieces
		t.Fatalf("default limit %d", pk.partialLimit())
	}
	big := New(n, 16<<20, n*16<<20, seeded(1))
	for p := Peer(1); p <= 10; p++ {
		big.PeerHaveAll(p)
	}
	if big.partialLimit() != 14 {
		t.Fatalf("default limit %d", big.partialLimit())
	}
	mustCheck(t, pk)
}

func TestVerifiedWhilePartial(t *testing.T) {
	pk := New(2, 4*bs, 8*bs, seeded(1))
	pk.PeerHaveAll(1)
	pk.PeerHaveAll(2)
	a := pk.Pick(1, 2, nil)
	pk.Pick(2, 1, nil)
	pk.Verified(a[0].Piece) // e.g. found complete on disk
	mustCheck(t, pk)
	if pk.Outstanding(1) != 0 || pk.Outstanding(2) != 0 {
		t.Fatal("requests not released")
	}
	if fresh, _, _ := pk.Received(1, a[0]); fresh {
		t.Fatal("block of a verified piece counted")
	}
}

func TestUnknownPeer(t *testing.T) {
	pk := New(2, bs, 2*bs, seeded(1))
	if got := pk.Pick(9, 5, nil); len(got) != 0 {
		t.Fatal("unknown peer got blocks")
	}
	pk.Choked(9)
	pk.Cancelled(9, Block{0, 0, bs})
	if pk.Outstanding(9) != 0 || pk.PeerInteresting(9) || pk.PeerSeed(9) {
		t.Fatal("unknown peer")
	}
	pk.PeerHaveAll(1)
	if got := pk.Pick(1, 0, nil); len(got) != 0 {
		t.Fatal("max 0")
	}
	mustCheck(t, pk)
}
