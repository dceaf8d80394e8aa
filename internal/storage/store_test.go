package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestMappingMatchesSlowModel writes random layouts in random chunks and
// compares every file on disk, and random reads, with a byte-by-byte model.
func TestMappingMatchesSlowModel(t *testing.T) {
	rng := newRand(t)
	spanning3 := 0
	base := t.TempDir()
	for iter := range 120 {
		tr := randomTorrent(rng)
		l := tr.layout
		for i := range l.Hashes {
			if len(filesOfPiece(l, i)) >= 3 {
				spanning3++
			}
		}
		root := filepath.Join(base, fmt.Sprint(iter))
		s, err := Open(root, l, Options{})
		if err != nil {
			t.Fatal(err)
		}

		// Write everything in random chunks, in random order.
		total := int64(len(tr.data))
		var cuts []int64
		for off := int64(0); off < total; {
			n := 1 + rng.Int64N(3*l.PieceLength)
			cuts = append(cuts, off)
			off += n
		}
		rng.Shuffle(len(cuts), func(i, j int) { cuts[i], cuts[j] = cuts[j], cuts[i] })
		for _, off := range cuts {
			end := total
			for _, c := range cuts {
				if c > off && c < end {
					end = c
				}
			}
			n, err := s.WriteAt(tr.data[off:end], off)
			if err != nil || n != int(end-off) {
				t.Fatalf("iter %d: WriteAt(%d..%d) = %d, %v", iter, off, end, n, err)
			}
		}
		if err := s.CreateEmpty(); err != nil {
			t.Fatal(err)
		}

		// Expected file contents by the slow mapping.
		want := make([][]byte, len(l.Files))
		for i, f := range l.Files {
			want[i] = make([]byte, f.Length)
		}
		for off := range total {
			fi, fo := locate(l, off)
			want[fi][fo] = tr.data[off]
		}
		for i, f := range l.Files {
			got, err := os.ReadFile(filepath.Join(root, f.Path))
			if err != nil {
				t.Fatalf("iter %d: %v", iter, err)
			}
			if !bytes.Equal(got, want[i]) {
				t.Fatalf("iter %d: file %d (%s) content differs from model", iter, i, f.Path)
			}
		}

		// Random reads, including past the end.
		for range 20 {
			off := rng.Int64N(total + 2)
			n := rng.IntN(int(3*l.PieceLength) + 1)
			p := make([]byte, n)
			got, err := s.ReadAt(p, off)
			wantN := int(max(0, min(int64(n), total-off)))
			if got != wantN || !bytes.Equal(p[:got], tr.data[min(off, total):min(off, total)+int64(wantN)]) {
				t.Fatalf("iter %d: ReadAt(%d bytes at %d) = %d, %v; want %d bytes from model", iter, n, off, got, err, wantN)
			}
			if wantN < n && err != io.EOF {
				t.Fatalf("iter %d: short ReadAt error = %v, want io.EOF", iter, err)
			}
			if wantN == n && err != nil {
				t.Fatalf("iter %d: ReadAt error = %v", iter, err)
			}
		}
		for i := range l.Hashes {
			ok, err := s.VerifyPiece(i, nil)
			if !ok || err != nil {
				t.Fatalf("iter %d: VerifyPiece(%d) = %v, %v", iter, i, ok, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if spanning3 == 0 {
		t.Fatal("no random layout had a piece spanning 3+ files")
	}
}

func TestWritePieceReadRoundTrip(t *testing.T) {
	rng := newRand(t)
	// Piece 1 spans four files (one empty); the last piece is short.
	tr := newTorrent(rng, 32, 40, 5, 0, 10, 100, 0)
	l := tr.layout
	if got := len(filesOfPiece(l, 1)); got != 4 {
		t.Fatalf("piece 1 spans %d files, want 4", got)
	}
	s := openStore(t, t.TempDir(), l, Options{})
	for i := len(l.Hashes) - 1; i >= 0; i-- {
		off := int64(i) * l.PieceLength
		if err := s.WritePiece(i, tr.data[off:off+l.PieceSize(i)]); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, len(tr.data))
	if n, err := s.ReadAt(got, 0); n != len(got) || err != nil {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if !bytes.Equal(got, tr.data) {
		t.Fatal("read back differs")
	}
	blk := make([]byte, 7)
	if err := s.ReadBlock(1, 20, blk); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blk, tr.data[52:59]) {
		t.Fatal("ReadBlock differs")
	}
	buf := make([]byte, l.PieceLength)
	for i := range l.Hashes {
		if ok, err := s.VerifyPiece(i, buf); !ok || err != nil {
			t.Fatalf("VerifyPiece(%d) = %v, %v", i, ok, err)
		}
	}
}

func TestStoreArgumentErrors(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 20, 20) // pieces of 16, 16, 8
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	tests := []struct {
		name string
		err  error
	}{
		{"WritePiece short", s.WritePiece(0, make([]byte, 15))},
		{"WritePiece long", s.WritePiece(2, make([]byte, 16))},
		{"WritePiece range", s.WritePiece(3, make([]byte, 8))},
		{"WritePiece negative", s.WritePiece(-1, make([]byte, 16))},
		{"ReadBlock past piece", s.ReadBlock(2, 4, make([]byte, 5))},
		{"ReadBlock negative", s.ReadBlock(0, -1, make([]byte, 1))},
		{"WriteAt past end", func() error { _, err := s.WriteAt(make([]byte, 2), 39); return err }()},
		{"WriteAt negative", func() error { _, err := s.WriteAt(make([]byte, 2), -1); return err }()},
		{"ReadAt negative", func() error { _, err := s.ReadAt(make([]byte, 2), -1); return err }()},
		{"VerifyPiece range", func() error { _, err := s.VerifyPiece(3, nil); return err }()},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// Nothing was created by the failed writes.
	if _, err := os.Stat(filepath.Join(s.Root(), tr.layout.Files[1].Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed write created a file: %v", err)
	}
}

func TestReadMissingAndShort(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 20, 20)
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	p := make([]byte, 10)
	if _, err := s.ReadAt(p, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadAt missing file = %v, want fs.ErrNotExist", err)
	}
	if ok, err := s.VerifyPiece(0, nil); ok || err != nil {
		t.Fatalf("VerifyPiece missing = %v, %v", ok, err)
	}
	if _, err := s.WriteAt(tr.data[:5], 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadAt(p, 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadAt short file = %v, want io.ErrUnexpectedEOF", err)
	}
	if ok, err := s.VerifyPiece(0, nil); ok || err != nil {
		t.Fatalf("VerifyPiece short = %v, %v", ok, err)
	}
}

func TestReadOnly(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 20, 0, 20)
	root := t.TempDir()
	if _, err := Open(filepath.Join(root, "missing"), tr.layout, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of a missing root succeeded")
	}
	w := openStore(t, root, tr.layout, Options{})
	writeAll(t, w, tr)
	w.Close()

	s := openStore(t, root, tr.layout, Options{ReadOnly: true})
	if _, err := s.WriteAt([]byte{1}, 0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("WriteAt = %v, want ErrReadOnly", err)
	}
	if err := s.WritePiece(0, tr.data[:16]); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("WritePiece = %v, want ErrReadOnly", err)
	}
	if err := s.CreateEmpty(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, tr.layout.Files[1].Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read-only store created the empty file: %v", err)
	}
	have, err := s.Check(t.Context(), 2, nil)
	if err != nil || !have.Full() {
		t.Fatalf("Check = %v, %v", have, err)
	}
}

func TestOpenRejectsNonRegular(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 20)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, tr.layout.Files[0].Path), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, tr.layout, Options{}); err == nil {
		t.Fatal("Open with a directory in place of a file succeeded")
	}
}

func TestCloseStopsIO(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 20)
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	writeAll(t, s, tr)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.ReadAt(make([]byte, 4), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadAt after Close = %v", err)
	}
	if _, err := s.WriteAt(make([]byte, 4), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteAt after Close = %v", err)
	}
}

// TestConcurrentIO hammers one Store from many goroutines; run with -race.
func TestConcurrentIO(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 64, 100, 0, 300, 7, 500, 1)
	l := tr.layout
	s := openStore(t, t.TempDir(), l, Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			buf := make([]byte, l.PieceLength)
			for i := g; i < len(l.Hashes); i += 8 {
				off := int64(i) * l.PieceLength
				if err := s.WritePiece(i, tr.data[off:off+l.PieceSize(i)]); err != nil {
					t.Error(err)
					return
				}
				if ok, err := s.VerifyPiece(i, buf); !ok || err != nil {
					t.Errorf("VerifyPiece(%d) = %v, %v", i, ok, err)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	have, err := s.Check(t.Context(), 4, nil)
	if err != nil || !have.Full() {
		t.Fatalf("Check: %d/%d, %v", have.Count(), have.Len(), err)
	}
}

func TestReadOnlyFileInWritableStore(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40)
	root := t.TempDir()
	s := openStore(t, root, tr.layout, Options{})
	writeAll(t, s, tr)
	s.Close()
	if err := os.Chmod(filepath.Join(root, tr.layout.Files[0].Path), 0o444); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, root, tr.layout, Options{})
	have, err := s.Check(t.Context(), 1, nil)
	if err != nil || !have.Full() {
		t.Fatalf("Check = %v, %v", have, err)
	}
}
