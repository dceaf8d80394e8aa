package storage

import (
	"crypto/sha1"
	"math/rand/v2"
	"testing"

	"shoal/internal/bt"
)

// benchTorrent is a single file of n pieces of 1 MiB with random content.
func benchTorrent(b *testing.B, n int) torrent {
	b.Helper()
	const pl = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, n*pl)
	for i := 0; i < len(data); i += 8 {
		v := rng.Uint64()
		for k := range 8 {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	l := Layout{PieceLength: pl, Files: []File{{Path: "big.bin", Length: int64(len(data))}}}
	for i := range n {
		l.Hashes = append(l.Hashes, sha1.Sum(data[i*pl:(i+1)*pl]))
	}
	return torrent{layout: l, data: data}
}

func BenchmarkWritePiece(b *testing.B) {
	tr := benchTorrent(b, 64)
	s := openStore(b, b.TempDir(), tr.layout, Options{})
	b.SetBytes(tr.layout.PieceLength)
	i := 0
	for b.Loop() {
		p := i % 64
		if err := s.WritePiece(p, tr.data[int64(p)<<20:int64(p+1)<<20]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkVerifyPiece(b *testing.B) {
	tr := benchTorrent(b, 64)
	s := openStore(b, b.TempDir(), tr.layout, Options{})
	writeAll(b, s, tr)
	buf := make([]byte, tr.layout.PieceLength)
	b.SetBytes(tr.layout.PieceLength)
	i := 0
	for b.Loop() {
		ok, err := s.VerifyPiece(i%64, buf)
		if !ok || err != nil {
			b.Fatal(ok, err)
		}
		i++
	}
}

// BenchmarkWriteVerifyPiece is the download path: write a piece, then
// re-read and hash it.
func BenchmarkWriteVerifyPiece(b *testing.B) {
	tr := benchTorrent(b, 64)
	s := openStore(b, b.TempDir(), tr.layout, Options{})
	buf := make([]byte, tr.layout.PieceLength)
	b.SetBytes(tr.layout.PieceLength)
	i := 0
	for b.Loop() {
		p := i % 64
		if err := s.WritePiece(p, tr.data[int64(p)<<20:int64(p+1)<<20]); err != nil {
			b.Fatal(err)
		}
		if ok, err := s.VerifyPiece(p, buf); !ok || err != nil {
			b.Fatal(ok, err)
		}
		i++
	}
}

// BenchmarkReadBlockParallel serves 16 KiB blocks from many goroutines.
func BenchmarkReadBlockParallel(b *testing.B) {
	tr := benchTorrent(b, 64)
	s := openStore(b, b.TempDir(), tr.layout, Options{})
	writeAll(b, s, tr)
	b.SetBytes(bt.BlockSize)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, bt.BlockSize)
		i := 0
		for pb.Next() {
			if err := s.ReadBlock(i%64, int64(i%64)*bt.BlockSize, buf); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkCheck256MiB(b *testing.B) {
	tr := benchTorrent(b, 256)
	s := openStore(b, b.TempDir(), tr.layout, Options{})
	writeAll(b, s, tr)
	b.SetBytes(tr.layout.TotalLength())
	for b.Loop() {
		have, err := s.Check(b.Context(), 2, nil)
		if err != nil || !have.Full() {
			b.Fatal(err)
		}
	}
}
