package ringlab

import (
	"fmt"
	"math/bits"

	"shoal/internal/bitfield"
)

// Neighbours returns the download and upload neighbours of peer i in a ring
// of n peers: peer i fetches from peer i-1 and serves peer i+1, modulo n.
func Neighbours(i, n int) (down, up int) {
	if n <= 0 {
		return 0, 0
	}
	i = ((i % n) + n) % n
	return (i + n - 1) % n, (i + 1) % n
}

// OwnerShare returns the peer the owner gives chunk c to in a ring of n
// peers: c mod n, round robin.
func OwnerShare(c, n int) int {
	if n <= 0 {
		return 0
	}
	return c % n
}

// Share returns the chunks of numChunks that the owner hands to peer i of
// n, as a bitfield: chunk c belongs to peer c mod n. It fails if i is not a
// peer of the ring.
func Share(numChunks, i, n int) (*bitfield.Bitfield, error) {
	if n <= 0 || i < 0 || i >= n || numChunks < 0 {
		return nil, fmt.Errorf("ringlab: peer %d of %d: not in the ring", i, n)
	}
	b := bitfield.New(numChunks)
	for c := i; c < numChunks; c += n {
		b.Set(c)
	}
	return b, nil
}

// CheckRing checks that numChunks chunks can be shared among n peers so
// that each gets at least one from the owner.
func CheckRing(numChunks, n int) error {
	switch {
	case n < 2:
		return fmt.Errorf("ringlab: %d peers: a ring needs at least 2", n)
	case n > MaxPeers:
		return fmt.Errorf("ringlab: %d peers: at most %d", n, MaxPeers)
	case numChunks < n:
		return fmt.Errorf("ringlab: %d chunks for %d peers: want at least one chunk per peer (use smaller chunks)", numChunks, n)
	}
	return nil
}

// NextChunk returns the chunk to request next: the lowest-numbered chunk
// that theirs has and that is neither in have nor in pending, or -1 if there
// is none. Bitfields of other lengths than have count as empty.
func NextChunk(have, pending, theirs *bitfield.Bitfield) int {
	n := have.Len()
	if theirs == nil || theirs.Len() != n {
		return -1
	}
	hb, tb := have.Bytes(), theirs.Bytes()
	var pb []byte
	if pending != nil && pending.Len() == n {
		pb = pending.Bytes()
	}
	for i, t := range tb {
		w := t &^ hb[i]
		if pb != nil {
			w &^= pb[i]
		}
		if w == 0 {
			continue
		}
		return 8*i + bits.LeadingZeros8(w)
	}
	return -1
}

// Wanted reports whether theirs has a chunk that have lacks.
func Wanted(have, theirs *bitfield.Bitfield) bool {
	return NextChunk(have, nil, theirs) >= 0
}

// Covers reports whether have holds every chunk of theirs.
func Covers(have, theirs *bitfield.Bitfield) bool {
	return !Wanted(have, theirs)
}

// Blocks returns the number of requests of up to blockSize bytes that a
// chunk of size bytes takes.
func Blocks(size, blockSize int64) int {
	if size <= 0 || blockSize <= 0 {
		return 0
	}
	return int((size + blockSize - 1) / blockSize)
}
