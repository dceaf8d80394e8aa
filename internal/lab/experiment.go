package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"sort"
	"sync"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/engine"
	"shoal/internal/tracker/client"
	"shoal/internal/tracker/server"
)

// Defaults for Config.
const (
	DefaultPieceLength = 64 << 10
	// DefaultBurst is the depth of every token bucket: four blocks, so
	// that a peer idle for a while cannot later send much faster than its
	// limit.
	DefaultBurst = 64 << 10
)

// DefaultFirstAddr is the seed's address; peer i gets the i-th next one.
var DefaultFirstAddr = netip.MustParseAddr("127.0.0.2")

// Config describes one experiment.
type Config struct {
	Mode  Mode
	Peers int // N
	// FileSize is F in bytes; PieceLength defaults to DefaultPieceLength.
	FileSize    int64
	PieceLength int64
	// SeedUp is u_s and PeerUp the peers' upload limits in bytes/s, taken
	// in turn (peer i gets PeerUp[i%len(PeerUp)]).
	SeedUp int64
	PeerUp []int64
	// PeerDown limits every peer's download in bytes/s; zero: unlimited.
	PeerDown int64
	// Burst is the depth of the token buckets; zero means DefaultBurst.
	Burst int64
	// Tracker makes the peers find each other through an embedded
	// tracker on 127.0.0.1 instead of being given each other's
	// addresses. Peer-to-peer mode only.
	Tracker bool
	// FirstAddr is the seed's loopback address; the zero value means
	// DefaultFirstAddr.
	FirstAddr netip.Addr
	// Seed chooses the generated content.
	Seed   uint64
	Logger *slog.Logger
}

func (c *Config) check() error {
	switch {
	case c.Peers < 1:
		return fmt.Errorf("lab: %d peers: want at least 1", c.Peers)
	case c.FileSize < 1:
		return fmt.Errorf("lab: file size %d: want at least 1 byte", c.FileSize)
	case c.PieceLength < 16<<10 || c.PieceLength%(16<<10) != 0:
		return fmt.Errorf("lab: piece length %d: want a multiple of 16 KiB", c.PieceLength)
	case c.SeedUp <= 0:
		return errors.New("lab: the seed needs an upload limit")
	case len(c.PeerUp) == 0:
		return errors.New("lab: the peers need upload limits")
	case c.Tracker && c.Mode == ClientServer:
		return errors.New("lab: client-server mode runs without a tracker")
	case c.Burst < 16<<10:
		return fmt.Errorf("lab: burst %d: want at least 16 KiB (one block)", c.Burst)
	}
	for _, u := range c.PeerUp {
		if u <= 0 {
			return fmt.Errorf("lab: peer upload limit %d: want a positive rate", u)
		}
	}
	return nil
}

// Model is the textbook model of the experiment.
func (c Config) Model() Model {
	ups := make([]float64, len(c.PeerUp))
	for i, u := range c.PeerUp {
		ups[i] = float64(u)
	}
	return Model{F: float64(c.FileSize), Us: float64(c.SeedUp), Up: Cycle(ups, c.Peers), Dmin: float64(c.PeerDown)}
}

// node is the seed or one peer.
type node struct {
	name  string
	addr  netip.AddrPort
	up    int64
	s     *engine.Session
	t     *engine.Torrent
	store *memStorage
	done  time.Duration // when it had the whole file; guarded by Experiment.mu
}

// Experiment is a running swarm: one seed and N peers on loopback.
type Experiment struct {
	cfg     Config
	log     *slog.Logger
	content *content
	tracker *server.Server
	seed    *node
	peers   []*node
	byAddr  map[netip.Addr]string

	start    time.Time
	cpuStart time.Duration
	hostBusy uint64 // machine processor ticks at the start
	hostAll  uint64
	hostOK   bool
	allDone  chan struct{}
	wg       sync.WaitGroup

	mu        sync.Mutex
	remaining int
	end       time.Time
	cpuEnd    time.Duration
	host      float64 // cores busy on the whole machine
	ups       []int64 // bytes uploaded by seed and peers, taken at the end
	downs     []int64
	wasted    []int64
	closeOnce sync.Once
	closeErr  error
}

// Start generates the file, starts the seed and then, together, the N
// peers. The experiment runs until Close.
func Start(ctx context.Context, cfg Config) (*Experiment, error) {
	if cfg.PieceLength == 0 {
		cfg.PieceLength = DefaultPieceLength
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	if !cfg.FirstAddr.IsValid() {
		cfg.FirstAddr = DefaultFirstAddr
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Experiment{
		cfg:       cfg,
		log:       log,
		content:   newContent(cfg.FileSize, cfg.PieceLength, cfg.Seed),
		byAddr:    make(map[netip.Addr]string),
		allDone:   make(chan struct{}),
		remaining: cfg.Peers,
	}
	if err := e.startAll(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Run runs one experiment to its end and returns its result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	e, err := Start(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	res, err := e.Wait(ctx)
	if cerr := e.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return res, err
}

func (e *Experiment) startAll(ctx context.Context) error {
	var trackers [][]string
	if e.cfg.Tracker {
		srv, err := server.New(server.Config{
			UDPAddr:     "127.0.0.1:0",
			Interval:    time.Minute,
			MinInterval: 10 * time.Second,
			Logger:      e.log,
		})
		if err != nil {
			return fmt.Errorf("lab: tracker: %w", err)
		}
		if err := srv.Start(ctx); err != nil {
			return fmt.Errorf("lab: tracker: %w", err)
		}
		e.tracker = srv
		trackers = [][]string{{e.TrackerURL()}}
	}
	// Sessions first, so that every listening address is known.
	ip := e.cfg.FirstAddr
	seed, err := e.newNode("seed", ip, e.cfg.SeedUp, 0)
	if err != nil {
		return err
	}
	e.seed = seed
	for i := range e.cfg.Peers {
		ip = ip.Next()
		if !ip.IsLoopback() {
			return fmt.Errorf("lab: %d peers do not fit in the loopback network after %v", e.cfg.Peers, e.cfg.FirstAddr)
		}
		n, err := e.newNode(peerName(i, e.cfg.Peers), ip, e.cfg.PeerUp[i%len(e.cfg.PeerUp)], e.cfg.PeerDown)
		if err != nil {
			return err
		}
		e.peers = append(e.peers, n)
	}
	have := bitfield.New(len(e.content.hashes))
	have.SetAll()
	seed.store.data = e.content.data // the seed only reads
	if seed.t, err = seed.s.Add(e.spec(seed, have, trackers, nil)); err != nil {
		return fmt.Errorf("lab: seed: %w", err)
	}
	if e.cfg.Tracker {
		if err := waitAnnounced(ctx, seed.t); err != nil {
			return err
		}
	}
	// The peers start together. Peer i is given the seed and, in
	// peer-to-peer mode, the peers before it, which are already running:
	// every pair is connected once, from the later peer.
	e.hostBusy, e.hostAll, e.hostOK = machineTicks()
	e.cpuStart = cpuTime()
	e.start = time.Now()
	for i, n := range e.peers {
		var addrs []netip.AddrPort
		if !e.cfg.Tracker {
			addrs = append(addrs, seed.addr)
			if e.cfg.Mode == PeerToPeer {
				for _, o := range e.peers[:i] {
					addrs = append(addrs, o.addr)
				}
			}
		}
		if n.t, err = n.s.Add(e.spec(n, nil, trackers, addrs)); err != nil {
			return fmt.Errorf("lab: peer %s: %w", n.name, err)
		}
		e.wg.Add(1)
		go e.watch(n)
	}
	return nil
}

func (e *Experiment) newNode(name string, ip netip.Addr, up, down int64) (*node, error) {
	cfg := engine.Config{
		Port:       -1,
		Bind:       ip,
		MaxConns:   e.cfg.Peers + 8,
		UpLimit:    up,
		DownLimit:  down,
		LimitBurst: e.cfg.Burst,
		Logger:     e.log.With("peer", name),
	}
	if e.cfg.Tracker {
		cfg.Tracker = client.New(client.Config{LocalAddr: ip, Logger: cfg.Logger})
	}
	s, err := engine.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("lab: %s on %v: %w", name, ip, err)
	}
	n := &node{
		name:  name,
		addr:  netip.AddrPortFrom(ip, uint16(s.Port())),
		up:    up,
		s:     s,
		store: &memStorage{pl: e.cfg.PieceLength},
	}
	if name != "seed" {
		n.store.data = make([]byte, e.cfg.FileSize)
	}
	e.byAddr[ip] = name
	return n, nil
}

func (e *Experiment) spec(n *node, have *bitfield.Bitfield, trackers [][]string, peers []netip.AddrPort) engine.TorrentSpec {
	return engine.TorrentSpec{
		InfoHash:    e.content.ih,
		Name:        "lab",
		PieceLength: e.cfg.PieceLength,
		TotalLength: e.cfg.FileSize,
		Hashes:      e.content.hashes,
		Storage:     n.store,
		Have:        have,
		Trackers:    trackers,
		Peers:       peers,
	}
}

// waitAnnounced waits until the seed's first announce is through, so
// that every peer's first announce returns it.
func waitAnnounced(ctx context.Context, t *engine.Torrent) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts := t.Stats(false).Tracker
		if !ts.Last.IsZero() && ts.Err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lab: the seed could not announce to the embedded tracker: %v", ts.Err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// peerName is A, B, C... for up to 26 peers, else p01, p02...
func peerName(i, n int) string {
	if n <= 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("p%02d", i+1)
}

// watch records when n completes; the last to complete ends the
// experiment and takes the byte counts.
func (e *Experiment) watch(n *node) {
	defer e.wg.Done()
	select {
	case <-n.t.Done():
	case <-e.allDone:
		return
	}
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	n.done = now.Sub(e.start)
	e.remaining--
	if e.remaining > 0 {
		return
	}
	e.end, e.cpuEnd = now, cpuTime()
	if busy, all, ok := machineTicks(); ok && e.hostOK && all > e.hostAll {
		e.host = float64(busy-e.hostBusy) / float64(all-e.hostAll) * float64(runtime.NumCPU())
	}
	for _, x := range e.all() {
		st := x.t.Stats(false)
		e.ups = append(e.ups, st.Uploaded)
		e.downs = append(e.downs, st.Downloaded)
		e.wasted = append(e.wasted, st.Wasted)
	}
	close(e.allDone)
}

func (e *Experiment) all() []*node { return append([]*node{e.seed}, e.peers...) }

// TrackerURL is the embedded tracker's announce URL, or "" without one.
func (e *Experiment) TrackerURL() string {
	if e.tracker == nil {
		return ""
	}
	return "udp://" + e.tracker.UDPAddr().String() + "/announce"
}

// Done is closed when every peer has the whole file, or on Close.
func (e *Experiment) Done() <-chan struct{} { return e.allDone }

// Wait waits until every peer has the whole file, checks each copy
// against the original and returns the result.
func (e *Experiment) Wait(ctx context.Context) (Result, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("lab: %w", ctx.Err())
		case <-tick.C:
			for _, n := range e.all() {
				if err := n.t.Err(); err != nil {
					return Result{}, fmt.Errorf("lab: %s: %w", n.name, err)
				}
			}
			continue
		case <-e.allDone:
		}
		break
	}
	e.mu.Lock()
	finished := !e.end.IsZero()
	e.mu.Unlock()
	if !finished {
		return Result{}, errors.New("lab: experiment closed before every peer had the file")
	}
	for _, n := range e.peers {
		if !bytes.Equal(n.store.data, e.content.data) {
			return Result{}, fmt.Errorf("lab: %s completed with data that differs from the original", n.name)
		}
	}
	return e.result(), nil
}

func (e *Experiment) result() Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.cfg.Model()
	wall := e.end.Sub(e.start)
	r := Result{
		Mode:  e.cfg.Mode,
		Model: m,
		Bound: m.Bound(e.cfg.Mode),
		Total: wall,
		Host:  e.host,
	}
	if wall > 0 {
		r.CPU = (e.cpuEnd - e.cpuStart).Seconds() / wall.Seconds()
	}
	for i, n := range e.all() {
		pr := PeerResult{
			Name:       n.name,
			Addr:       n.addr.Addr(),
			Up:         n.up,
			Done:       n.done,
			Uploaded:   e.ups[i],
			Downloaded: e.downs[i],
			Wasted:     e.wasted[i],
		}
		if i == 0 {
			r.Seed = pr
		} else {
			r.Peers = append(r.Peers, pr)
		}
	}
	return r
}

// Close stops every session and the tracker.
func (e *Experiment) Close() error {
	e.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		var mu sync.Mutex
		nodes := e.peers
		if e.seed != nil {
			nodes = append([]*node{e.seed}, nodes...)
		}
		for _, n := range nodes {
			wg.Go(func() {
				if err := n.s.Close(ctx); err != nil {
					mu.Lock()
					e.closeErr = errors.Join(e.closeErr, fmt.Errorf("lab: close %s: %w", n.name, err))
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if e.tracker != nil {
			if err := e.tracker.Close(); err != nil {
				e.closeErr = errors.Join(e.closeErr, fmt.Errorf("lab: close tracker: %w", err))
			}
		}
		e.mu.Lock()
		if e.remaining > 0 {
			// Unblock the watchers of peers that never finished.
			e.remaining = -1
			close(e.allDone)
		}
		e.mu.Unlock()
		e.wg.Wait()
	})
	return e.closeErr
}

// Result is the outcome of one experiment.
type Result struct {
	Mode  Mode
	Model Model
	Bound float64       // seconds
	Total time.Duration // T_all: until the last peer had the whole file
	Seed  PeerResult
	Peers []PeerResult
	// CPU is the average number of cores the process kept busy, Host
	// that of the whole machine (zero when unknown): more than the
	// process means other programs competed for the processors.
	CPU, Host float64
}

// PeerResult is what one peer (or the seed) did.
type PeerResult struct {
	Name string
	Addr netip.Addr
	Up   int64         // upload limit, bytes/s
	Done time.Duration // when it had the whole file (zero for the seed)
	// Uploaded and Downloaded are block bytes until the end of the
	// experiment; Wasted are bytes received that were not needed.
	Uploaded, Downloaded, Wasted int64
}

// Ratio is T_all over the bound.
func (r Result) Ratio() float64 { return r.Total.Seconds() / r.Bound }

// Util is the uplink utilisation: the bytes uploaded over what the
// uplinks of the mode could carry in T_all.
func (r Result) Util() float64 {
	sum := r.Seed.Uploaded
	for _, p := range r.Peers {
		sum += p.Uploaded
	}
	c := r.Model.Capacity(r.Mode) * r.Total.Seconds()
	if c <= 0 {
		return 0
	}
	return float64(sum) / c
}

// Row summarises the result for a Report.
func (r Result) Row() Row {
	done := make([]float64, len(r.Peers))
	for i, p := range r.Peers {
		done[i] = p.Done.Seconds()
	}
	sort.Float64s(done)
	row := Row{
		N:        len(r.Peers),
		Mode:     r.Mode,
		Measured: r.Total.Seconds(),
		Bound:    r.Bound,
		Util:     r.Util(),
		CPU:      r.CPU,
		Host:     r.Host,
	}
	if len(done) > 0 {
		row.First, row.Median = done[0], done[(len(done)-1)/2]
	}
	return row
}
