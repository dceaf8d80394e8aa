package storage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRejectsEscapes(t *testing.T) {
	for _, p := range []string{"../x", "a/../../x", "/abs/x", "..", "a/..", ""} {
		l := Layout{PieceLength: 4, Files: []File{{Path: p, Length: 1}}, Hashes: make([][20]byte, 1)}
		root := filepath.Join(t.TempDir(), "root")
		if _, err := Open(root, l, Options{}); err == nil {
			t.Errorf("Open with path %q succeeded", p)
		}
	}
}

func TestOpenRejectsSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	l := Layout{PieceLength: 4, Files: []File{{Path: "dir/a.bin", Length: 4}}, Hashes: make([][20]byte, 1)}
	if _, err := Open(root, l, Options{}); err == nil {
		t.Fatal("Open through a symlink leaving the root succeeded")
	}
}

// TestWriteRejectsLaterSymlinkEscape replaces a directory with an escaping
// symlink after Open: the write must fail and nothing may appear outside.
func TestWriteRejectsLaterSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	l := Layout{PieceLength: 4, Files: []File{{Path: "dir/sub/a.bin", Length: 4}}, Hashes: make([][20]byte, 1)}
	s := openStore(t, root, l, Options{})
	if err := os.Symlink(outside, filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteAt([]byte("evil"), 0); err == nil {
		t.Fatal("write through an escaping symlink succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "sub")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("something was created outside the root: %v", err)
	}
	ok, err := s.VerifyPiece(0, nil)
	if ok || err == nil {
		t.Fatalf("VerifyPiece through escaping symlink = %v, %v; want an error", ok, err)
	}
}

func TestSymlinkInsideRootAllowed(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	rng := newRand(t)
	tr := newTorrent(rng, 4, 6)
	tr.layout.Files[0].Path = "dir/a.bin"
	s := openStore(t, root, tr.layout, Options{})
	writeAll(t, s, tr)
	if _, err := os.Stat(filepath.Join(root, "real", "a.bin")); err != nil {
		t.Fatal(err)
	}
}
