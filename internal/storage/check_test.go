package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// damagedPieces lists, by the slow mapping, the pieces with a byte in the
// global range [from, to).
func damagedPieces(l Layout, from, to int64) map[int]bool {
	out := map[int]bool{}
	for off := from; off < to; off++ {
		out[int(off/l.PieceLength)] = true
	}
	return out
}

// globalStart is the torrent-global offset of file i.
func globalStart(l Layout, i int) int64 {
	var off int64
	for _, f := range l.Files[:i] {
		off += f.Length
	}
	return off
}

func TestCheckFindsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, root string, l Layout) (from, to int64)
	}{
		{"intact", func(t *testing.T, root string, l Layout) (int64, int64) { return 0, 0 }},
		{"corrupt byte", func(t *testing.T, root string, l Layout) (int64, int64) {
			path := filepath.Join(root, l.Files[3].Path)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[17] ^= 0xff
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			at := globalStart(l, 3) + 17
			return at, at + 1
		}},
		{"truncate", func(t *testing.T, root string, l Layout) (int64, int64) {
			if err := os.Truncate(filepath.Join(root, l.Files[1].Path), 3); err != nil {
				t.Fatal(err)
			}
			return globalStart(l, 1) + 3, globalStart(l, 2)
		}},
		{"delete", func(t *testing.T, root string, l Layout) (int64, int64) {
			mustRemove(t, filepath.Join(root, l.Files[5].Path))
			return globalStart(l, 5), globalStart(l, 6)
		}},
		{"delete empty file", func(t *testing.T, root string, l Layout) (int64, int64) {
			mustRemove(t, filepath.Join(root, l.Files[2].Path))
			return 0, 0
		}},
		{"delete directory", func(t *testing.T, root string, l Layout) (int64, int64) {
			if err := os.RemoveAll(filepath.Join(root, "d")); err != nil {
				t.Fatal(err)
			}
			return 0, l.TotalLength()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			// Files smaller than a piece, an empty file, pieces spanning 3+ files.
			tr := newTorrent(rng, 64, 150, 10, 0, 90, 5, 200, 33)
			l := tr.layout
			root := t.TempDir()
			s := openStore(t, root, l, Options{})
			writeAll(t, s, tr)
			if err := s.CreateEmpty(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			from, to := tt.damage(t, root, l)
			want := damagedPieces(l, from, to)

			for _, workers := range []int{0, 1, 3, 100} {
				s := openStore(t, root, l, Options{})
				calls, last := 0, -1
				have, err := s.Check(t.Context(), workers, func(done, total int) {
					if total != len(l.Hashes) || done != last+1 {
						t.Errorf("progress(%d, %d) after %d", done, total, last)
					}
					last = done
					calls++
				})
				if err != nil {
					t.Fatal(err)
				}
				if calls != len(l.Hashes)+1 {
					t.Errorf("progress called %d times, want %d", calls, len(l.Hashes)+1)
				}
				for i := range l.Hashes {
					if have.Has(i) == want[i] {
						t.Errorf("workers %d: piece %d: have %v, damaged %v", workers, i, have.Has(i), want[i])
					}
				}
			}
		})
	}
}

func TestCheckCanceled(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 1000)
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	writeAll(t, s, tr)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := s.Check(ctx, 2, func(done, total int) {
		if done == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Check = %v, want context.Canceled", err)
	}
}

func TestOpenRejectsFileAsDirectory(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40, 40)
	root := t.TempDir()
	dir := filepath.Join(root, filepath.Dir(tr.layout.Files[1].Path))
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, tr.layout, Options{}); err == nil {
		t.Fatal("Open succeeded with a file in place of a directory")
	}
}

// TestCheckIOErrorIsError: a directory appearing where a file belongs after
// Open is not "absent" but an error the user must see.
func TestCheckIOErrorIsError(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40, 40)
	root := t.TempDir()
	s := openStore(t, root, tr.layout, Options{})
	if err := os.MkdirAll(filepath.Join(root, tr.layout.Files[1].Path), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Check(t.Context(), 2, nil); err == nil {
		t.Fatal("Check succeeded with a directory in place of a file")
	}
}
