package storage

import (
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"shoal/internal/bt"
)

// sessionBucket holds the torrents of a download folder's session, so a
// restart can resume all of them.
var sessionBucket = []byte("shoal.session.v1")

// MaxSavedTorrent bounds the size of a torrent saved in a session.
const MaxSavedTorrent = 64 << 20

// SavedTorrent is a torrent of a session: its .torrent bytes and whether
// the user paused it.
type SavedTorrent struct {
	InfoHash bt.InfoHash
	Torrent  []byte
	Paused   bool
}

// SaveTorrent records a torrent in the session (replacing an earlier
// record of it).
func (r *Resume) SaveTorrent(t SavedTorrent) error {
	if len(t.Torrent) == 0 || len(t.Torrent) > MaxSavedTorrent {
		return fmt.Errorf("storage: session: torrent of %d bytes", len(t.Torrent))
	}
	v := make([]byte, 1, 1+len(t.Torrent))
	if t.Paused {
		v[0] = 1
	}
	v = append(v, t.Torrent...)
	err := r.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(sessionBucket)
		if err != nil {
			return err
		}
		return b.Put(t.InfoHash[:], v)
	})
	if err != nil {
		return fmt.Errorf("storage: session: %w", err)
	}
	return nil
}

// SetPaused records whether a saved torrent is paused.
func (r *Resume) SetPaused(ih bt.InfoHash, paused bool) error {
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(sessionBucket)
		if b == nil {
			return errNotSaved
		}
		v := b.Get(ih[:])
		if len(v) < 2 {
			return errNotSaved
		}
		nv := slices.Clone(v)
		nv[0] = 0
		if paused {
			nv[0] = 1
		}
		return b.Put(ih[:], nv)
	})
	if err != nil {
		return fmt.Errorf("storage: session: %w", err)
	}
	return nil
}

var errNotSaved = errors.New("torrent not in the session")

// SavedTorrents returns the torrents of the session, in info hash order.
func (r *Resume) SavedTorrents() ([]SavedTorrent, error) {
	var out []SavedTorrent
	err := r.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(sessionBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != len(bt.InfoHash{}) || len(v) < 2 || v[0] > 1 {
				r.log.Warn("storage: skipping a malformed session record", "key", fmt.Sprintf("%x", k))
				return nil
			}
			var t SavedTorrent
			copy(t.InfoHash[:], k)
			t.Paused = v[0] == 1
			t.Torrent = slices.Clone(v[1:])
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("storage: session: %w", err)
	}
	return out, nil
}

// ForgetTorrent removes a torrent from the session.
func (r *Resume) ForgetTorrent(ih bt.InfoHash) error {
	err := r.db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(sessionBucket); b != nil {
			return b.Delete(ih[:])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: session: %w", err)
	}
	return nil
}
