package lab

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"shoal/internal/bt"
)

// content is a generated file: its bytes, piece hashes and info hash.
type content struct {
	data   []byte
	pl     int64
	hashes [][20]byte
	ih     bt.InfoHash
}

// newContent generates size pseudo-random bytes from seed and hashes them
// in pieces of pl bytes.
func newContent(size, pl int64, seed uint64) *content {
	c := &content{data: make([]byte, size), pl: pl}
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	rand.NewChaCha8(key).Read(c.data)
	for off := int64(0); off < size; off += pl {
		c.hashes = append(c.hashes, sha1.Sum(c.data[off:min(size, off+pl)]))
	}
	h := sha1.New()
	fmt.Fprintf(h, "shoal lab %d %d", size, pl)
	for _, x := range c.hashes {
		h.Write(x[:])
	}
	copy(c.ih[:], h.Sum(nil))
	return c
}

// memStorage keeps a torrent's data in memory. It needs no lock: the
// engine writes each piece once, before it counts as verified, and reads
// only verified pieces.
type memStorage struct {
	data []byte
	pl   int64
}

var errRange = errors.New("lab: storage: offset out of range")

func (m *memStorage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m.data)) {
		return 0, errRange
	}
	n := copy(p, m.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStorage) WritePiece(piece int, data []byte) error {
	off := int64(piece) * m.pl
	if piece < 0 || off+int64(len(data)) > int64(len(m.data)) {
		return errRange
	}
	copy(m.data[off:], data)
	return nil
}
