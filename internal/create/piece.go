package create

import (
	"fmt"

	"shoal/internal/metainfo"
)

const (
	// MinPieceLength and MaxPieceLength bound Options.PieceLength.
	MinPieceLength = 16 << 10
	MaxPieceLength = 64 << 20

	// minAutoPieceLength and maxAutoPieceLength bound the piece length
	// AutoPieceLength picks. Below 64 KiB the per-piece costs (a have
	// message to every peer, a hash job, a resume record) outweigh the
	// finer grain.
	minAutoPieceLength = 64 << 10
	maxAutoPieceLength = 16 << 20

	// targetPieces is the most pieces AutoPieceLength aims for.
	targetPieces = 2000
)

// AutoPieceLength picks the piece length for content of total bytes: the
// smallest power of two from 64 KiB up to 16 MiB that gives at most 2000
// pieces. Content between 128 MiB and 32 GiB thus gets 1000 to 2000
// pieces; smaller content gets 64 KiB pieces and larger content 16 MiB
// pieces.
//
//	total            piece length   pieces
//	up to 125 MiB    64 KiB         up to 2000
//	700 MiB          512 KiB        1400
//	1 GiB            1 MiB          1024
//	4 GiB            4 MiB          1024
//	10 GiB           8 MiB          1280
//	100 GiB          16 MiB         6400
func AutoPieceLength(total int64) int64 {
	pl := int64(minAutoPieceLength)
	for pl < maxAutoPieceLength && numPieces(total, pl) > targetPieces {
		pl *= 2
	}
	return pl
}

func checkPieceLength(pl int64) error {
	if pl < MinPieceLength || pl > MaxPieceLength || pl&(pl-1) != 0 {
		return fmt.Errorf("create: piece length %d is not a power of two from %d to %d",
			pl, MinPieceLength, MaxPieceLength)
	}
	return nil
}

// numPieces is the number of pieces of length pl needed for total bytes.
func numPieces(total, pl int64) int64 {
	if total <= 0 {
		return 0
	}
	return (total-1)/pl + 1
}

// MaxPieceLength must stay within what metainfo.Parse accepts.
const _ = uint64(metainfo.MaxPieceLength - MaxPieceLength)
