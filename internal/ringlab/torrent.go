package ringlab

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"shoal/internal/metainfo"
	"shoal/internal/storage"
)

// MinChunk and MaxChunk bound the chunk size. Any length in between is
// fine, powers of two or not (100 KB is the lab's usual choice).
const (
	MinChunk = 1 << 10
	MaxChunk = 16 << 20
)

// MaxChunks bounds the number of chunks of a ring's file.
const MaxChunks = 1 << 20

// MakeTorrent cuts the file at path into chunks of chunk bytes and returns
// its single-file metainfo, with one SHA-1 per chunk. The torrent has no
// tracker: the ring's members know each other's addresses.
func MakeTorrent(ctx context.Context, path string, chunk int64) (*metainfo.MetaInfo, error) {
	if chunk < MinChunk || chunk > MaxChunk {
		return nil, fmt.Errorf("ringlab: chunk size %d not in %d..%d", chunk, MinChunk, MaxChunk)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ringlab: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ringlab: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil, fmt.Errorf("ringlab: %s: want a regular file that is not empty", path)
	}
	if n := (fi.Size()-1)/chunk + 1; n > MaxChunks {
		return nil, fmt.Errorf("ringlab: %s: %d chunks, at most %d (use larger chunks)", path, n, MaxChunks)
	}
	buf := make([]byte, chunk)
	var hashes [][20]byte
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			hashes = append(hashes, sha1.Sum(buf[:n]))
			total += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("ringlab: %w", err)
		}
	}
	if total != fi.Size() {
		return nil, fmt.Errorf("ringlab: %s changed size while it was read", path)
	}
	m := &metainfo.MetaInfo{CreatedBy: "shoal ring lab"}
	info := metainfo.Info{Name: filepath.Base(path), PieceLength: chunk, Pieces: hashes, Length: total}
	if err := m.SetInfo(info); err != nil {
		return nil, fmt.Errorf("ringlab: %w", err)
	}
	return m, nil
}

// WriteTorrent writes m to path.
func WriteTorrent(path string, m *metainfo.MetaInfo) error {
	b, err := m.Encode()
	if err != nil {
		return fmt.Errorf("ringlab: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("ringlab: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("ringlab: %w", err)
	}
	return nil
}

// ReadTorrent reads and checks a ring torrent: a single file in at most
// MaxChunks chunks.
func ReadTorrent(path string) (*metainfo.MetaInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ringlab: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, metainfo.MaxTorrentSize+1))
	if err != nil {
		return nil, fmt.Errorf("ringlab: %w", err)
	}
	m, err := metainfo.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("ringlab: %s: %w", path, err)
	}
	if err := checkInfo(&m.Info); err != nil {
		return nil, fmt.Errorf("ringlab: %s: %w", path, err)
	}
	return m, nil
}

func checkInfo(info *metainfo.Info) error {
	switch {
	case info.IsMultiFile():
		return errors.New("a ring shares a single file, not a folder")
	case info.PieceLength < MinChunk || info.PieceLength > MaxChunk:
		return fmt.Errorf("chunk size %d not in %d..%d", info.PieceLength, MinChunk, MaxChunk)
	case info.NumPieces() > MaxChunks:
		return fmt.Errorf("%d chunks, at most %d", info.NumPieces(), MaxChunks)
	}
	return nil
}

// layout returns the storage layout of a single-file torrent.
func layout(info *metainfo.Info) storage.Layout {
	return storage.Layout{
		PieceLength: info.PieceLength,
		Files:       []storage.File{{Path: info.Name, Length: info.Length}},
		Hashes:      info.Pieces,
	}
}
