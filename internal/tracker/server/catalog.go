package server

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"shoal/internal/bt"
)

// maxNameLen bounds the torrent names kept for the status page, in bytes.
const maxNameLen = 200

// MaxTorrents is the number of registered torrents beyond which uploads
// and Register are refused. Torrents read from Config.TorrentDir are always
// registered, but count towards it.
const MaxTorrents = 1 << 20

// catalog is the set of registered torrents: info hash to name. Lookups,
// made on every announce in allow-list mode, read an immutable map without
// locking; changes build a new map and publish it.
type catalog struct {
	names atomic.Pointer[map[bt.InfoHash]string]

	mu    sync.Mutex             // serialises changes
	files map[string]catalogFile // TorrentDir contents by file name
	extra map[bt.InfoHash]string // registered in memory only
}

// catalogFile is one file of TorrentDir as last seen.
type catalogFile struct {
	size    int64
	modTime int64 // UnixNano
	ok      bool  // parsed; false for a file that is not a torrent
	hash    bt.InfoHash
	name    string
}

func newCatalog() *catalog {
	c := &catalog{files: map[string]catalogFile{}, extra: map[bt.InfoHash]string{}}
	empty := map[bt.InfoHash]string{}
	c.names.Store(&empty)
	return c
}

// lookup returns the name of a registered torrent.
func (c *catalog) lookup(h bt.InfoHash) (string, bool) {
	name, ok := (*c.names.Load())[h]
	return name, ok
}

// has reports whether every one of hashes is registered.
func (c *catalog) has(hashes ...bt.InfoHash) bool {
	m := *c.names.Load()
	for _, h := range hashes {
		if _, ok := m[h]; !ok {
			return false
		}
	}
	return true
}

// len returns the number of registered torrents.
func (c *catalog) len() int { return len(*c.names.Load()) }

// publishLocked rebuilds the lookup map from files and extra.
func (c *catalog) publishLocked() {
	m := make(map[bt.InfoHash]string, len(c.files)+len(c.extra))
	maps.Copy(m, c.extra)
	for _, f := range c.files {
		if f.ok {
			m[f.hash] = f.name
		}
	}
	c.names.Store(&m)
}

// cleanName makes a torrent name fit for display: valid UTF-8, at most
// maxNameLen bytes. HTML escaping is the template's business.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxNameLen {
		return s
	}
	cut := maxNameLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
