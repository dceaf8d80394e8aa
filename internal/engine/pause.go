package engine

import (
	"errors"
	"slices"
	"strings"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/peerconn"
)

// errPaused is why connections close when a torrent is paused.
var errPaused = errors.New("engine: torrent paused")

// Pause disconnects every peer of the torrent and stops dialing and
// accepting connections for it until Resume. Verified pieces are kept.
func (t *Torrent) Pause() {
	t.mu.Lock()
	t.paused = true
	conns := make([]*peerconn.Conn, 0, len(t.peers))
	for _, p := range t.peers {
		conns = append(conns, p.conn)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close(errPaused)
	}
}

// Resume undoes Pause.
func (t *Torrent) Resume() {
	t.mu.Lock()
	t.paused = false
	for _, c := range t.cands {
		c.lastTry, c.lastEnd = time.Time{}, time.Time{} // dial again at once
	}
	t.mu.Unlock()
	t.dialMore()
}

// Paused reports whether the torrent is paused.
func (t *Torrent) Paused() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paused
}

// InfoHash identifies the torrent.
func (t *Torrent) InfoHash() bt.InfoHash { return t.spec.InfoHash }

// Name is the torrent's name.
func (t *Torrent) Name() string { return t.spec.Name }

// Torrents returns the session's torrents, sorted by name.
func (s *Session) Torrents() []*Torrent {
	s.mu.Lock()
	ts := make([]*Torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	slices.SortFunc(ts, func(a, b *Torrent) int { return strings.Compare(a.spec.Name, b.spec.Name) })
	return ts
}

// Torrent returns the torrent with info hash ih, or nil.
func (s *Session) Torrent(ih bt.InfoHash) *Torrent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.torrents[ih]
}

// Have returns a copy of the set of verified pieces.
func (t *Torrent) Have() *bitfield.Bitfield {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st.Bitfield()
}
