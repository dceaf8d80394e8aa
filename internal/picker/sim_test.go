package picker

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"shoal/internal/bitfield"
)

// source supplies the choices of a simulation.
type source interface {
	intn(n int) int // in [0, n); n > 0
	done() bool
}

type randSource struct {
	r     *rand.Rand
	steps int
}

func (s *randSource) intn(n int) int { return s.r.IntN(n) }
func (s *randSource) done() bool     { s.steps--; return s.steps < 0 }

// byteSource takes choices from fuzz input, then from a fixed generator.
type byteSource struct {
	b    []byte
	rest *rand.Rand
}

func (s *byteSource) intn(n int) int {
	if len(s.b) == 0 {
		if s.rest == nil {
			s.rest = rand.New(rand.NewPCG(1, 1))
		}
		return s.rest.IntN(n)
	}
	v := int(s.b[0])
	if n > 256 && len(s.b) > 1 {
		v = v<<8 | int(s.b[1])
		s.b = s.b[1:]
	}
	s.b = s.b[1:]
	return v % n
}
func (s *byteSource) done() bool { return len(s.b) == 0 }

// sim drives a Picker with random operations and checks it against a model
// of outstanding and received blocks after every step.
type sim struct {
	src  source
	pk   *Picker
	out  map[Peer]map[Block]bool // model of outstanding requests
	recv map[Block]Peer          // received blocks of partial pieces
	peer []Peer
}

const simPeers = 8

func newSim(src source) *sim {
	bpp := 1 + src.intn(6)                   // blocks per piece
	pl := int64(bpp*bs - src.intn(2)*(bs/2)) // sometimes a half block short
	n := 1 + src.intn(60)
	last := 1 + int64(src.intn(int(pl)))
	s := &sim{
		src:  src,
		pk:   New(n, pl, int64(n-1)*pl+last, rand.New(rand.NewPCG(uint64(src.intn(1000)), 1))),
		out:  map[Peer]map[Block]bool{},
		recv: map[Block]Peer{},
	}
	for p := range simPeers {
		s.peer = append(s.peer, Peer(p))
	}
	if src.intn(2) == 0 {
		s.pk.SetMaxPartials(1 + src.intn(4))
	}
	return s
}

func (s *sim) randomBitfield() *bitfield.Bitfield {
	n := s.pk.NumPieces()
	f := bitfield.New(n)
	density := s.src.intn(5)
	for i := range n {
		if s.src.intn(4) < density {
			f.Set(i)
		}
	}
	return f
}

func (s *sim) outstandingBlocks(p Peer) []Block {
	bl := slices.Collect(maps.Keys(s.out[p]))
	slices.SortFunc(bl, func(a, b Block) int {
		if a.Piece != b.Piece {
			return a.Piece - b.Piece
		}
		return a.Begin - b.Begin
	})
	return bl
}

// valid reports whether b is a block of the torrent, computed directly.
func (s *sim) valid(b Block) bool {
	if b.Piece < 0 || b.Piece >= s.pk.NumPieces() || b.Begin < 0 || b.Begin%bs != 0 {
		return false
	}
	n := s.pk.PieceLength(b.Piece)
	return int64(b.Begin) < n && int64(b.Length) == min(bs, n-int64(b.Begin))
}

// forgetPiece drops the model's state of piece i.
func (s *sim) forgetPiece(i int) {
	for _, m := range s.out {
		for b := range m {
			if b.Piece == i {
				delete(m, b)
			}
		}
	}
	for b := range s.recv {
		if b.Piece == i {
			delete(s.recv, b)
		}
	}
}

func (s *sim) contributors(i int) map[Peer]bool {
	c := map[Peer]bool{}
	for b, p := range s.recv {
		if b.Piece == i {
			c[p] = true
		}
	}
	return c
}

func (s *sim) pieceDone(i int) error {
	if s.src.intn(5) == 0 {
		want := s.contributors(i)
		got := s.pk.Failed(i)
		if len(got) != len(want) {
			return fmt.Errorf("Failed(%d) = %v, want %v", i, got, want)
		}
		for _, p := range got {
			if !want[p] {
				return fmt.Errorf("Failed(%d) = %v, want %v", i, got, want)
			}
		}
	} else {
		s.pk.Verified(i)
	}
	s.forgetPiece(i)
	return nil
}

func (s *sim) receive(p Peer, b Block) error {
	wasPartial := s.valid(b) && s.pk.partialOf(b.Piece) != nil
	_, had := s.recv[b]
	var others []Peer
	for q, m := range s.out {
		if q != p && m[b] {
			others = append(others, q)
		}
	}
	fresh, cancel, done := s.pk.Received(p, b)
	if fresh != (wasPartial && !had) {
		return fmt.Errorf("Received(%d, %+v) fresh %v, partial %v received %v", p, b, fresh, wasPartial, had)
	}
	if !fresh {
		return nil
	}
	slices.Sort(others)
	cancel = slices.Clone(cancel)
	slices.Sort(cancel)
	if !slices.Equal(cancel, others) {
		return fmt.Errorf("Received(%d, %+v) cancel %v, want %v", p, b, cancel, others)
	}
	for _, m := range s.out {
		delete(m, b)
	}
	s.recv[b] = p
	if done {
		return s.pieceDone(b.Piece)
	}
	return nil
}

func (s *sim) pick(p Peer, max int) error {
	pk := s.pk
	ps := pk.peers[p]
	var wasPartial = map[int]bool{}
	for _, pt := range pk.partials {
		wasPartial[pt.piece] = true
	}
	minAvail := -1
	if ps != nil {
		for i := range pk.numPieces {
			if pk.want.contains(i) && ps.hasPiece(i) && (minAvail < 0 || pk.Availability(i) < minAvail) {
				minAvail = pk.Availability(i)
			}
		}
	}
	randomPhase := pk.haveCount < randomFirst
	got := pk.Pick(p, max, nil)
	if len(got) > max {
		return fmt.Errorf("Pick(%d, %d) returned %d blocks", p, max, len(got))
	}
	var started []int
	dup := false
	for _, b := range got {
		if _, ok := pk.blockIndex(b); !ok {
			return fmt.Errorf("Pick(%d) returned bad block %+v", p, b)
		}
		if s.out[p][b] {
			return fmt.Errorf("Pick(%d) returned %+v, already outstanding there", p, b)
		}
		if _, ok := s.recv[b]; ok {
			return fmt.Errorf("Pick(%d) returned received block %+v", p, b)
		}
		for q, m := range s.out {
			if q != p && m[b] {
				dup = true
			}
		}
		if !ps.hasPiece(b.Piece) {
			return fmt.Errorf("Pick(%d) returned %+v of a piece it lacks", p, b)
		}
		if !wasPartial[b.Piece] && !slices.Contains(started, b.Piece) {
			started = append(started, b.Piece)
		}
		if s.out[p] == nil {
			s.out[p] = map[Block]bool{}
		}
		s.out[p][b] = true
	}
	if len(started) > 0 {
		// Strict priority: nothing free left in older partial pieces p has.
		for _, pt := range pk.open {
			if ps.hasPiece(pt.piece) && !slices.Contains(started, pt.piece) {
				return fmt.Errorf("Pick(%d) started %v with piece %d still open", p, started, pt.piece)
			}
		}
		if !randomPhase && pk.Availability(started[0]) != minAvail {
			return fmt.Errorf("Pick(%d) started piece %d with availability %d, rarest is %d",
				p, started[0], pk.Availability(started[0]), minAvail)
		}
	}
	if dup && !pk.endgame() {
		return fmt.Errorf("Pick(%d) duplicated a request outside endgame", p)
	}
	return nil
}

func (s *sim) step() error {
	pk := s.pk
	p := s.peer[s.src.intn(len(s.peer))]
	switch op := s.src.intn(20); op {
	case 0:
		pk.PeerBitfield(p, s.randomBitfield())
	case 1:
		pk.PeerHave(p, s.src.intn(pk.NumPieces()+1)-1+s.src.intn(2))
	case 2:
		if s.src.intn(3) == 0 {
			pk.PeerHaveAll(p)
		} else {
			pk.PeerHaveNone(p) // outstanding requests stay
		}
	case 3:
		pk.PeerGone(p)
		clear(s.out[p])
	case 4:
		pk.Choked(p)
		clear(s.out[p])
	case 5, 6, 7, 8:
		if err := s.pick(p, s.src.intn(12)); err != nil {
			return err
		}
	case 9, 10, 11, 12, 13:
		bl := s.outstandingBlocks(p)
		if len(bl) == 0 {
			return nil
		}
		b := bl[s.src.intn(len(bl))]
		if s.src.intn(4) == 0 {
			p = s.peer[s.src.intn(len(s.peer))] // someone else delivers it
		}
		return s.receive(p, b)
	case 14:
		bl := s.outstandingBlocks(p)
		if len(bl) == 0 {
			return nil
		}
		b := bl[s.src.intn(len(bl))]
		pk.Cancelled(p, b)
		delete(s.out[p], b)
	case 15:
		i := s.src.intn(pk.NumPieces())
		pk.SetHave(i)
		s.forgetPiece(i)
	case 16:
		i := s.src.intn(pk.NumPieces())
		if pk.Have(i) {
			pk.Failed(i)
		}
	case 17:
		// Garbage from the wire.
		b := Block{s.src.intn(pk.NumPieces()+2) - 1, (s.src.intn(8) - 1) * bs / (1 + s.src.intn(2)), s.src.intn(2*bs + 1)}
		return s.receive(p, b)
	case 18:
		b := Block{s.src.intn(pk.NumPieces()), s.src.intn(6) * bs, bs}
		pk.Cancelled(p, b)
		delete(s.out[p], b)
	case 19:
		pk.SetMaxPartials(s.src.intn(4))
	}
	return nil
}

func (s *sim) verify() error {
	if err := s.pk.check(); err != nil {
		return err
	}
	for _, p := range s.peer {
		if got, want := s.pk.Outstanding(p), len(s.out[p]); got != want {
			return fmt.Errorf("peer %d: outstanding %d, model %d", p, got, want)
		}
		for b := range s.out[p] {
			pt := s.pk.partialOf(b.Piece)
			k, _ := s.pk.blockIndex(b)
			if pt == nil || !pt.requestedBy(k, p) {
				return fmt.Errorf("peer %d: model has %+v outstanding, picker does not", p, b)
			}
		}
	}
	return nil
}

// finish downloads the rest from a new seed; it must terminate. The other
// peers choke us first, as their requests would otherwise time out.
func (s *sim) finish() error {
	const seed = Peer(1000)
	for _, p := range s.peer {
		s.pk.Choked(p)
		clear(s.out[p])
	}
	s.pk.PeerHaveAll(seed)
	s.peer = append(s.peer, seed)
	for round := 0; !s.pk.Complete(); round++ {
		if round > 10*s.pk.NumPieces()+10 {
			return fmt.Errorf("no progress: left %d", s.pk.Left())
		}
		before := s.pk.Left()
		if err := s.pick(seed, 64); err != nil {
			return err
		}
		for _, b := range s.outstandingBlocks(seed) {
			if err := s.receive(seed, b); err != nil {
				return err
			}
		}
		if err := s.verify(); err != nil {
			return err
		}
		if s.pk.Left() == before && len(s.out[seed]) == 0 && s.pk.Outstanding(seed) == 0 {
			// Pieces fully received by others and waiting: the model
			// verifies on completion, so this means a stuck picker.
			if len(s.pk.open) == 0 && s.pk.want.len() == 0 && s.pk.inFlight == 0 {
				return fmt.Errorf("stuck: left %d with %d partials", s.pk.Left(), len(s.pk.partials))
			}
		}
	}
	if s.pk.Left() != 0 || s.pk.Partials() != 0 {
		return fmt.Errorf("complete with left %d partials %d", s.pk.Left(), s.pk.Partials())
	}
	return nil
}

func runSim(t *testing.T, src source) {
	t.Helper()
	s := newSim(src)
	var trace []string
	for !src.done() {
		if err := s.step(); err != nil {
			t.Fatalf("step %d: %v", len(trace), err)
		}
		trace = append(trace, "")
		if err := s.verify(); err != nil {
			t.Fatalf("after step %d: %v", len(trace), err)
		}
	}
	if err := s.finish(); err != nil {
		t.Fatal(err)
	}
}

func TestRandomOperations(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runSim(t, &randSource{r: rand.New(rand.NewPCG(seed, 3)), steps: 400})
		})
	}
}

func FuzzOperations(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0, 10, 1, 0, 2, 0, 0, 5, 4, 9, 9, 9, 6, 0, 11, 0, 0})
	f.Add([]byte("picker operations seed corpus: peers come and go, blocks arrive"))
	r := rand.New(rand.NewPCG(5, 5))
	for range 8 {
		b := make([]byte, 600)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		runSim(t, &byteSource{b: data})
	})
}

// TestRarestFirstMatchesSlow compares the first new piece of each Pick with
// the obvious definition on larger random swarms with churn.
func TestRarestFirstMatchesSlow(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 8))
		n := 50 + r.IntN(2000)
		pk := New(n, bs, int64(n)*bs, rand.New(rand.NewPCG(seed, 9)))
		for range 4 + r.IntN(n/4) {
			pk.SetHave(r.IntN(n))
		}
		peers := 1 + r.IntN(40)
		for p := range peers {
			switch r.IntN(10) {
			case 0:
				pk.PeerHaveAll(Peer(p))
			default:
				f := bitfield.New(n)
				d := r.Float64()
				if r.IntN(3) == 0 {
					d /= 50 // sparse peers exercise the walk
				}
				for i := range n {
					if r.Float64() < d {
						f.Set(i)
					}
				}
				pk.PeerBitfield(Peer(p), f)
			}
		}
		for range 300 {
			p := Peer(r.IntN(peers))
			switch r.IntN(6) {
			case 0:
				pk.PeerHave(p, r.IntN(n))
				continue
			case 1:
				pk.PeerGone(p)
				f := bitfield.New(n)
				for range r.IntN(n) {
					f.Set(r.IntN(n))
				}
				pk.PeerBitfield(p, f)
				continue
			}
			ps := pk.peers[p]
			best := -1
			for i := range n {
				if pk.want.contains(i) && ps.hasPiece(i) && (best < 0 || pk.Availability(i) < best) {
					best = pk.Availability(i)
				}
			}
			got := pk.Pick(p, 1, nil)
			if best < 0 {
				if len(got) != 0 && !pk.endgame() {
					t.Fatalf("seed %d: picked %v with no candidate", seed, got)
				}
				continue
			}
			if len(got) != 1 || pk.Availability(got[0].Piece) != best {
				t.Fatalf("seed %d: picked %v, rarest availability %d", seed, got, best)
			}
			if r.IntN(2) == 0 {
				pk.Cancelled(p, got[0])
			} else if _, _, done := pk.Received(p, got[0]); done {
				pk.Verified(got[0].Piece)
			}
		}
		if err := pk.check(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}
