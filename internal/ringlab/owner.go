package ringlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"time"

	"shoal/internal/metainfo"
	"shoal/internal/storage"
)

// OwnerConfig describes the owner of a ring.
type OwnerConfig struct {
	Torrent *metainfo.MetaInfo // made by MakeTorrent from File
	File    string             // the file
	Peers   int                // N: the owner gives chunk c to peer c mod N
	// Events receives what the owner does; calls are never concurrent.
	// Nil discards them.
	Events func(Event)
	// Now is the clock for the elapsed time; nil means time.Now.
	Now func() time.Time
}

// OwnerResult is what the owner did.
type OwnerResult struct {
	Sent    []int // chunks sent to each peer
	Elapsed time.Duration
}

// owner is a running owner.
type owner struct {
	cfg   OwnerConfig
	store *storage.Store
	emit  func(Event)

	mu      sync.Mutex
	serving []bool // a connection of the peer is being served
	done    []bool // the peer took its share
	left    int    // peers that have not taken their share
	sent    []int
	all     chan struct{} // closed when every peer took its share
}

// RunOwner runs the owner on ln, which it closes: it checks the file
// against the torrent, then gives each peer that connects its share of
// the chunks, and returns once all Peers peers took theirs.
func RunOwner(ctx context.Context, cfg OwnerConfig, ln net.Listener) (res OwnerResult, err error) {
	defer ln.Close()
	if cfg.Torrent == nil {
		return res, errors.New("ringlab: owner: no torrent")
	}
	info := &cfg.Torrent.Info
	if err := checkInfo(info); err != nil {
		return res, fmt.Errorf("ringlab: owner: %w", err)
	}
	if err := CheckRing(info.NumPieces(), cfg.Peers); err != nil {
		return res, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	l := layout(info)
	l.Files[0].Path = filepath.Base(cfg.File)
	s, err := storage.Open(filepath.Dir(cfg.File), l, storage.Options{ReadOnly: true})
	if err != nil {
		return res, fmt.Errorf("ringlab: owner: %w", err)
	}
	defer s.Close()
	have, err := s.Check(ctx, 2, nil)
	if err != nil {
		return res, fmt.Errorf("ringlab: owner: %w", err)
	}
	if !have.Full() {
		return res, fmt.Errorf("ringlab: owner: %s does not match the torrent (%d of %d chunks good)", cfg.File, have.Count(), have.Len())
	}
	o := &owner{cfg: cfg, store: s, emit: serialize(cfg.Events),
		serving: make([]bool, cfg.Peers), done: make([]bool, cfg.Peers), left: cfg.Peers,
		sent: make([]int, cfg.Peers), all: make(chan struct{})}
	o.emit(Event{Self: Owner, Kind: Listening, Text: ln.Addr().String()})

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		ln.Close()
		wg.Wait()
	}()
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil {
					o.note(ctx, "stopped accepting: %v", err)
				}
				return
			}
			wg.Go(func() { o.serve(ctx, nc) })
		}
	})
	select {
	case <-o.all:
	case <-ctx.Done():
		return res, context.Cause(ctx)
	}
	cancel()
	ln.Close()
	wg.Wait()
	res = OwnerResult{Sent: o.sent, Elapsed: now().Sub(start)}
	total := 0
	for _, n := range o.sent {
		total += n
	}
	o.emit(Event{Self: Owner, Kind: Done, Text: fmt.Sprintf("gave %d peers their shares, %d chunks sent, %.3f s",
		cfg.Peers, total, res.Elapsed.Seconds())})
	return res, nil
}

// serve gives the peer at the other end of nc its share.
func (o *owner) serve(ctx context.Context, nc net.Conn) {
	info := &o.cfg.Torrent.Info
	c, err := handshake(ctx, nc, o.cfg.Torrent.InfoHash, Owner, info.NumPieces())
	if err != nil {
		o.note(ctx, "refused a connection: %v", err)
		return
	}
	i := int(c.remote)
	o.mu.Lock()
	if c.remote == Owner || i >= o.cfg.Peers || o.serving[i] || o.done[i] {
		o.mu.Unlock()
		c.nc.Close()
		o.note(ctx, "refused %v: not a peer of this ring, or already served", c.remote)
		return
	}
	o.serving[i] = true
	o.mu.Unlock()

	share, _ := Share(info.NumPieces(), i, o.cfg.Peers)
	u := &upload{self: Owner, c: c, store: o.store, bounds: bounds(info), offered: share, emit: o.emit}
	clean, err := u.run(ctx)

	o.mu.Lock()
	defer o.mu.Unlock()
	o.serving[i] = false
	o.sent[i] += u.sent
	switch {
	case clean && !o.done[i]:
		o.done[i] = true
		if o.left--; o.left == 0 {
			close(o.all)
		}
	case err != nil:
		o.note(ctx, "upload to %v ended: %v", c.remote, err)
	}
}

// note emits a Note unless the owner is shutting down.
func (o *owner) note(ctx context.Context, format string, args ...any) {
	if ctx.Err() == nil {
		o.emit(Event{Self: Owner, Kind: Note, Text: fmt.Sprintf(format, args...)})
	}
}
