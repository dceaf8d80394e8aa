package ringlab

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/metainfo"
	"shoal/internal/storage"
	"shoal/internal/wire"
)

// summaryInterval is how often a peer rewrites its summary file while
// chunks arrive.
const summaryInterval = 100 * time.Millisecond

// PeerConfig describes one peer of a ring.
type PeerConfig struct {
	Index   int                // the peer's index i: it gets chunks c with c mod N = i from the owner
	Torrent *metainfo.MetaInfo // the owner's torrent
	Dir     string             // the peer's folder: the file, SummaryName and ChunksDir
	Owner   string             // the owner's address, host:port
	Down    string             // the download neighbour's address, host:port
	// ChunkFiles also writes each chunk as its own file in Dir/ChunksDir.
	ChunkFiles bool
	// Overwrite lets the peer replace a file of the torrent's name that is
	// already in Dir; otherwise such a file is an error.
	Overwrite bool
	// Events receives what the peer does; calls are never concurrent. Nil
	// discards them.
	Events func(Event)
	// Now is the clock for the elapsed time; nil means time.Now.
	Now func() time.Time
}

// PeerResult is what a peer did.
type PeerResult struct {
	Self      Node
	Down, Up  Node // the neighbours it fetched from and served (Up is -1 if none finished)
	FromOwner int  // chunks it got from the owner
	FromRing  int  // chunks it got from its download neighbour
	Sent      int  // chunks it sent its upload neighbour
	Path      string
	SHA256    [32]byte // of the file it ended with
	Elapsed   time.Duration
}

// peer is a running peer.
type peer struct {
	cfg   PeerConfig
	self  Node
	info  *metainfo.Info
	store *storage.Store
	emit  func(Event)

	mu     sync.Mutex
	have   *bitfield.Bitfield // set only by the download goroutine, under mu
	dirty  bool               // summary not written since have changed
	haves  chan int           // the active upload's announcements, or nil
	upload bool               // an upload is running
	up     Node
	sent   int
	upDone chan struct{} // closed when the upload neighbour finished
}

// RunPeer runs one peer on ln, which it closes: it fetches its share from
// the owner, then the rest from its download neighbour, while it serves
// whoever connects as its upload neighbour. It returns once it has the
// whole file and its upload neighbour has finished too.
func RunPeer(ctx context.Context, cfg PeerConfig, ln net.Listener) (res PeerResult, err error) {
	defer ln.Close()
	self := Node(cfg.Index)
	if cfg.Index < 0 || !self.Valid() {
		return res, fmt.Errorf("ringlab: peer index %d not in 0..%d", cfg.Index, MaxPeers-1)
	}
	if cfg.Torrent == nil {
		return res, errors.New("ringlab: peer: no torrent")
	}
	info := &cfg.Torrent.Info
	if err := checkInfo(info); err != nil {
		return res, fmt.Errorf("ringlab: %v: %w", self, err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	p := &peer{cfg: cfg, self: self, info: info, emit: serialize(cfg.Events),
		have: bitfield.New(info.NumPieces()), dirty: true, up: -1, upDone: make(chan struct{})}
	if err := p.prepare(); err != nil {
		return res, err
	}
	defer p.store.Close()
	p.emit(Event{Self: self, Kind: Listening, Text: ln.Addr().String()})

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		ln.Close()
		wg.Wait()
	}()
	wg.Go(func() { p.acceptLoop(ctx, ln, &wg) })
	wg.Go(func() { p.flushSummaries(ctx) })

	fromOwner, _, err := p.fetch(ctx, cfg.Owner, true)
	if err != nil {
		return res, err
	}
	fromRing, down, err := p.fetch(ctx, cfg.Down, false)
	if err != nil {
		return res, err
	}
	select {
	case <-p.upDone:
	case <-ctx.Done():
		return res, context.Cause(ctx)
	}
	cancel()
	ln.Close()
	wg.Wait()
	if err := p.writeSummary(); err != nil {
		return res, err
	}
	path := filepath.Join(cfg.Dir, info.Name)
	sum, err := FileSHA256(path)
	if err != nil {
		return res, err
	}
	p.mu.Lock()
	res = PeerResult{Self: self, Down: down, Up: p.up, FromOwner: fromOwner, FromRing: fromRing,
		Sent: p.sent, Path: path, SHA256: sum, Elapsed: now().Sub(start)}
	p.mu.Unlock()
	p.emit(Event{Self: self, Kind: Done, Text: res.summary(p.have.Len())})
	return res, nil
}

// summary describes the result in a Done event.
func (r PeerResult) summary(total int) string {
	return fmt.Sprintf("%d/%d chunks (%d from owner, %d from %v), sent %d to %v, sha256 %s, %.3f s",
		r.FromOwner+r.FromRing, total, r.FromOwner, r.FromRing, r.Down, r.Sent, r.Up,
		hex.EncodeToString(r.SHA256[:]), r.Elapsed.Seconds())
}

// prepare makes the peer's folder and opens its empty store.
func (p *peer) prepare() error {
	dir := p.cfg.Dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("ringlab: %v: %w", p.self, err)
	}
	path := filepath.Join(dir, p.info.Name)
	if _, err := os.Lstat(path); err == nil {
		if !p.cfg.Overwrite {
			return fmt.Errorf("ringlab: %v: %s already exists; a peer starts with an empty folder", p.self, path)
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("ringlab: %v: %w", p.self, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ringlab: %v: %w", p.self, err)
	}
	if p.cfg.ChunkFiles {
		chunks := filepath.Join(dir, ChunksDir)
		if err := os.RemoveAll(chunks); err != nil {
			return fmt.Errorf("ringlab: %v: %w", p.self, err)
		}
		if err := os.Mkdir(chunks, 0o755); err != nil {
			return fmt.Errorf("ringlab: %v: %w", p.self, err)
		}
	}
	s, err := storage.Open(dir, layout(p.info), storage.Options{})
	if err != nil {
		return fmt.Errorf("ringlab: %v: %w", p.self, err)
	}
	p.store = s
	if err := p.writeSummary(); err != nil {
		s.Close()
		return err
	}
	return nil
}

// fetch connects to addr and downloads from the node there: from the
// owner its offer, from the download neighbour (another peer) everything
// else. It returns the chunks it got and from whom.
func (p *peer) fetch(ctx context.Context, addr string, fromOwner bool) (int, Node, error) {
	nc, err := dial(ctx, addr)
	if err != nil {
		return 0, 0, fmt.Errorf("ringlab: %v: %w", p.self, err)
	}
	c, err := handshake(ctx, nc, p.cfg.Torrent.InfoHash, p.self, p.have.Len())
	if err != nil {
		return 0, 0, fmt.Errorf("ringlab: %v: %s: %w", p.self, addr, err)
	}
	switch {
	case fromOwner && c.remote != Owner:
		c.nc.Close()
		return 0, 0, fmt.Errorf("ringlab: %v: %s is %v, not the owner", p.self, addr, c.remote)
	case !fromOwner && (c.remote == Owner || c.remote == p.self):
		c.nc.Close()
		return 0, 0, fmt.Errorf("ringlab: %v: %s is %v, not a neighbour", p.self, addr, c.remote)
	}
	d := &download{
		self:      p.self,
		c:         c,
		bounds:    bounds(p.info),
		hashes:    p.info.Pieces,
		have:      p.have,
		untilFull: !fromOwner,
		accept:    p.accept,
		emit:      p.emit,
	}
	if err := d.run(ctx); err != nil {
		return d.got, c.remote, err
	}
	return d.got, c.remote, nil
}

// accept stores a verified chunk and announces it.
func (p *peer) accept(c int, data []byte, from Node) error {
	if err := p.store.WritePiece(c, data); err != nil {
		return err
	}
	if p.cfg.ChunkFiles {
		name := filepath.Join(p.cfg.Dir, ChunksDir, ChunkFileName(c, p.have.Len()))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return err
		}
	}
	p.emit(Event{Self: p.self, Kind: RecvChunk, Peer: from, Chunk: c, Bytes: int64(len(data))})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.have.Set(c) {
		p.dirty = true
		if p.haves != nil {
			p.haves <- c // never blocks: room for every chunk
		}
	}
	return nil
}

// acceptLoop serves the upload neighbour, one connection at a time.
func (p *peer) acceptLoop(ctx context.Context, ln net.Listener, wg *sync.WaitGroup) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				p.emit(Event{Self: p.self, Kind: Note, Text: fmt.Sprintf("stopped accepting: %v", err)})
			}
			return
		}
		wg.Go(func() { p.serve(ctx, nc) })
	}
}

// serve runs an upload to the peer at the other end of nc.
func (p *peer) serve(ctx context.Context, nc net.Conn) {
	c, err := handshake(ctx, nc, p.cfg.Torrent.InfoHash, p.self, p.have.Len())
	if err != nil {
		p.note(ctx, "refused a connection: %v", err)
		return
	}
	p.mu.Lock()
	if c.remote == Owner || c.remote == p.self || p.upload {
		p.mu.Unlock()
		c.nc.Close()
		p.note(ctx, "refused %v: only one upload neighbour", c.remote)
		return
	}
	p.upload = true
	p.haves = make(chan int, p.have.Len())
	u := &upload{self: p.self, c: c, store: p.store, bounds: bounds(p.info),
		offered: p.have.Clone(), haves: p.haves, emit: p.emit}
	p.mu.Unlock()

	clean, err := u.run(ctx)

	p.mu.Lock()
	p.upload, p.haves = false, nil
	p.sent += u.sent
	if clean {
		p.up = c.remote
	}
	p.mu.Unlock()
	switch {
	case clean:
		select {
		case <-p.upDone:
		default:
			close(p.upDone)
		}
	case err != nil:
		p.note(ctx, "upload to %v ended: %v", c.remote, err)
	}
}

// note emits a Note unless the peer is shutting down.
func (p *peer) note(ctx context.Context, format string, args ...any) {
	if ctx.Err() == nil {
		p.emit(Event{Self: p.self, Kind: Note, Text: fmt.Sprintf(format, args...)})
	}
}

// flushSummaries rewrites the summary file while chunks arrive.
func (p *peer) flushSummaries(ctx context.Context) {
	t := time.NewTicker(summaryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.writeSummary(); err != nil {
				p.note(ctx, "%v", err)
			}
		}
	}
}

// writeSummary writes the summary file if have changed since.
func (p *peer) writeSummary() error {
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return nil
	}
	data := FormatSummary(p.self, p.have)
	p.dirty = false
	p.mu.Unlock()
	return writeSummary(filepath.Join(p.cfg.Dir, SummaryName), data)
}

// bounds returns the wire bounds of a torrent's pieces.
func bounds(info *metainfo.Info) wire.Bounds {
	return wire.Bounds{NumPieces: info.NumPieces(), PieceLength: info.PieceLength, TotalLength: info.TotalLength()}
}

// serialize returns a func that passes events to f one at a time.
func serialize(f func(Event)) func(Event) {
	if f == nil {
		return func(Event) {}
	}
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		f(e)
	}
}
