package ringlab

import (
	"testing"

	"shoal/internal/bitfield"
)

func bf(n int, set ...int) *bitfield.Bitfield {
	b := bitfield.New(n)
	for _, i := range set {
		b.Set(i)
	}
	return b
}

func TestNeighbours(t *testing.T) {
	for _, tc := range []struct{ i, n, down, up int }{
		{0, 5, 4, 1}, {2, 5, 1, 3}, {4, 5, 3, 0}, {0, 2, 1, 1}, {1, 2, 0, 0}, {7, 5, 1, 3}, {-1, 5, 3, 0},
	} {
		if d, u := Neighbours(tc.i, tc.n); d != tc.down || u != tc.up {
			t.Errorf("Neighbours(%d, %d) = %d, %d; want %d, %d", tc.i, tc.n, d, u, tc.down, tc.up)
		}
	}
	// Every peer is the download neighbour of exactly one peer: a ring.
	for n := 2; n < 9; n++ {
		for i := range n {
			_, up := Neighbours(i, n)
			if down, _ := Neighbours(up, n); down != i {
				t.Errorf("n=%d: peer %d serves %d, whose download neighbour is %d", n, i, up, down)
			}
		}
	}
}

func TestShare(t *testing.T) {
	const chunks, n = 12, 5
	all := bitfield.New(chunks)
	for i := range n {
		s, err := Share(chunks, i, n)
		if err != nil {
			t.Fatal(err)
		}
		for c := range chunks {
			if s.Has(c) != (OwnerShare(c, n) == i) {
				t.Errorf("peer %d, chunk %d: in share %v", i, c, s.Has(c))
			}
			if s.Has(c) && !all.Set(c) {
				t.Errorf("chunk %d given twice", c)
			}
		}
	}
	if !all.Full() {
		t.Errorf("shares cover %d of %d chunks", all.Count(), chunks)
	}
	for _, bad := range [][3]int{{12, 5, 5}, {12, -1, 5}, {12, 0, 0}, {-1, 0, 5}} {
		if _, err := Share(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Share%v: no error", bad)
		}
	}
}

func TestCheckRing(t *testing.T) {
	for _, tc := range []struct {
		chunks, peers int
		ok            bool
	}{
		{5, 5, true}, {12, 5, true}, {4, 5, false}, {10, 1, false}, {10, 0, false}, {2, 2, true},
	} {
		if err := CheckRing(tc.chunks, tc.peers); (err == nil) != tc.ok {
			t.Errorf("CheckRing(%d, %d) = %v", tc.chunks, tc.peers, err)
		}
	}
}

func TestNextChunk(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		have, pending, their *bitfield.Bitfield
		want                 int
	}{
		{"lowest", bf(12), nil, bf(12, 9, 3, 7), 3},
		{"skip have", bf(12, 3), nil, bf(12, 9, 3, 7), 7},
		{"skip pending", bf(12, 3), bf(12, 7), bf(12, 9, 3, 7), 9},
		{"nothing new", bf(12, 3, 7), bf(12, 9), bf(12, 9, 3, 7), -1},
		{"empty", bf(12), nil, bf(12), -1},
		{"last bit", bf(17), nil, bf(17, 16), 16},
		{"wrong length", bf(12), nil, bf(13, 1), -1},
		{"nil theirs", bf(12), nil, nil, -1},
		{"pending of other length ignored", bf(12), bf(3, 1), bf(12, 1), 1},
	} {
		if got := NextChunk(tc.have, tc.pending, tc.their); got != tc.want {
			t.Errorf("%s: NextChunk = %d, want %d", tc.name, got, tc.want)
		}
	}
	if !Covers(bf(4, 1, 2), bf(4, 2)) || Covers(bf(4, 1), bf(4, 2)) {
		t.Error("Covers is wrong")
	}
}

func TestBlocks(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want int
	}{{102400, 7}, {16384, 1}, {16385, 2}, {1, 1}, {0, 0}, {-5, 0}} {
		if got := Blocks(tc.size, 16384); got != tc.want {
			t.Errorf("Blocks(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}

func TestPeerID(t *testing.T) {
	for _, n := range []Node{Owner, 0, 1, 42, MaxPeers - 1} {
		got, err := NodeFromPeerID(n.PeerID())
		if err != nil || got != n {
			t.Errorf("%v: round trip gave %v, %v", n, got, err)
		}
	}
	bad := Node(3).PeerID()
	bad[19] = 'x'
	other := Node(3).PeerID()
	other[0] = 'X'
	owner7 := Owner.PeerID()
	owner7[19] = '7'
	for _, id := range [][20]byte{bad, other, owner7, {}} {
		if n, err := NodeFromPeerID(id); err == nil {
			t.Errorf("%q: accepted as %v", id[:], n)
		}
	}
}

func TestChunkFileName(t *testing.T) {
	for _, tc := range []struct {
		c, n int
		want string
	}{{7, 12, "0007"}, {0, 1, "0000"}, {12345, 20000, "12345"}, {3, 100000, "00003"}} {
		if got := ChunkFileName(tc.c, tc.n); got != tc.want {
			t.Errorf("ChunkFileName(%d, %d) = %q, want %q", tc.c, tc.n, got, tc.want)
		}
	}
}

func TestFormatSummary(t *testing.T) {
	got := string(FormatSummary(2, bf(12, 1, 6, 11)))
	want := "# peer 2: 3 of 12 chunks\n1\n6\n11\n"
	if got != want {
		t.Errorf("FormatSummary = %q, want %q", got, want)
	}
}
