package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"shoal/internal/metainfo"
	"shoal/internal/storage"
)

// loadTorrent reads and parses a .torrent file.
func loadTorrent(path string) (*metainfo.MetaInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, metainfo.MaxTorrentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read torrent %s: %w", path, err)
	}
	if len(data) > metainfo.MaxTorrentSize {
		return nil, fmt.Errorf("%s: larger than %d MiB, not a torrent file", path, metainfo.MaxTorrentSize>>20)
	}
	mi, err := metainfo.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return mi, nil
}

// layoutOf maps a torrent onto storage: every file under the torrent's
// name, relative to the download directory.
func layoutOf(mi *metainfo.MetaInfo) storage.Layout {
	files := mi.Info.FileList()
	l := storage.Layout{PieceLength: mi.Info.PieceLength, Hashes: mi.Info.Pieces}
	for _, f := range files {
		l.Files = append(l.Files, storage.File{Path: filepath.Join(f.Path...), Length: f.Length})
	}
	return l
}
