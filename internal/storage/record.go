package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"shoal/internal/bitfield"
)

// ErrBadResume marks a resume record that cannot be used: corrupt, from
// another format version, or for a different number of pieces or files.
var ErrBadResume = errors.New("storage: unusable resume record")

// maxRecordLen bounds a stored record; every count inside it is further
// bounded by the bytes actually present.
const maxRecordLen = 64 << 20

const recordVersion = 1

// State is the saved resume state of one torrent.
type State struct {
	// Have holds the pieces that were verified and written before they were
	// recorded.
	Have *bitfield.Bitfield
	// Files holds one stamp per file of the layout, as of the save.
	Files []FileStamp
}

// FileStamp is what a file looked like when the state was saved. A missing
// file has Size -1 and a zero ModTime.
type FileStamp struct {
	Size    int64
	ModTime time.Time
}

// Same reports whether two stamps describe the same file state, to the
// nanosecond.
func (a FileStamp) Same(b FileStamp) bool {
	if a.Size != b.Size {
		return false
	}
	return a.Size < 0 || stampNanos(a.ModTime) == stampNanos(b.ModTime)
}

func stampNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func sameStamps(a, b []FileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Same(b[i]) {
			return false
		}
	}
	return true
}

// appendRecord encodes a resume record:
//
//	version byte | uvarint pieces | bitfield bytes |
//	uvarint files | files x (varint size, varint mtime unix nanoseconds)
func appendRecord(b []byte, have *bitfield.Bitfield, files []FileStamp) []byte {
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(have.Len()))
	b = append(b, have.Bytes()...)
	b = binary.AppendUvarint(b, uint64(len(files)))
	for _, f := range files {
		b = binary.AppendVarint(b, f.Size)
		b = binary.AppendVarint(b, stampNanos(f.ModTime))
	}
	return b
}

// parseRecord decodes a record written by appendRecord. Errors wrap
// ErrBadResume. It never allocates more than a small multiple of len(b).
func parseRecord(b []byte) (State, error) {
	bad := func(what string) (State, error) {
		return State{}, fmt.Errorf("%w: %s", ErrBadResume, what)
	}
	if len(b) > maxRecordLen {
		return bad("record too long")
	}
	if len(b) == 0 || b[0] != recordVersion {
		return bad("unknown version")
	}
	b = b[1:]
	np, k := binary.Uvarint(b)
	if k <= 0 {
		return bad("piece count")
	}
	b = b[k:]
	nb := (np + 7) / 8
	if np > uint64(len(b))*8 || nb > uint64(len(b)) {
		return bad("bitfield truncated")
	}
	have, err := bitfield.FromBytes(b[:nb], int(np))
	if err != nil {
		return bad(err.Error())
	}
	b = b[nb:]
	nf, k := binary.Uvarint(b)
	if k <= 0 {
		return bad("file count")
	}
	b = b[k:]
	if nf > uint64(len(b))/2 { // each stamp takes at least two bytes
		return bad("file stamps truncated")
	}
	files := make([]FileStamp, nf)
	for i := range files {
		size, k := binary.Varint(b)
		if k <= 0 || size < -1 {
			return bad("file size")
		}
		b = b[k:]
		ns, k := binary.Varint(b)
		if k <= 0 {
			return bad("file time")
		}
		b = b[k:]
		files[i].Size = size
		if ns != 0 {
			files[i].ModTime = time.Unix(0, ns)
		}
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return State{Have: have, Files: files}, nil
}
