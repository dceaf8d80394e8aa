package storage

import (
	"crypto/sha1"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// torrent is a layout together with the bytes it describes.
type torrent struct {
	layout Layout
	data   []byte
}

// newTorrent builds a layout over files of the given lengths, filled with
// random bytes, with correct hashes.
func newTorrent(rng *rand.Rand, pieceLength int64, lengths ...int64) torrent {
	var l Layout
	l.PieceLength = pieceLength
	var total int64
	for i, n := range lengths {
		l.Files = append(l.Files, File{Path: filepath.Join("d", string(rune('a'+i%26)), fileName(i)), Length: n})
		total += n
	}
	data := make([]byte, total)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for off := int64(0); off < total; off += pieceLength {
		l.Hashes = append(l.Hashes, sha1.Sum(data[off:min(off+pieceLength, total)]))
	}
	return torrent{layout: l, data: data}
}

func fileName(i int) string { return "f" + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + ".bin" }

// randomTorrent makes small random layouts rich in edge cases: zero-length
// files, files shorter than a piece, pieces spanning several files.
func randomTorrent(rng *rand.Rand) torrent {
	pieceLength := int64(1 + rng.IntN(40))
	nfiles := 1 + rng.IntN(10)
	lengths := make([]int64, nfiles)
	for i := range lengths {
		switch rng.IntN(4) {
		case 0:
			lengths[i] = 0
		case 1:
			lengths[i] = int64(rng.IntN(int(pieceLength)) + 1) // shorter than a piece (or equal)
		default:
			lengths[i] = int64(rng.IntN(4 * int(pieceLength)))
		}
	}
	return newTorrent(rng, pieceLength, lengths...)
}

// locate is the slow obvious mapping: walk the files byte by byte.
func locate(l Layout, off int64) (file int, fileOff int64) {
	for i, f := range l.Files {
		if off < f.Length {
			return i, off
		}
		off -= f.Length
	}
	return -1, -1
}

// filesOfPiece lists, slowly, the distinct files holding bytes of piece i.
func filesOfPiece(l Layout, i int) []int {
	var out []int
	start := int64(i) * l.PieceLength
	for off := start; off < start+l.PieceSize(i); off++ {
		f, _ := locate(l, off)
		if len(out) == 0 || out[len(out)-1] != f {
			out = append(out, f)
		}
	}
	return out
}

func openStore(t testing.TB, root string, l Layout, opts Options) *Store {
	t.Helper()
	s, err := Open(root, l, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeAll(t testing.TB, s *Store, tr torrent) {
	t.Helper()
	for i := range tr.layout.Hashes {
		off := int64(i) * tr.layout.PieceLength
		if err := s.WritePiece(i, tr.data[off:off+tr.layout.PieceSize(i)]); err != nil {
			t.Fatalf("WritePiece(%d): %v", i, err)
		}
	}
}

func newRand(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(uint64(len(t.Name())), 0x5eed))
}

func mustRemove(t testing.TB, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
