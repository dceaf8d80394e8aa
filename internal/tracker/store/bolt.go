package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// FileName is the name of the database file inside the data directory.
const FileName = "tracker.db"

var (
	bucketMeta      = []byte("meta")
	bucketPeers     = []byte("peers")
	bucketCompleted = []byte("completed")
	keySchema       = []byte("schema")
)

const schemaVersion = 1

// Bolt is a Store in a bbolt database file.
type Bolt struct {
	db  *bolt.DB
	log *slog.Logger
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens or creates dir/tracker.db. It fails after a second if
// another process holds the file. A nil logger discards.
func OpenBolt(dir string, logger *slog.Logger) (*Bolt, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keySchema); v != nil {
			if len(v) != 8 || binary.BigEndian.Uint64(v) != schemaVersion {
				return fmt.Errorf("unsupported schema %x", v)
			}
		} else if err := meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion)); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketPeers); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bucketCompleted)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Bolt{db: db, log: logger}, nil
}

// Load implements Store. Malformed records are skipped and logged.
func (s *Bolt) Load(ctx context.Context) ([]registry.SwarmState, error) {
	var out []registry.SwarmState
	where := make(map[bt.InfoHash]int)
	swarm := func(h bt.InfoHash) *registry.SwarmState {
		i, ok := where[h]
		if !ok {
			i = len(out)
			where[h] = i
			out = append(out, registry.SwarmState{InfoHash: h})
		}
		return &out[i]
	}
	bad := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n := 0
		c := tx.Bucket(bucketPeers).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			h, addr, err := parsePeerKey(k)
			if err != nil {
				bad++
				continue
			}
			p, err := parsePeerValue(v, addr)
			if err != nil {
				bad++
				continue
			}
			st := swarm(h)
			st.Peers = append(st.Peers, p)
		}
		return tx.Bucket(bucketCompleted).ForEach(func(k, v []byte) error {
			h, n, err := parseCompleted(k, v)
			if err != nil {
				bad++
				return nil
			}
			swarm(h).Completed = n
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	if bad > 0 {
		s.log.Warn("store: skipped malformed records", "count", bad)
	}
	return out, nil
}

// Apply implements Store: the whole batch is one transaction.
func (s *Bolt) Apply(ctx context.Context, b registry.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: apply: %w", err)
	}
	// Keys and values must stay valid until the transaction commits, so they
	// all live in one buffer that is never reallocated.
	buf := make([]byte, 0, len(b.Peers)*(peerKeyLen+peerValueLen))
	type kv struct{ k, v []byte }
	puts := make([]kv, 0, len(b.Peers))
	for _, c := range b.Peers {
		off := len(buf)
		buf = appendPeerKey(buf, c.InfoHash, c.Peer.Addr)
		e := kv{k: buf[off:len(buf):len(buf)]}
		if !c.Removed {
			off = len(buf)
			buf = appendPeerValue(buf, c.Peer)
			e.v = buf[off:len(buf):len(buf)]
		}
		puts = append(puts, e)
	}
	slices.SortFunc(puts, func(x, y kv) int { return bytes.Compare(x.k, y.k) })
	err := s.db.Update(func(tx *bolt.Tx) error {
		peers := tx.Bucket(bucketPeers)
		for _, e := range puts {
			var err error
			if e.v == nil {
				err = peers.Delete(e.k)
			} else {
				err = peers.Put(e.k, e.v)
			}
			if err != nil {
				return err
			}
		}
		counts := tx.Bucket(bucketCompleted)
		for _, c := range b.Completed {
			var n uint64
			if v := counts.Get(c.InfoHash[:]); len(v) == completedValLen {
				n = binary.BigEndian.Uint64(v)
			}
			if err := counts.Put(bytes.Clone(c.InfoHash[:]), binary.BigEndian.AppendUint64(nil, n+c.Delta)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: apply: %w", err)
	}
	return nil
}

// Close implements Store. Closing twice is harmless.
func (s *Bolt) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
