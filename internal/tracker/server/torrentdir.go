package server

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"shoal/internal/metainfo"
)

// errCatalogFull is returned when MaxTorrents are registered already.
var errCatalogFull = fmt.Errorf("server: more than %d torrents registered", MaxTorrents)

// isTorrentFile reports whether a file name in TorrentDir is read: a
// .torrent file, not hidden (uploads are written to hidden temporary files
// first).
func isTorrentFile(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.EqualFold(filepath.Ext(name), ".torrent")
}

// scan rereads dir: new and changed .torrent files are parsed, files that
// are gone are unregistered, unchanged ones (same size and modification
// time) are kept without reading them again. Files that do not parse are
// logged once and skipped.
func (c *catalog) scan(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("server: torrents: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]catalogFile, len(c.files))
	var added, bad int
	for _, e := range entries {
		name := e.Name()
		if !isTorrentFile(name) {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f := catalogFile{size: fi.Size(), modTime: fi.ModTime().UnixNano()}
		if old, ok := c.files[name]; ok && old.size == f.size && old.modTime == f.modTime {
			next[name] = old
			continue
		}
		m, err := readTorrentFile(path)
		if err != nil {
			bad++
			log.Warn("server: skipping torrent file", "file", path, "err", err)
		} else {
			added++
			f.ok, f.hash, f.name = true, m.InfoHash, cleanName(m.Info.Name)
		}
		next[name] = f
	}
	removed := 0
	for name := range c.files {
		if _, ok := next[name]; !ok {
			removed++
		}
	}
	c.files = next
	c.publishLocked()
	if added+removed+bad > 0 {
		log.Info("server: torrents rescanned", "dir", dir, "registered", c.len(), "read", added, "gone", removed, "bad", bad)
	}
	return nil
}

func readTorrentFile(path string) (*metainfo.MetaInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, metainfo.MaxTorrentSize+1))
	if err != nil {
		return nil, err
	}
	return metainfo.Parse(data)
}

// add registers m. With dir and data, the torrent is saved as
// dir/INFOHASH.torrent so that it stays registered after a restart (and
// is unregistered by deleting the file); otherwise it is kept in memory.
// It reports false if the torrent was registered already.
func (c *catalog) add(dir string, m *metainfo.MetaInfo, data []byte) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.lookup(m.InfoHash); ok {
		return false, nil
	}
	if c.len() >= MaxTorrents {
		return false, errCatalogFull
	}
	name := cleanName(m.Info.Name)
	if dir == "" || data == nil {
		c.extra[m.InfoHash] = name
		c.publishLocked()
		return true, nil
	}
	file := hex.EncodeToString(m.InfoHash[:]) + ".torrent"
	fi, err := writeFileAtomic(dir, file, data)
	if err != nil {
		return false, err
	}
	c.files[file] = catalogFile{size: fi.Size(), modTime: fi.ModTime().UnixNano(), ok: true, hash: m.InfoHash, name: name}
	c.publishLocked()
	return true, nil
}

// writeFileAtomic writes data to dir/name through a temporary file, so that
// a scan never reads half a file, and returns the file's details.
func writeFileAtomic(dir, name string, data []byte) (os.FileInfo, error) {
	tmp, err := os.CreateTemp(dir, ".upload-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("server: save torrent: %w", err)
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	path := filepath.Join(dir, name)
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("server: save torrent: %w", werr)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("server: save torrent: %w", err)
	}
	return fi, nil
}
