package swarm

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/choker"
	"shoal/internal/picker"
	"shoal/internal/rate"
	"shoal/internal/wire"
)

// ErrProtocol wraps every reason a peer is disconnected for breaking the protocol.
var ErrProtocol = errors.New("swarm: protocol violation")

// ErrBadData is the reason a peer is banned after sending pieces that failed their hash.
var ErrBadData = errors.New("swarm: peer sent data that failed the hash check")

// Defaults for Config.
const (
	DefaultSlots      = 4
	DefaultMaxStrikes = 3
	// DefaultPeerReqq is assumed for peers that do not announce reqq.
	DefaultPeerReqq = 250
	// MinQueue and MaxQueue bound the adaptive request queue per peer;
	// StartQueue is its depth before the peer's rate is known.
	MinQueue   = 4
	StartQueue = 128
	MaxQueue   = 1024
	// PartialBudget bounds the bytes of pieces in progress (each needs a
	// buffer); at least MinPartials pieces are in progress regardless.
	PartialBudget = 24 << 20
	MinPartials   = 4
	// SnubTimeout is how long an unchoking peer may leave our requests
	// unanswered before its requests are given to others.
	SnubTimeout = 60 * time.Second
	// IdleSlotTime is how long an unchoked peer that sends us nothing may
	// go without a request before its unchoke slot goes to a choked
	// interested peer.
	IdleSlotTime = time.Second
)

// queueTime is how many seconds of a peer's measured rate we keep in flight.
const queueTime = 0.5

// Config describes one torrent to a State.
type Config struct {
	NumPieces   int
	PieceLength int64
	TotalLength int64
	// Have holds the pieces already verified on disk; nil means none.
	Have *bitfield.Bitfield
	// Slots is the number of regular unchoke slots (default 4).
	Slots int
	// MaxStrikes is the number of strike points after which a peer that
	// contributed to pieces failing their hash is banned (default 3). The
	// sole contributor of a bad piece gets two points, a co-contributor one.
	MaxStrikes int
	// Port is our listening port, announced in the extension handshake.
	Port int
	// Reqq is how many requests we queue per peer, announced in the
	// extension handshake.
	Reqq int
	// Metadata is the torrent's info dictionary, served to peers that ask
	// for it (BEP 9); nil serves nothing.
	Metadata []byte
	// SuperSeed makes a State that starts with every piece super-seed
	// (BEP 16) until every piece is held by some peer; it is ignored when
	// pieces are missing at the start.
	SuperSeed bool
	// PEX announces peer exchange (BEP 11) in the extension handshake,
	// with ExtPEXID; the engine, which knows the peers' addresses, sends
	// and reads its messages. Never for a private torrent (BEP 27).
	PEX bool
	// Rand drives every random choice; nil means a fixed seed.
	Rand *rand.Rand
}

// extMetadataID is our id for ut_metadata messages.
const extMetadataID = 1

// ExtPEXID is our id for ut_pex messages (BEP 11): peers send their peer
// exchange messages to us with it.
const ExtPEXID = 2

// PeerInfo is what the engine knows about a peer when it connects.
type PeerInfo struct {
	// Fast is true when both sides set the BEP 6 bit.
	Fast bool
	// Extended is true when both sides set the BEP 10 bit.
	Extended bool
}

type peerState struct {
	info   PeerInfo
	joined time.Time
	has    *bitfield.Bitfield
	first  bool // no piece news (bitfield, have...) yet: a piece list is allowed

	amChoking, amInterested     bool
	peerChoking, peerInterested bool
	snubbed                     bool

	reqq      int // their request queue limit
	depth     int // how many requests we keep outstanding
	lastBlock time.Time
	down, up  rate.Meter
	strikes   int
	client    string
	metaID    uint8 // the peer's id for ut_metadata, 0 if none
	downPiece int   // piece of the last block received, -1 if none
	reqPiece  int   // piece of the last block requested, -1 if none
	upPiece   int   // piece of the last request served, -1 if none
	upBytes   int64 // bytes of upPiece queued for the peer
	// askedAt is when the peer last sent a request or we unchoked it.
	askedAt time.Time
	idle    bool // wastes its unchoke slot; set by markIdle
	sp      superPeer
}

// State is the protocol state of one torrent. It is not safe for concurrent
// use: the engine serialises calls. The returned actions are valid until the
// next call.
type State struct {
	cfg     Config
	bounds  wire.Bounds
	pk      *picker.Picker
	ch      *choker.Choker
	rnd     *rand.Rand
	peers   map[Peer]*peerState
	out     []Action
	blocks  []picker.Block
	ext     []byte
	cpeers  []choker.Peer
	seeding bool
	down    rate.Meter
	up      rate.Meter
	wasted  int64
	ss      superSeed
	sorted  []Peer // scratch for sortedPeers
	idlers  []Peer // scratch for markIdle
}

// New returns the state of a torrent with the pieces in cfg.Have verified.
func New(cfg Config) (*State, error) {
	if cfg.NumPieces <= 0 || cfg.PieceLength <= 0 || cfg.TotalLength <= 0 {
		return nil, fmt.Errorf("swarm: invalid torrent geometry (%d pieces of %d, %d bytes)", cfg.NumPieces, cfg.PieceLength, cfg.TotalLength)
	}
	if cfg.Slots <= 0 {
		cfg.Slots = DefaultSlots
	}
	if cfg.MaxStrikes <= 0 {
		cfg.MaxStrikes = DefaultMaxStrikes
	}
	if cfg.Reqq <= 0 {
		cfg.Reqq = 2048
	}
	rnd := cfg.Rand
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(1, 2))
	}
	s := &State{
		cfg:    cfg,
		bounds: wire.Bounds{NumPieces: cfg.NumPieces, PieceLength: cfg.PieceLength, TotalLength: cfg.TotalLength},
		pk:     picker.New(cfg.NumPieces, cfg.PieceLength, cfg.TotalLength, rnd),
		ch:     choker.New(choker.Config{Slots: cfg.Slots}),
		rnd:    rnd,
		peers:  make(map[Peer]*peerState),
	}
	if cfg.Have != nil {
		if cfg.Have.Len() != cfg.NumPieces {
			return nil, fmt.Errorf("swarm: have bitfield of %d pieces, torrent has %d", cfg.Have.Len(), cfg.NumPieces)
		}
		for i := range cfg.NumPieces {
			if cfg.Have.Has(i) {
				s.pk.SetHave(i)
			}
		}
	}
	// Every partial piece holds a piece-sized buffer in the engine.
	s.pk.SetMaxPartials(max(MinPartials, int(PartialBudget/cfg.PieceLength)))
	s.seeding = s.pk.Complete()
	s.superInit()
	hs := wire.ExtHandshake{
		M:    map[string]int{},
		V:    "shoal " + bt.Version,
		P:    cfg.Port,
		Reqq: cfg.Reqq,
	}
	if len(cfg.Metadata) > 0 {
		hs.M[wire.ExtMetadata] = extMetadataID
		hs.MetadataSize = len(cfg.Metadata)
	}
	if cfg.PEX {
		hs.M["ut_pex"] = ExtPEXID
	}
	ext, err := hs.Marshal()
	if err != nil {
		return nil, fmt.Errorf("swarm: extension handshake: %w", err)
	}
	s.ext = ext
	return s, nil
}

// Complete reports whether every piece is verified.
func (s *State) Complete() bool { return s.pk.Complete() }

// Left is the number of bytes not yet verified.
func (s *State) Left() int64 { return s.pk.Left() }

// Have reports whether piece i is verified.
func (s *State) Have(i int) bool { return s.pk.Have(i) }

func (s *State) emit(a Action) { s.out = append(s.out, a) }

func (s *State) send(p Peer, m wire.Message) { s.emit(Action{Kind: Send, Peer: p, Msg: m}) }

func (s *State) closePeer(p Peer, err error) {
	s.emit(Action{Kind: Close, Peer: p, Err: err})
}

func (s *State) begin() { s.out = s.out[:0] }

// AddPeer registers a connected peer after the handshake and returns the
// opening messages: our pieces and our extension handshake.
func (s *State) AddPeer(now time.Time, p Peer, info PeerInfo) []Action {
	s.begin()
	ps := &peerState{
		info:        info,
		joined:      now,
		has:         bitfield.New(s.cfg.NumPieces),
		first:       true,
		amChoking:   true,
		peerChoking: true,
		reqq:        DefaultPeerReqq,
		depth:       StartQueue,
		downPiece:   -1,
		reqPiece:    -1,
		upPiece:     -1,
	}
	s.peers[p] = ps
	n := s.pk.HaveCount()
	switch {
	case s.ss.on:
		s.superAddPeer(p, ps)
	case info.Fast && n == 0:
		s.send(p, wire.Message{ID: wire.HaveNone})
	case info.Fast && n == s.cfg.NumPieces:
		s.send(p, wire.Message{ID: wire.HaveAll})
	case n > 0:
		s.send(p, wire.Message{ID: wire.Bitfield, Payload: s.pk.Bitfield().Bytes()})
	}
	if info.Extended {
		s.send(p, wire.Message{ID: wire.Extended, ExtID: 0, Payload: s.ext})
	}
	return s.out
}

// RemovePeer forgets a disconnected peer and gives its requests to others.
func (s *State) RemovePeer(now time.Time, p Peer) []Action {
	s.begin()
	ps, ok := s.peers[p]
	if !ok {
		return s.out
	}
	if s.ss.on {
		s.superRemovePeer(ps)
	}
	delete(s.peers, p)
	s.pk.PeerGone(p)
	s.superUpdate(now)
	s.rechoke(now)
	s.fillAll(now)
	return s.out
}

// Uploaded records n bytes of block data sent to p.
func (s *State) Uploaded(now time.Time, p Peer, n int) {
	s.up.Add(now, int64(n))
	if ps, ok := s.peers[p]; ok {
		ps.up.Add(now, int64(n))
	}
}

// Handle processes one message from p. For a piece message that is wanted,
// the actions include a Store of its payload, which the engine must carry
// out before the next call.
func (s *State) Handle(now time.Time, p Peer, m wire.Message) []Action {
	s.begin()
	ps, ok := s.peers[p]
	if !ok {
		return s.out
	}
	if m.Keepalive {
		return s.out
	}
	s.handle(now, p, ps, m)
	switch m.ID {
	case wire.Have, wire.Bitfield, wire.HaveAll, wire.HaveNone:
		s.superUpdate(now)
	}
	return s.out
}

func (s *State) handle(now time.Time, p Peer, ps *peerState, m wire.Message) {
	if err := s.bounds.Check(m); err != nil {
		s.closePeer(p, err)
		return
	}
	// The piece list (bitfield, have all, have none) comes once, before any
	// have. BEP 3 wants it first of all, but real clients put their
	// extension handshake (libtorrent), allowed-fast set or interest (aria2)
	// before it, so only its place relative to other piece news counts.
	first := ps.first
	switch m.ID {
	case wire.Have, wire.Bitfield, wire.HaveAll, wire.HaveNone:
		ps.first = false
	}
	switch m.ID {
	case wire.Choke:
		ps.peerChoking = true
		s.pk.Choked(p)
		s.fillAll(now)
	case wire.Unchoke:
		if ps.peerChoking {
			ps.peerChoking = false
			ps.snubbed = false
			ps.lastBlock = now
			s.fill(now, p, ps)
		}
	case wire.Interested:
		if !ps.peerInterested {
			ps.peerInterested = true
			s.rechoke(now)
		}
	case wire.NotInterested:
		if ps.peerInterested {
			ps.peerInterested = false
			s.rechoke(now)
		}
	case wire.Have:
		s.peerHave(now, p, ps, int(m.Index))
	case wire.Bitfield:
		bf, err := bitfield.FromBytes(m.Payload, s.cfg.NumPieces)
		if err != nil {
			s.closePeer(p, fmt.Errorf("%w: %w", ErrProtocol, err))
			return
		}
		if !first {
			// aria2 sends its bitfield again instead of haves: take
			// the new pieces as haves.
			for i := range s.cfg.NumPieces {
				if bf.Has(i) && !ps.has.Has(i) {
					s.peerHave(now, p, ps, i)
				}
			}
			return
		}
		ps.has = bf
		s.pk.PeerBitfield(p, bf)
		s.peerHasChanged(now, p, ps)
	case wire.HaveAll, wire.HaveNone:
		if !ps.info.Fast || !first {
			s.closePeer(p, fmt.Errorf("%w: unexpected %v", ErrProtocol, m.ID))
			return
		}
		if m.ID == wire.HaveAll {
			ps.has.SetAll()
			s.pk.PeerHaveAll(p)
			s.peerHasChanged(now, p, ps)
		}
	case wire.Request:
		s.request(now, p, ps, m)
	case wire.Cancel:
		s.emit(Action{Kind: Unserve, Peer: p, Msg: m})
	case wire.Piece:
		s.piece(now, p, ps, m)
	case wire.Reject:
		if !ps.info.Fast {
			s.closePeer(p, fmt.Errorf("%w: reject without the fast extension", ErrProtocol))
			return
		}
		s.pk.Cancelled(p, picker.Block{Piece: int(m.Index), Begin: int(m.Begin), Length: int(m.Length)})
	case wire.Extended:
		switch {
		case m.ExtID == 0:
			s.extHandshake(ps, m.Payload)
		case m.ExtID == extMetadataID && len(s.cfg.Metadata) > 0:
			s.metadata(p, ps, m.Payload)
		}
	case wire.AllowedFast, wire.Suggest, wire.Port:
		// Hints we do not act on: we request only from peers that unchoke
		// us, pick by rarity, and run no DHT.
	}
}

func (s *State) extHandshake(ps *peerState, payload []byte) {
	h, err := wire.ParseExtHandshake(payload)
	if err != nil {
		// A malformed handshake only costs the peer its extensions.
		return
	}
	if h.Reqq > 0 {
		ps.reqq = min(h.Reqq, MaxQueue)
	}
	if len(h.V) <= 64 {
		ps.client = h.V
	}
	if id, ok := h.ExtID(wire.ExtMetadata); ok {
		ps.metaID = id
	} else if _, named := h.M[wire.ExtMetadata]; named {
		ps.metaID = 0 // disabled by a later handshake
	}
}

// metadata answers a BEP 9 request for a piece of the info dictionary.
func (s *State) metadata(p Peer, ps *peerState, payload []byte) {
	m, err := wire.ParseMetadata(payload)
	if err != nil || m.Type != wire.MetadataRequest || ps.metaID == 0 {
		return
	}
	total := len(s.cfg.Metadata)
	reply := wire.Metadata{Type: wire.MetadataReject, Piece: m.Piece}
	if n := wire.MetadataPieceSize(total, m.Piece); n > 0 {
		off := m.Piece * wire.MetadataPieceLen
		reply = wire.Metadata{Type: wire.MetadataData, Piece: m.Piece, TotalSize: total, Data: s.cfg.Metadata[off : off+n]}
	}
	s.send(p, wire.Message{ID: wire.Extended, ExtID: ps.metaID, Payload: wire.AppendMetadata(nil, reply)})
}

func (s *State) request(now time.Time, p Peer, ps *peerState, m wire.Message) {
	if !s.superMayServe(ps, int(m.Index)) {
		// A super-seeder serves only the pieces it offered the peer.
		if ps.info.Fast {
			s.send(p, wire.Message{ID: wire.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
		}
		return
	}
	if !s.pk.Have(int(m.Index)) {
		if ps.info.Fast {
			s.send(p, wire.Message{ID: wire.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
			return
		}
		s.closePeer(p, fmt.Errorf("%w: request for piece %d, which we do not have", ErrProtocol, m.Index))
		return
	}
	if ps.amChoking {
		if ps.info.Fast {
			s.send(p, wire.Message{ID: wire.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
		}
		return
	}
	ps.askedAt = now
	if int(m.Index) != ps.upPiece {
		ps.upPiece, ps.upBytes = int(m.Index), 0
	}
	ps.upBytes += int64(m.Length)
	s.emit(Action{Kind: Serve, Peer: p, Msg: m})
}

func (s *State) piece(now time.Time, p Peer, ps *peerState, m wire.Message) {
	n := len(m.Payload)
	b := picker.Block{Piece: int(m.Index), Begin: int(m.Begin), Length: n}
	fresh, cancel, done := s.pk.Received(p, b)
	if !fresh {
		s.wasted += int64(n)
		return
	}
	ps.lastBlock = now
	ps.snubbed = false
	ps.downPiece = b.Piece
	ps.down.Add(now, int64(n))
	s.down.Add(now, int64(n))
	s.emit(Action{Kind: Store, Peer: p, Msg: wire.Message{ID: wire.Piece, Index: m.Index, Begin: m.Begin, Length: uint32(n)}})
	for _, q := range cancel {
		s.send(q, wire.Message{ID: wire.Cancel, Index: m.Index, Begin: m.Begin, Length: uint32(n)})
	}
	if done {
		s.emit(Action{Kind: Hash, Msg: wire.Message{Index: m.Index}})
	}
	s.fill(now, p, ps)
}

func (s *State) peerHave(now time.Time, p Peer, ps *peerState, i int) {
	if !ps.has.Set(i) {
		return
	}
	s.pk.PeerHave(p, i)
	if !ps.amInterested && !s.pk.Have(i) {
		ps.amInterested = true
		s.send(p, wire.Message{ID: wire.Interested})
		s.fill(now, p, ps)
	}
	if s.seeding && ps.has.Full() {
		s.closePeer(p, errors.New("swarm: both sides are seeders"))
	}
}

func (s *State) peerHasChanged(now time.Time, p Peer, ps *peerState) {
	if s.seeding && ps.has.Full() {
		s.closePeer(p, errors.New("swarm: both sides are seeders"))
		return
	}
	s.updateInterest(p, ps)
	s.fill(now, p, ps)
}

func (s *State) updateInterest(p Peer, ps *peerState) {
	want := !s.seeding && s.pk.Interesting(ps.has)
	if want == ps.amInterested {
		return
	}
	ps.amInterested = want
	if want {
		s.send(p, wire.Message{ID: wire.Interested})
	} else {
		s.send(p, wire.Message{ID: wire.NotInterested})
	}
}

// fill tops up p's request queue.
func (s *State) fill(now time.Time, p Peer, ps *peerState) {
	if ps.peerChoking || !ps.amInterested || ps.snubbed || s.seeding {
		return
	}
	depth := min(ps.depth, ps.reqq)
	out := s.pk.Outstanding(p)
	want := depth - out
	// Top up in batches: one socket write carries many requests.
	if want <= 0 || (out > 0 && want < max(1, depth/8)) {
		return
	}
	s.blocks = s.pk.Pick(p, want, s.blocks[:0])
	if len(s.blocks) > 0 {
		ps.lastBlockIfIdle(now, out == 0)
	}
	if len(s.blocks) > 0 {
		ps.reqPiece = s.blocks[len(s.blocks)-1].Piece
	}
	for _, b := range s.blocks {
		s.send(p, wire.Message{ID: wire.Request, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
	}
}

// lastBlockIfIdle restarts the snub clock when requests go out to a peer
// that had none outstanding.
func (ps *peerState) lastBlockIfIdle(now time.Time, wasIdle bool) {
	if wasIdle {
		ps.lastBlock = now
	}
}

func (s *State) fillAll(now time.Time) {
	for p, ps := range s.peers {
		s.fill(now, p, ps)
	}
}

// PieceHashed reports the hash check of a piece whose blocks were all
// stored. A good piece must already be written to storage.
func (s *State) PieceHashed(now time.Time, piece int, ok bool) []Action {
	s.begin()
	if !ok {
		s.pieceFailed(now, piece)
		return s.out
	}
	s.pk.Verified(piece)
	for p, ps := range s.peers {
		s.send(p, wire.Message{ID: wire.Have, Index: uint32(piece)})
		if ps.amInterested && !s.pk.Interesting(ps.has) {
			ps.amInterested = false
			s.send(p, wire.Message{ID: wire.NotInterested})
		}
	}
	if s.pk.Complete() && !s.seeding {
		s.seeding = true
		s.emit(Action{Kind: Completed})
		for p, ps := range s.peers {
			if ps.has.Full() {
				s.closePeer(p, errors.New("swarm: both sides are seeders"))
			}
		}
		s.rechoke(now)
	}
	return s.out
}

func (s *State) pieceFailed(now time.Time, piece int) {
	contributors := s.pk.Failed(piece)
	points := 1
	if len(contributors) == 1 {
		points = 2
	}
	for _, p := range contributors {
		ps, ok := s.peers[p]
		if !ok {
			continue
		}
		ps.strikes += points
		if ps.strikes >= s.cfg.MaxStrikes {
			s.emit(Action{Kind: Ban, Peer: p, Err: fmt.Errorf("%w (piece %d, %d strike points)", ErrBadData, piece, ps.strikes)})
		}
	}
	s.fillAll(now)
}

// Tick advances time: it rechokes, adapts request queues and takes
// requests away from peers that stopped answering them. Call it about
// once a second.
func (s *State) Tick(now time.Time) []Action {
	s.begin()
	for p, ps := range s.peers {
		r := ps.down.Rate(now)
		ps.depth = max(MinQueue, min(MaxQueue, MinQueue+int(r*queueTime/bt.BlockSize)))
		if !ps.peerChoking && !ps.snubbed && s.pk.Outstanding(p) > 0 && now.Sub(ps.lastBlock) > SnubTimeout {
			ps.snubbed = true
			s.pk.Choked(p)
		}
	}
	s.superUpdate(now)
	s.rechoke(now)
	s.fillAll(now)
	return s.out
}

// sortedPeers returns the peers in order of their numbers, in a scratch
// slice valid until the next call.
func (s *State) sortedPeers() []Peer {
	s.sorted = s.sorted[:0]
	for p := range s.peers {
		s.sorted = append(s.sorted, p)
	}
	slices.Sort(s.sorted)
	return s.sorted
}

// rechoke asks the choker whom to unchoke. For each interested peer that
// waits choked, one unchoked peer that wastes its slot (see markIdle)
// counts as not interested, so that its slot goes to another.
func (s *State) rechoke(now time.Time) {
	s.cpeers = s.cpeers[:0]
	s.markIdle(now)
	for p, ps := range s.peers {
		s.cpeers = append(s.cpeers, choker.Peer{
			ID:          int(p),
			Interested:  ps.peerInterested && !ps.idle,
			Choked:      ps.amChoking,
			DownRate:    ps.down.Rate(now),
			UpRate:      ps.up.Rate(now),
			ConnectedAt: ps.joined,
			Snubbed:     ps.snubbed,
		})
	}
	// Map iteration order is random; sort for determinism.
	sortChokerPeers(s.cpeers)
	unchoke := s.ch.Rechoke(now, s.cpeers, s.seeding, s.rnd)
	for _, cp := range s.cpeers {
		p := Peer(cp.ID)
		ps := s.peers[p]
		want := contains(unchoke, cp.ID)
		switch {
		case want && ps.amChoking:
			ps.amChoking = false
			ps.askedAt = now
			s.send(p, wire.Message{ID: wire.Unchoke})
		case !want && !ps.amChoking:
			ps.amChoking = true
			s.send(p, wire.Message{ID: wire.Choke})
			s.emit(Action{Kind: UnserveAll, Peer: p})
		}
	}
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// markIdle sets ps.idle for the unchoked peers that waste their slot (see
// wastesSlot), the longest idle first, at most one per choked interested
// peer, and clears it for all others.
func (s *State) markIdle(now time.Time) {
	waiting := 0
	s.idlers = s.idlers[:0]
	for p, ps := range s.peers {
		ps.idle = false
		switch {
		case ps.peerInterested && ps.amChoking:
			waiting++
		case s.wastesSlot(now, ps):
			s.idlers = append(s.idlers, p)
		}
	}
	if waiting == 0 || len(s.idlers) == 0 {
		return
	}
	slices.SortFunc(s.idlers, func(a, b Peer) int {
		if c := s.peers[a].askedAt.Compare(s.peers[b].askedAt); c != 0 {
			return c
		}
		return int(a) - int(b)
	})
	for _, p := range s.idlers[:min(waiting, len(s.idlers))] {
		s.peers[p].idle = true
	}
}

// wastesSlot reports whether ps is unchoked and interested but has asked
// for nothing for IdleSlotTime and sends us nothing either. Early in a
// swarm this is common: a peer is interested in the few pieces we have but
// already requested them all from others.
func (s *State) wastesSlot(now time.Time, ps *peerState) bool {
	return !ps.amChoking && ps.peerInterested && now.Sub(ps.askedAt) >= IdleSlotTime && ps.down.Rate(now) == 0
}
