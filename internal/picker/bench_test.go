package picker

import (
	"math/rand/v2"
	"testing"

	"shoal/internal/bitfield"
)

// swarm builds a picker for numPieces pieces of pieceLength bytes with
// nPeers peers: every fifth a seed, the others holding a random share
// (density) of the pieces.
func swarm(numPieces int, pieceLength int64, nPeers int, density float64, seed uint64) *Picker {
	r := rand.New(rand.NewPCG(seed, 1))
	pk := New(numPieces, pieceLength, int64(numPieces)*pieceLength, rand.New(rand.NewPCG(seed, 2)))
	for p := range nPeers {
		if p%5 == 0 && density >= 0.3 {
			pk.PeerHaveAll(Peer(p))
			continue
		}
		f := bitfield.New(numPieces)
		for i := range numPieces {
			if r.Float64() < density {
				f.Set(i)
			}
		}
		pk.PeerBitfield(Peer(p), f)
	}
	return pk
}

// BenchmarkPick measures a steady download: each operation is one Pick of up
// to 4 blocks from the next peer, and the delivery of those blocks.
func BenchmarkPick(b *testing.B) {
	for _, bc := range []struct {
		name    string
		pl      int64
		density float64
	}{
		{"4096x256KiB/dense", 256 << 10, 0.7},
		{"4096x256KiB/sparse", 256 << 10, 0.05},
		{"4096x4MiB/dense", 4 << 20, 0.7},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const nPeers = 50
			pk := swarm(4096, bc.pl, nPeers, bc.density, 1)
			buf := make([]Block, 0, 8)
			picks, i := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				p := Peer(i % nPeers)
				i++
				buf = pk.Pick(p, 4, buf[:0])
				for _, blk := range buf {
					if _, _, done := pk.Received(p, blk); done {
						pk.Verified(blk.Piece)
					}
				}
				picks++
				if pk.Complete() || pk.Left() < pk.pieceLength*64 {
					b.StopTimer()
					pk = swarm(4096, bc.pl, nPeers, bc.density, uint64(picks))
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkPickNewPiece measures the path that starts a new piece: every Pick
// starts one and the following Cancelled returns it to the wanted pieces.
func BenchmarkPickNewPiece(b *testing.B) {
	const nPeers = 50
	pk := swarm(4096, 256<<10, nPeers, 0.5, 3)
	for i := range 8 {
		pk.SetHave(i)
	}
	buf := make([]Block, 0, 1)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		p := Peer(i % nPeers)
		i++
		buf = pk.Pick(p, 1, buf[:0])
		for _, blk := range buf {
			pk.Cancelled(p, blk)
		}
	}
}

// BenchmarkPickEndgame measures Pick when every missing block is outstanding.
func BenchmarkPickEndgame(b *testing.B) {
	const nPeers = 50
	pk := swarm(4096, 256<<10, nPeers, 1, 4)
	for i := range 4096 - 40 {
		pk.SetHave(i)
	}
	for p := range nPeers {
		pk.Pick(Peer(p), 16, nil)
	}
	buf := make([]Block, 0, 4)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		p := Peer(i % nPeers)
		i++
		buf = pk.Pick(p, 4, buf[:0])
		for _, blk := range buf {
			pk.Cancelled(p, blk)
		}
	}
}

func BenchmarkReceived(b *testing.B) {
	pk := swarm(4096, 4<<20, 50, 1, 5)
	var buf []Block
	b.ReportAllocs()
	for b.Loop() {
		if len(buf) == 0 {
			b.StopTimer()
			if pk.Left() < 64<<20 {
				pk = swarm(4096, 4<<20, 50, 1, 5)
			}
			buf = pk.Pick(0, 256, buf[:0])
			b.StartTimer()
		}
		blk := buf[0]
		buf = buf[1:]
		if _, _, done := pk.Received(0, blk); done {
			pk.Verified(blk.Piece)
		}
	}
}
