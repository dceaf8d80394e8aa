package magnet

import (
	"crypto/sha1"
	"errors"
	"fmt"

	"shoal/internal/bt"
	"shoal/internal/wire"
)

// ErrHashMismatch is returned when assembled metadata does not hash to the
// info hash: the peer sent something else.
var ErrHashMismatch = errors.New("magnet: metadata does not match the info hash")

// assembler collects the pieces of metadata of a known size.
type assembler struct {
	ih   bt.InfoHash
	data []byte
	have []bool
	left int
}

func newAssembler(ih bt.InfoHash, size int) (*assembler, error) {
	if size <= 0 || size > wire.MaxMetadataSize {
		return nil, fmt.Errorf("magnet: peer announced metadata of %d bytes (limit %d)", size, wire.MaxMetadataSize)
	}
	n := (size + wire.MetadataPieceLen - 1) / wire.MetadataPieceLen
	return &assembler{ih: ih, data: make([]byte, size), have: make([]bool, n), left: n}, nil
}

func (a *assembler) pieces() int { return len(a.have) }

// add stores piece i and reports whether every piece is in.
func (a *assembler) add(m wire.Metadata) (bool, error) {
	if m.TotalSize != len(a.data) {
		return false, fmt.Errorf("magnet: metadata size changed from %d to %d", len(a.data), m.TotalSize)
	}
	want := wire.MetadataPieceSize(len(a.data), m.Piece)
	if want == 0 || len(m.Data) != want {
		return false, fmt.Errorf("magnet: metadata piece %d has %d bytes, want %d", m.Piece, len(m.Data), want)
	}
	if !a.have[m.Piece] {
		copy(a.data[m.Piece*wire.MetadataPieceLen:], m.Data)
		a.have[m.Piece] = true
		a.left--
	}
	return a.left == 0, nil
}

// verify checks the complete metadata against the info hash.
func (a *assembler) verify() ([]byte, error) {
	if a.left != 0 {
		return nil, errors.New("magnet: metadata incomplete")
	}
	if sha1.Sum(a.data) != a.ih {
		return nil, ErrHashMismatch
	}
	return a.data, nil
}
