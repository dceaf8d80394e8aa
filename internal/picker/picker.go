package picker

import (
	"fmt"
	"math/rand/v2"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

// Peer identifies a connected peer. The caller chooses the values; they must
// be unique among the peers the Picker knows.
type Peer int

// Block is one request: Length bytes at byte offset Begin of piece Piece.
type Block struct {
	Piece  int
	Begin  int
	Length int
}

// Limits on the torrent geometry accepted by New.
const (
	MaxPieceLength = 64 << 20
	MaxPieces      = 1 << 24
)

const (
	// maxRequesters is how many peers may have one block outstanding at
	// once; more than one only happens in endgame.
	maxRequesters = 3
	// randomFirst is the number of verified pieces below which new pieces
	// are chosen at random instead of rarest first.
	randomFirst = 4
	// partialBytes sizes the default limit on partial pieces for torrents
	// with small pieces (see SetMaxPartials).
	partialBytes = 32 << 20
	// scanBudget bounds how many wanted pieces Pick probes before it
	// switches to walking the peer's own have-set.
	scanBudget = 64
)

// Picker is the block request planner of one torrent.
type Picker struct {
	numPieces   int
	pieceLength int64
	lastLength  int64
	rnd         *rand.Rand

	have      bitset
	haveWire  *bitfield.Bitfield
	haveCount int
	left      int64

	avail []int32 // per piece: peers other than seeds that have it
	seeds int
	want  availIndex // wanted pieces by availability

	peers map[Peer]*peerState
	list  []*peerState // the same peers, for fast iteration

	partials    []*partial // every partial piece
	pidx        []int32    // piece -> index in partials, or -1
	open        []*partial // partial pieces with free blocks
	pool        []*partial
	gen         uint32
	totalFree   int // free blocks in partial pieces
	inFlight    int // partial pieces not yet fully received
	maxPartials int // 0: automatic

	cancelBuf []Peer
}

// CheckGeometry reports whether New accepts the torrent geometry: 1 to
// MaxPieces pieces of 1 to MaxPieceLength bytes, the last one non-empty and
// no longer than the others.
func CheckGeometry(numPieces int, pieceLength, totalLength int64) error {
	switch {
	case numPieces < 1 || numPieces > MaxPieces:
		return fmt.Errorf("picker: %d pieces", numPieces)
	case pieceLength < 1 || pieceLength > MaxPieceLength:
		return fmt.Errorf("picker: piece length %d", pieceLength)
	case totalLength <= int64(numPieces-1)*pieceLength || totalLength > int64(numPieces)*pieceLength:
		return fmt.Errorf("picker: total length %d for %d pieces of %d", totalLength, numPieces, pieceLength)
	}
	return nil
}

// New returns a Picker for a torrent of numPieces pieces of pieceLength
// bytes, totalLength bytes in all, with no piece verified and no peer known.
// rnd breaks ties; nil selects a fixed seed. The caller validates the
// geometry first: if CheckGeometry fails, New returns a Picker for zero
// pieces, which is complete from the start.
func New(numPieces int, pieceLength, totalLength int64, rnd *rand.Rand) *Picker {
	if CheckGeometry(numPieces, pieceLength, totalLength) != nil {
		numPieces, pieceLength, totalLength = 0, bt.BlockSize, 0
	}
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(1, 2))
	}
	pk := &Picker{
		numPieces:   numPieces,
		pieceLength: pieceLength,
		lastLength:  totalLength - int64(max(numPieces-1, 0))*pieceLength,
		rnd:         rnd,
		have:        newBitset(numPieces),
		haveWire:    bitfield.New(numPieces),
		left:        totalLength,
		avail:       make([]int32, numPieces),
		want:        newAvailIndex(numPieces),
		peers:       make(map[Peer]*peerState),
		pidx:        make([]int32, numPieces),
	}
	for i := range numPieces {
		pk.pidx[i] = -1
		pk.want.add(i, 0)
	}
	return pk
}

// NumPieces is the number of pieces.
func (pk *Picker) NumPieces() int { return pk.numPieces }

// PieceLength is the length of piece i in bytes (0 if out of range).
func (pk *Picker) PieceLength(i int) int64 {
	switch {
	case i < 0 || i >= pk.numPieces:
		return 0
	case i == pk.numPieces-1:
		return pk.lastLength
	}
	return pk.pieceLength
}

// numBlocks is the number of blocks in piece i.
func (pk *Picker) numBlocks(i int) int {
	return int((pk.PieceLength(i) + bt.BlockSize - 1) / bt.BlockSize)
}

// block returns block b of piece i.
func (pk *Picker) block(i, b int) Block {
	begin := b * bt.BlockSize
	return Block{Piece: i, Begin: begin, Length: int(min(int64(bt.BlockSize), pk.PieceLength(i)-int64(begin)))}
}

// blockIndex validates b and returns its index within its piece.
func (pk *Picker) blockIndex(b Block) (int, bool) {
	if b.Piece < 0 || b.Piece >= pk.numPieces || b.Begin < 0 || b.Begin%bt.BlockSize != 0 {
		return 0, false
	}
	i := b.Begin / bt.BlockSize
	if i >= pk.numBlocks(b.Piece) || pk.block(b.Piece, i).Length != b.Length {
		return 0, false
	}
	return i, true
}

// Have reports whether piece i is verified.
func (pk *Picker) Have(i int) bool {
	return i >= 0 && i < pk.numPieces && pk.have.has(i)
}

// Complete reports whether every piece is verified.
func (pk *Picker) Complete() bool { return pk.haveCount == pk.numPieces }

// HaveCount is the number of verified pieces.
func (pk *Picker) HaveCount() int { return pk.haveCount }

// Left is the number of bytes in pieces not verified yet.
func (pk *Picker) Left() int64 { return pk.left }

// Bitfield returns a copy of our verified pieces in wire form.
func (pk *Picker) Bitfield() *bitfield.Bitfield { return pk.haveWire.Clone() }

// Availability is the number of known peers that have piece i.
func (pk *Picker) Availability(i int) int {
	if i < 0 || i >= pk.numPieces {
		return 0
	}
	return int(pk.avail[i]) + pk.seeds
}

// Partials is the number of partial pieces, including those fully received
// and waiting for Verified or Failed.
func (pk *Picker) Partials() int { return len(pk.partials) }

// SetMaxPartials limits the partial pieces not yet fully received: Pick
// starts no new piece while the limit is reached. n <= 0 restores the
// default: the number of known peers plus 4, or enough pieces to hold
// 32 MiB if that is more.
func (pk *Picker) SetMaxPartials(n int) { pk.maxPartials = max(n, 0) }

func (pk *Picker) partialLimit() int {
	if pk.maxPartials > 0 {
		return pk.maxPartials
	}
	return max(len(pk.peers)+4, int((partialBytes+pk.pieceLength-1)/pk.pieceLength))
}

// SetHave marks piece i as verified, for pieces found on disk at start-up.
// It is the same as Verified.
func (pk *Picker) SetHave(i int) { pk.Verified(i) }

// Verified marks piece i as verified. Requests still outstanding for it are
// forgotten; late blocks of it are reported as not fresh.
func (pk *Picker) Verified(i int) {
	if i < 0 || i >= pk.numPieces || pk.have.has(i) {
		return
	}
	if pt := pk.partialOf(i); pt != nil {
		pk.dropPartial(pt)
	} else if pk.want.contains(i) {
		pk.want.remove(i, int(pk.avail[i]))
	}
	pk.have.set(i)
	pk.haveWire.Set(i)
	pk.haveCount++
	pk.left -= pk.PieceLength(i)
	for _, ps := range pk.list {
		if !ps.seed && ps.has.has(i) {
			ps.lacks--
		}
	}
}

// Failed resets piece i to missing after a hash mismatch (or, for a
// verified piece, after its data was lost) and returns the distinct peers
// that delivered blocks of it, in order of first delivery. The result is a
// new slice.
func (pk *Picker) Failed(i int) []Peer {
	if i < 0 || i >= pk.numPieces {
		return nil
	}
	var contrib []Peer
	switch {
	case pk.have.has(i):
		pk.have.clear(i)
		pk.haveWire.Clear(i)
		pk.haveCount--
		pk.left += pk.PieceLength(i)
		for _, ps := range pk.list {
			if !ps.seed && ps.has.has(i) {
				ps.lacks++
			}
		}
	case pk.partialOf(i) != nil:
		pt := pk.partialOf(i)
		contrib = append(contrib, pt.contrib...)
		pk.dropPartial(pt)
	default:
		return nil
	}
	pk.want.add(i, int(pk.avail[i]))
	return contrib
}

// Interesting reports whether bf has a piece we lack.
func (pk *Picker) Interesting(bf *bitfield.Bitfield) bool {
	if bf == nil {
		return false
	}
	ours, theirs := pk.haveWire.Bytes(), bf.Bytes()
	for i := range min(len(ours), len(theirs)) {
		if theirs[i]&^ours[i] != 0 {
			return true
		}
	}
	return false
}

// Progress is the fraction of piece i received so far: 1 for a verified
// piece, 0 for one not started.
func (pk *Picker) Progress(i int) float64 {
	if i < 0 || i >= pk.numPieces {
		return 0
	}
	if pk.Have(i) {
		return 1
	}
	if pt := pk.partialOf(i); pt != nil && pt.nblocks > 0 {
		return float64(pt.nRecv) / float64(pt.nblocks)
	}
	return 0
}
