package storage

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
)

// ReadAt reads len(p) bytes at torrent-global offset off, across file
// boundaries, following io.ReaderAt: a read reaching past the end of the
// torrent returns io.EOF. A missing file yields an error wrapping
// fs.ErrNotExist, a file shorter than the layout one wrapping
// io.ErrUnexpectedEOF.
func (s *Store) ReadAt(p []byte, off int64) (int, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if off < 0 {
		return 0, fmt.Errorf("storage: read at negative offset %d", off)
	}
	if off >= s.total {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	eof := false
	if int64(len(p)) > s.total-off {
		p = p[:s.total-off]
		eof = true
	}
	n := 0
	for i := s.find(off); n < len(p) && i < len(s.files); i++ {
		slot := &s.files[i]
		if slot.length == 0 {
			continue
		}
		fo := off + int64(n) - slot.offset
		end := len(p)
		if rest := slot.length - fo; int64(end-n) > rest {
			end = n + int(rest)
		}
		f, err := s.file(slot, false)
		if err != nil {
			return n, err
		}
		k, err := f.ReadAt(p[n:end], fo)
		n += k
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, fmt.Errorf("storage: read %s at %d: file too short: %w", slot.path, fo+int64(k), io.ErrUnexpectedEOF)
			}
			return n, fmt.Errorf("storage: read %s: %w", slot.path, err)
		}
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt writes p at torrent-global offset off, across file boundaries,
// creating directories and files as needed. Writing past the end of the
// torrent is an error and writes nothing.
func (s *Store) WriteAt(p []byte, off int64) (int, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if off < 0 || off > s.total || int64(len(p)) > s.total-off {
		return 0, fmt.Errorf("storage: write of %d bytes at %d outside torrent of %d bytes", len(p), off, s.total)
	}
	n := 0
	for i := s.find(off); n < len(p) && i < len(s.files); i++ {
		slot := &s.files[i]
		if slot.length == 0 {
			continue
		}
		fo := off + int64(n) - slot.offset
		end := len(p)
		if rest := slot.length - fo; int64(end-n) > rest {
			end = n + int(rest)
		}
		f, err := s.file(slot, true)
		if err != nil {
			return n, err
		}
		k, err := f.WriteAt(p[n:end], fo)
		n += k
		if k > 0 {
			s.markDirty(slot) // after the write: see markDirty
		}
		if err != nil {
			return n, fmt.Errorf("storage: write %s: %w", slot.path, err)
		}
	}
	return n, nil
}

// NumPieces is the number of pieces of the layout.
func (s *Store) NumPieces() int { return len(s.layout.Hashes) }

// PieceSize is Layout.PieceSize in constant time.
func (s *Store) PieceSize(piece int) int64 {
	return pieceSize(s.layout.PieceLength, s.total, piece)
}

// TotalLength is Layout.TotalLength in constant time.
func (s *Store) TotalLength() int64 { return s.total }

// checkRange validates a range inside piece and returns its global offset.
func (s *Store) checkRange(piece int, begin, length int64) (int64, error) {
	size := s.PieceSize(piece)
	if size == 0 {
		return 0, fmt.Errorf("storage: piece %d out of range (0..%d)", piece, len(s.layout.Hashes)-1)
	}
	if begin < 0 || length < 0 || begin > size || length > size-begin {
		return 0, fmt.Errorf("storage: range %d+%d outside piece %d of %d bytes", begin, length, piece, size)
	}
	return s.layout.PieceOffset(piece) + begin, nil
}

// ReadBlock fills p with the bytes of piece at offset begin within it.
func (s *Store) ReadBlock(piece int, begin int64, p []byte) error {
	off, err := s.checkRange(piece, begin, int64(len(p)))
	if err != nil {
		return err
	}
	n, err := s.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// WritePiece writes a whole piece, which must be exactly PieceSize(piece)
// bytes. Callers write only pieces whose hash they have verified.
func (s *Store) WritePiece(piece int, data []byte) error {
	off, err := s.checkRange(piece, 0, int64(len(data)))
	if err != nil {
		return err
	}
	if size := s.PieceSize(piece); int64(len(data)) != size {
		return fmt.Errorf("storage: piece %d: got %d bytes, want %d", piece, len(data), size)
	}
	_, err = s.WriteAt(data, off)
	return err
}

// VerifyPiece reads piece from disk and compares its SHA-1 with the layout.
// buf is scratch space used if its capacity is at least the piece size; nil
// allocates. Missing or short files make the piece simply not valid (false,
// nil); other I/O errors are returned.
func (s *Store) VerifyPiece(piece int, buf []byte) (bool, error) {
	size := s.PieceSize(piece)
	if size == 0 {
		return false, fmt.Errorf("storage: piece %d out of range (0..%d)", piece, len(s.layout.Hashes)-1)
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if err := s.ReadBlock(piece, 0, buf); err != nil {
		if absent(err) {
			return false, nil
		}
		return false, err
	}
	return sha1.Sum(buf) == s.layout.Hashes[piece], nil
}
