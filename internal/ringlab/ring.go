package ringlab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"shoal/internal/metainfo"
)

// TorrentName is the name of the torrent a ring keeps in its folder.
const TorrentName = "ring.torrent"

// RingConfig describes a whole ring run in this process.
type RingConfig struct {
	File       string // the owner's file
	Chunk      int64  // chunk size
	Peers      int    // N
	Dir        string // the ring's folder: TorrentName and a PeerDir per peer
	ChunkFiles bool
	// Events receives what every node does; calls are never concurrent.
	// Nil discards them.
	Events func(Event)
}

// RingResult is what a ring run did.
type RingResult struct {
	Torrent *metainfo.MetaInfo
	Owner   OwnerResult
	Peers   []PeerResult
}

// RunRing runs the owner and cfg.Peers peers in this process, each on its
// own loopback listener, until every peer has the file.
func RunRing(ctx context.Context, cfg RingConfig) (RingResult, error) {
	var res RingResult
	m, err := MakeTorrent(ctx, cfg.File, cfg.Chunk)
	if err != nil {
		return res, err
	}
	if err := CheckRing(m.Info.NumPieces(), cfg.Peers); err != nil {
		return res, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return res, fmt.Errorf("ringlab: %w", err)
	}
	if err := WriteTorrent(filepath.Join(cfg.Dir, TorrentName), m); err != nil {
		return res, err
	}
	res.Torrent = m
	lns := make([]net.Listener, cfg.Peers+1) // the owner's last
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns[:i] {
				l.Close()
			}
			return res, fmt.Errorf("ringlab: %w", err)
		}
		lns[i] = ln
	}
	emit := serialize(cfg.Events)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() { first = err })
		cancel(err)
	}
	res.Peers = make([]PeerResult, cfg.Peers)
	ownerAddr := lns[cfg.Peers].Addr().String()
	wg.Go(func() {
		r, err := RunOwner(ctx, OwnerConfig{Torrent: m, File: cfg.File, Peers: cfg.Peers, Events: emit}, lns[cfg.Peers])
		if err != nil {
			fail(err)
		}
		res.Owner = r
	})
	for i := range cfg.Peers {
		down, _ := Neighbours(i, cfg.Peers)
		pc := PeerConfig{
			Index: i, Torrent: m, Dir: PeerDir(cfg.Dir, i), Owner: ownerAddr,
			Down: lns[down].Addr().String(), ChunkFiles: cfg.ChunkFiles, Overwrite: true, Events: emit,
		}
		wg.Go(func() {
			r, err := RunPeer(ctx, pc, lns[i])
			if err != nil {
				fail(err)
			}
			res.Peers[i] = r
		})
	}
	wg.Wait()
	return res, first
}
