package wire

import "fmt"

// MaxRequestLen is the largest block a peer may request or send, in
// bytes. shoal requests bt.BlockSize (16 KiB) blocks; other clients stay
// well within this limit.
const MaxRequestLen = 128 << 10

// Bounds describes a torrent's pieces, to validate the indices, offsets
// and lengths peers send. All pieces are PieceLength bytes long except
// the last, which holds the rest of TotalLength.
type Bounds struct {
	NumPieces   int
	PieceLength int64
	TotalLength int64
}

// PieceSize returns the length of piece i, or 0 if i is out of range or
// the bounds are inconsistent.
func (b Bounds) PieceSize(i int) int64 {
	if i < 0 || i >= b.NumPieces || b.PieceLength <= 0 {
		return 0
	}
	if i < b.NumPieces-1 {
		return b.PieceLength
	}
	last := b.TotalLength - b.PieceLength*int64(b.NumPieces-1)
	if last <= 0 || last > b.PieceLength {
		return 0
	}
	return last
}

// Check validates the piece index, block offset and block length of m
// against the torrent. Messages that carry none of them pass. Errors
// wrap ErrProtocol.
func (b Bounds) Check(m Message) error {
	if m.Keepalive {
		return nil
	}
	switch m.ID {
	case Have, Suggest, AllowedFast:
		return b.checkIndex(m.ID, m.Index)
	case Request, Cancel, Reject:
		return b.checkBlock(m.ID, m.Index, m.Begin, int64(m.Length))
	case Piece:
		return b.checkBlock(m.ID, m.Index, m.Begin, int64(len(m.Payload)))
	case Bitfield:
		return b.checkBitfield(m.Payload)
	}
	return nil
}

func (b Bounds) checkIndex(id ID, index uint32) error {
	if uint64(index) >= uint64(max(b.NumPieces, 0)) {
		return fmt.Errorf("%w: %v: piece %d of %d", ErrProtocol, id, index, b.NumPieces)
	}
	return nil
}

func (b Bounds) checkBlock(id ID, index, begin uint32, length int64) error {
	if err := b.checkIndex(id, index); err != nil {
		return err
	}
	if length < 1 || length > MaxRequestLen {
		return fmt.Errorf("%w: %v: block length %d", ErrProtocol, id, length)
	}
	// begin and length are below 2^32, so the sum cannot overflow int64.
	if size := b.PieceSize(int(index)); int64(begin)+length > size {
		return fmt.Errorf("%w: %v: block %d+%d beyond piece %d of %d bytes",
			ErrProtocol, id, begin, length, index, size)
	}
	return nil
}

func (b Bounds) checkBitfield(bits []byte) error {
	n := max(b.NumPieces, 0)
	if want := (n + 7) / 8; len(bits) != want {
		return fmt.Errorf("%w: bitfield of %d bytes, want %d", ErrProtocol, len(bits), want)
	}
	if spare := n % 8; spare != 0 && bits[len(bits)-1]<<spare != 0 {
		return fmt.Errorf("%w: bitfield: spare bits set", ErrProtocol)
	}
	return nil
}
