package storage

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
)

// MaxPieceLength bounds Layout.PieceLength. Check and VerifyPiece hold whole
// pieces in memory, so a hostile layout must not ask for gigabytes per worker.
const MaxPieceLength = 1 << 28 // 256 MiB

// File is one file of a torrent: a relative OS path, already sanitised by the
// caller (for example "dir/sub/a.bin"), and its length in bytes.
type File struct {
	Path   string
	Length int64
}

// Layout is the plain description of a torrent's data: pieces of PieceLength
// bytes laid over Files in order, one SHA-1 per piece. The last piece may be
// shorter.
type Layout struct {
	PieceLength int64
	Files       []File
	Hashes      [][20]byte
}

// TotalLength is the sum of the file lengths.
func (l Layout) TotalLength() int64 {
	var n int64
	for _, f := range l.Files {
		n += f.Length
	}
	return n
}

// NumPieces is the number of pieces the files make, which a valid layout has
// as many hashes as.
func (l Layout) NumPieces() int {
	if l.PieceLength <= 0 {
		return 0
	}
	return int((l.TotalLength() + l.PieceLength - 1) / l.PieceLength)
}

// PieceOffset is the torrent-global offset of piece i.
func (l Layout) PieceOffset(i int) int64 {
	return int64(i) * l.PieceLength
}

// PieceSize is the length of piece i: PieceLength, except for a shorter last
// piece. It is 0 for i out of range. It sums the file lengths on every call;
// Store.PieceSize takes constant time.
func (l Layout) PieceSize(i int) int64 {
	return pieceSize(l.PieceLength, l.TotalLength(), i)
}

func pieceSize(pieceLength, total int64, i int) int64 {
	if i < 0 || pieceLength <= 0 {
		return 0
	}
	off := int64(i) * pieceLength
	if off >= total || off/pieceLength != int64(i) {
		return 0
	}
	return min(pieceLength, total-off)
}

// Validate reports whether the layout is usable: a sane piece length, lengths
// that are not negative and do not overflow, local clean paths without
// duplicates or a file standing where another needs a directory, and exactly
// one hash per piece.
func (l Layout) Validate() error {
	if l.PieceLength <= 0 || l.PieceLength > MaxPieceLength {
		return fmt.Errorf("storage: layout: piece length %d out of range (1..%d)", l.PieceLength, MaxPieceLength)
	}
	if len(l.Files) == 0 {
		return errors.New("storage: layout: no files")
	}
	var total int64
	names := make(map[string]bool, len(l.Files))
	for i, f := range l.Files {
		if f.Length < 0 {
			return fmt.Errorf("storage: layout: file %d (%q): negative length %d", i, f.Path, f.Length)
		}
		if total > math.MaxInt64-f.Length {
			return fmt.Errorf("storage: layout: file %d (%q): total length overflows", i, f.Path)
		}
		total += f.Length
		if err := checkPath(f.Path); err != nil {
			return fmt.Errorf("storage: layout: file %d: %w", i, err)
		}
		if names[f.Path] {
			return fmt.Errorf("storage: layout: file %d: duplicate path %q", i, f.Path)
		}
		names[f.Path] = true
	}
	// A file may not also be a parent directory of another file.
	for _, f := range l.Files {
		for d := filepath.Dir(f.Path); d != "."; d = filepath.Dir(d) {
			if names[d] {
				return fmt.Errorf("storage: layout: %q is both a file and a directory", d)
			}
		}
	}
	n := (total + l.PieceLength - 1) / l.PieceLength
	if int64(len(l.Hashes)) != n {
		return fmt.Errorf("storage: layout: %d hashes for %d pieces", len(l.Hashes), n)
	}
	return nil
}

// checkPath accepts only clean, local, relative paths: no "..", no absolute
// paths, no empty names, no volume names.
func checkPath(p string) error {
	if p == "" || p == "." {
		return fmt.Errorf("empty path %q", p)
	}
	if !filepath.IsLocal(p) {
		return fmt.Errorf("path %q is not local", p)
	}
	if filepath.Clean(p) != p {
		return fmt.Errorf("path %q is not clean", p)
	}
	return nil
}
