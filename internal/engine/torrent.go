package engine

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/peerconn"
	"shoal/internal/pex"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/swarm"
	"shoal/internal/wire"
)

// Storage is where a torrent's data lives.
type Storage interface {
	ReadAt(p []byte, off int64) (int, error)
	// WritePiece writes a verified piece.
	WritePiece(piece int, data []byte) error
}

// TorrentSpec describes a torrent to add to a session.
type TorrentSpec struct {
	InfoHash    bt.InfoHash
	Name        string
	PieceLength int64
	TotalLength int64
	Hashes      [][20]byte
	Storage     Storage
	// Have holds the pieces already verified on disk; nil means none.
	Have *bitfield.Bitfield
	// OnVerified is called after a piece was verified and written.
	OnVerified func(piece int)
	// Trackers are announce URL tiers (BEP 12).
	Trackers [][]string
	// Peers are dialed in addition to those from trackers.
	Peers []netip.AddrPort
	// RendezvousPeers are dialed by rendezvous ID through the session's
	// Rendezvous (ignored without one).
	RendezvousPeers []proto.ID
	// Metadata is the bencoded info dictionary, served to peers that
	// joined through a magnet link (BEP 9); nil serves nothing.
	Metadata []byte
	// SuperSeed makes a torrent that starts with every piece super-seed
	// (BEP 16): it tells peers it has nothing and offers each one piece at
	// a time, the next once the last has spread, so that it uploads
	// little more than one copy until the peers hold every piece between
	// them; then it seeds normally. Ignored if pieces are missing.
	SuperSeed bool
	// Private marks a private torrent (BEP 27): peers come from its
	// trackers only, so no peer exchange.
	Private bool
}

// Torrent is one torrent running in a session.
type Torrent struct {
	s         *Session
	spec      TorrentSpec
	log       *slog.Logger
	handshake wire.Handshake
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	bufPool   sync.Pool
	completed chan struct{}
	up        *rate.Limiter // this torrent's share of the upload limit
	upOrder   peerconn.Scheduler

	mu       sync.Mutex
	st       *swarm.State
	peers    map[swarm.Peer]*peer
	ids      map[bt.PeerID]swarm.Peer
	next     swarm.Peer
	bufs     map[int]*[]byte
	cands    map[netip.AddrPort]*candidate
	rdvCands map[proto.ID]*candidate // every candidate with a rendezvous ID
	// rdvDialing counts dials in progress per rendezvous ID.
	rdvDialing map[proto.ID]int
	dialing    int
	banned     map[netip.Addr]bool
	// bannedIDs holds peers banned by rendezvous ID.
	bannedIDs map[proto.ID]bool
	rejects   []wire.Message
	fatal     error
	tracker   trackerStatus
	stopping  bool
	paused    bool
	pex       *pex.State // nil: no peer exchange
}

type peer struct {
	id       swarm.Peer
	conn     *peerconn.Conn
	addr     netip.AddrPort
	peerID   bt.PeerID
	fast     bool
	outgoing bool
	cand     *candidate
	rdv      proto.ID // the other peer's rendezvous ID, if a rendezvous link
	pexID    uint8    // the peer's id for ut_pex messages, 0 if none
}

func newTorrent(s *Session, spec TorrentSpec) (*Torrent, error) {
	n := len(spec.Hashes)
	st, err := swarm.New(swarm.Config{
		NumPieces:   n,
		PieceLength: spec.PieceLength,
		TotalLength: spec.TotalLength,
		Have:        spec.Have,
		Port:        s.port,
		Metadata:    spec.Metadata,
		SuperSeed:   spec.SuperSeed,
		PEX:         pexEnabled(&s.cfg, &spec),
		Rand:        rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Torrent{
		s:    s,
		spec: spec,
		log:  s.log.With("torrent", spec.Name),
		handshake: wire.Handshake{
			Reserved: wire.NewReserved(true, true, false),
			InfoHash: spec.InfoHash,
			PeerID:   s.cfg.PeerID,
		},
		ctx:        ctx,
		cancel:     cancel,
		completed:  make(chan struct{}),
		up:         newLimiter(0, s.cfg.LimitBurst),
		st:         st,
		peers:      make(map[swarm.Peer]*peer),
		ids:        make(map[bt.PeerID]swarm.Peer),
		bufs:       make(map[int]*[]byte),
		cands:      make(map[netip.AddrPort]*candidate),
		rdvCands:   make(map[proto.ID]*candidate),
		rdvDialing: make(map[proto.ID]int),
		banned:     make(map[netip.Addr]bool),
		bannedIDs:  make(map[proto.ID]bool),
	}
	if pexEnabled(&s.cfg, &spec) {
		t.pex = newPEX(&s.cfg)
	}
	pl := int(spec.PieceLength)
	t.bufPool.New = func() any { b := make([]byte, pl); return &b }
	if st.Complete() {
		close(t.completed)
	}
	t.addCandidates(spec.Peers, "user")
	for _, id := range spec.RendezvousPeers {
		t.addRendezvous(netip.AddrPort{}, id, "user")
	}
	return t, nil
}

func (t *Torrent) start() {
	t.wg.Add(2)
	go t.tickLoop()
	go t.announceLoop()
}

// Done is closed once every piece is verified.
func (t *Torrent) Done() <-chan struct{} { return t.completed }

// Err is the error that stopped the torrent, if any.
func (t *Torrent) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fatal
}

// AddPeers adds peer addresses to dial.
func (t *Torrent) AddPeers(addrs []netip.AddrPort) {
	t.mu.Lock()
	t.addCandidates(addrs, "user")
	t.mu.Unlock()
}

func (t *Torrent) stop(ctx context.Context) {
	t.mu.Lock()
	t.stopping = true
	conns := make([]*peerconn.Conn, 0, len(t.peers))
	for _, p := range t.peers {
		conns = append(conns, p.conn)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close(errors.New("engine: torrent stopped"))
	}
	t.cancel()
	t.wg.Wait()
	t.announceStopped(ctx)
}

// fail stops the torrent on an error that retrying cannot fix, such as a
// full disk.
func (t *Torrent) fail(err error) {
	t.mu.Lock()
	if t.fatal == nil {
		t.fatal = err
	}
	t.mu.Unlock()
	t.log.Error("torrent stopped", "err", err)
	t.cancel()
}

// accepting reports whether an incoming connection may proceed to the
// handshake.
func (t *Torrent) accepting(nc net.Conn) bool {
	ap := addrPort(nc.RemoteAddr())
	id, _ := linkOf(nc)
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.stopping && !t.paused && !t.isBanned(ap, id) && len(t.peers) < t.s.cfg.MaxConns
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// addConn registers a connection whose handshake succeeded and runs it;
// cand is the candidate we dialed, nil for an incoming connection.
func (t *Torrent) addConn(nc net.Conn, theirs wire.Handshake, cand *candidate) {
	addr := addrPort(nc.RemoteAddr())
	rdv, link := linkOf(nc)
	outgoing := cand != nil
	fast := theirs.Reserved.Fast()
	t.mu.Lock()
	// refuse drops the connection; the candidate we dialed may be dialed
	// again later. t.mu is held.
	refuse := func() {
		if cand != nil {
			cand.connected = false
			cand.lastEnd = time.Now()
		}
		t.mu.Unlock()
		nc.Close()
	}
	if t.stopping || t.paused || t.isBanned(addr, rdv) || !t.s.reserveConn() {
		refuse()
		return
	}
	if old, dup := t.ids[theirs.PeerID]; dup {
		// Both sides dialed each other. Keep, on both sides, the
		// connection opened by the peer with the smaller id.
		op := t.peers[old]
		if op == nil || op.outgoing == outgoing || !t.prefer(outgoing, theirs.PeerID) {
			t.s.releaseConn()
			refuse()
			return
		}
		op.conn.Close(errors.New("engine: duplicate connection"))
		delete(t.ids, theirs.PeerID)
	}
	id := t.next
	t.next++
	p := &peer{id: id, addr: addr, peerID: theirs.PeerID, fast: fast, outgoing: outgoing, cand: cand, rdv: rdv}
	limits := []peerconn.Limiter{t.up, t.s.up}
	cc := peerconn.Config{
		Source:      t.spec.Storage,
		PieceLength: t.spec.PieceLength,
		UpLimits:    limits,
		Scheduler:   &t.upOrder,
		OnSent:      func(n int) { t.uploaded(id, n) },
	}
	if t.s.cfg.OnEvent != nil {
		cc.OnBlock = func(index, begin, length uint32) {
			t.event(addr, rdv, true, fmt.Sprintf("%v %d %d [%d bytes]", wire.Piece, index, begin, length))
		}
	}
	p.conn = peerconn.New(nc, cc)
	t.peers[id] = p
	t.ids[theirs.PeerID] = id
	if t.pex != nil {
		t.pex.Join(pex.Peer(id), pexContact(p, 0))
	}
	acts := t.st.AddPeer(time.Now(), id, swarm.PeerInfo{Fast: fast, Extended: theirs.Reserved.Extended()})
	t.execute(acts, nil)
	t.mu.Unlock()
	if link != "" {
		t.log.Info("peer connected", "addr", addr, "outgoing", outgoing, "fast", fast, "rendezvous", rdv, "link", link)
	} else {
		t.log.Debug("peer connected", "addr", addr, "outgoing", outgoing, "fast", fast)
	}
	t.wg.Add(1)
	go t.readLoop(p)
}

// prefer reports whether a new connection to the peer with id theirs,
// opened by us if outgoing, wins over an existing one in the other
// direction: the connection opened by the smaller peer id wins.
func (t *Torrent) prefer(outgoing bool, theirs bt.PeerID) bool {
	ours := t.handshake.PeerID
	if outgoing {
		return bytes.Compare(ours[:], theirs[:]) < 0
	}
	return bytes.Compare(theirs[:], ours[:]) < 0
}

func (t *Torrent) event(peer netip.AddrPort, rdv proto.ID, sent bool, msg string) {
	t.s.cfg.OnEvent(Event{Time: time.Now(), Torrent: t.spec.Name, Peer: peer, Rendezvous: rdv, Sent: sent, Msg: msg})
}

func (t *Torrent) uploaded(id swarm.Peer, n int) {
	t.mu.Lock()
	t.st.Uploaded(time.Now(), id, n)
	t.mu.Unlock()
}

// readLoop feeds a peer's messages to the state until the connection ends.
func (t *Torrent) readLoop(p *peer) {
	defer t.wg.Done()
	nc := p.conn.NetConn()
	r := wire.NewReader(nc, wire.DefaultMaxLen)
	var deadline time.Time
	var err error
	for {
		now := time.Now()
		if now.Add(readTimeout - 10*time.Second).After(deadline) {
			deadline = now.Add(readTimeout)
			if err = nc.SetReadDeadline(deadline); err != nil {
				break
			}
		}
		var m wire.Message
		m, err = r.Next()
		if err != nil {
			break
		}
		if m.ID == wire.Piece && !m.Keepalive {
			if err = t.s.down.WaitN(t.ctx, len(m.Payload)); err != nil {
				break
			}
		}
		if t.s.cfg.OnEvent != nil {
			t.event(p.addr, p.rdv, false, m.String())
		}
		t.mu.Lock()
		if t.pex != nil && m.ID == wire.Extended && !m.Keepalive {
			t.pexMessage(p, m)
		}
		acts := t.st.Handle(time.Now(), p.id, m)
		t.execute(acts, m.Payload)
		t.mu.Unlock()
	}
	p.conn.Close(err)
	<-p.conn.Done()
	t.log.Debug("peer gone", "addr", p.addr, "err", p.conn.Err())
	t.mu.Lock()
	delete(t.peers, p.id)
	t.s.releaseConn()
	if t.ids[p.peerID] == p.id {
		delete(t.ids, p.peerID)
	}
	if p.cand != nil {
		p.cand.connected = false
		p.cand.lastEnd = time.Now()
	}
	if t.pex != nil {
		t.pex.Leave(pex.Peer(p.id))
	}
	acts := t.st.RemovePeer(time.Now(), p.id)
	t.execute(acts, nil)
	t.mu.Unlock()
}

// execute carries out actions; t.mu is held. payload is the block of the
// piece message being handled, if any.
func (t *Torrent) execute(acts []swarm.Action, payload []byte) {
	for _, a := range acts {
		p := t.peers[a.Peer]
		switch a.Kind {
		case swarm.Send:
			if p != nil {
				p.conn.Send(a.Msg)
				if t.s.cfg.OnEvent != nil {
					t.event(p.addr, p.rdv, true, a.Msg.String())
				}
			}
		case swarm.Serve:
			if p != nil && !p.conn.Serve(a.Msg) && p.fast {
				p.conn.Send(wire.Message{ID: wire.Reject, Index: a.Msg.Index, Begin: a.Msg.Begin, Length: a.Msg.Length})
			}
		case swarm.Unserve:
			if p != nil {
				p.conn.Unserve(a.Msg.Index, a.Msg.Begin, a.Msg.Length)
			}
		case swarm.UnserveAll:
			if p != nil {
				t.rejects = p.conn.UnserveAll(t.rejects[:0])
				if p.fast {
					for _, m := range t.rejects {
						p.conn.Send(wire.Message{ID: wire.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
					}
				}
			}
		case swarm.Store:
			t.store(int(a.Msg.Index), int(a.Msg.Begin), payload)
		case swarm.Hash:
			t.hash(int(a.Msg.Index))
		case swarm.Close:
			if p != nil {
				p.conn.Close(a.Err)
			}
		case swarm.Ban:
			if p != nil {
				t.ban(p)
				t.log.Warn("peer banned", "addr", p.addr, "rendezvous", p.rdv, "err", a.Err)
				p.conn.Close(a.Err)
			}
		case swarm.Completed:
			select {
			case <-t.completed:
			default:
				close(t.completed)
			}
		}
	}
}

func (t *Torrent) store(piece, begin int, payload []byte) {
	bp, ok := t.bufs[piece]
	if !ok {
		bp = t.bufPool.Get().(*[]byte)
		t.bufs[piece] = bp
	}
	copy((*bp)[begin:], payload)
}

// hash verifies a complete piece on the worker pool, writes it if good and
// reports the result to the state.
func (t *Torrent) hash(piece int) {
	bp, ok := t.bufs[piece]
	if !ok {
		return
	}
	delete(t.bufs, piece)
	size := int(t.st.PieceSize(piece))
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer t.bufPool.Put(bp)
		select {
		case t.s.hashSem <- struct{}{}:
		case <-t.ctx.Done():
			return
		}
		data := (*bp)[:size]
		good := sha1.Sum(data) == t.spec.Hashes[piece]
		<-t.s.hashSem
		if good {
			if err := t.spec.Storage.WritePiece(piece, data); err != nil {
				t.fail(fmt.Errorf("engine: write piece %d: %w", piece, err))
				return
			}
			if t.spec.OnVerified != nil {
				t.spec.OnVerified(piece)
			}
		} else {
			t.log.Warn("piece failed its hash check", "piece", piece)
		}
		t.mu.Lock()
		acts := t.st.PieceHashed(time.Now(), piece, good)
		t.execute(acts, nil)
		t.mu.Unlock()
	}()
}

func (t *Torrent) tickLoop() {
	defer t.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	t.dialMore()
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		now := time.Now()
		acts := t.st.Tick(now)
		t.execute(acts, nil)
		if t.pex != nil {
			t.pexSend(now)
		}
		t.mu.Unlock()
		t.dialMore()
	}
}
