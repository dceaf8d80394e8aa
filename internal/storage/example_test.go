package storage_test

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"

	"shoal/internal/bt"
	"shoal/internal/storage"
)

func Example() {
	dir, err := os.MkdirTemp("", "shoal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	data := []byte("hello, torrent world!") // 21 bytes: pieces of 8, 8 and 5
	l := storage.Layout{
		PieceLength: 8,
		Files:       []storage.File{{Path: "a/one.txt", Length: 6}, {Path: "a/empty", Length: 0}, {Path: "two.txt", Length: 15}},
	}
	for off := 0; off < len(data); off += 8 {
		l.Hashes = append(l.Hashes, sha1.Sum(data[off:min(off+8, len(data))]))
	}

	s, err := storage.Open(filepath.Join(dir, "data"), l, storage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	r, err := storage.OpenResume(filepath.Join(dir, "resume.db"), storage.ResumeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()

	ctx := context.Background()
	ih := bt.InfoHash{1}
	have, fast, err := storage.Startup(ctx, s, r, ih, 2, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("start:", have.Count(), "pieces, fast:", fast)

	// Piece 0 spans all three files; write it once verified.
	if err := s.WritePiece(0, data[0:8]); err != nil {
		fmt.Println(err)
		return
	}
	r.MarkVerified(ih, 0)
	if err := r.Flush(); err != nil {
		fmt.Println(err)
		return
	}
	st, _, _ := r.Load(ih, l.NumPieces())
	fmt.Println("recorded piece 0:", st.Have.Has(0))

	block := make([]byte, 4)
	if err := s.ReadBlock(0, 4, block); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("block: %q\n", block)
	// Output:
	// start: 0 pieces, fast: false
	// recorded piece 0: true
	// block: "o, t"
}
