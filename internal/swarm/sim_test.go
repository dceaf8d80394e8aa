package swarm

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/wire"
)

// sim connects States in memory: control messages arrive at once, block
// data flows at each node's upload rate, and pieces hash at once. Node i
// is Peer(i) to every other node.
type sim struct {
	t     *testing.T
	now   time.Time
	nodes []*simNode
	queue []simMsg
	block []byte
	// full is when the leechers first held every piece between them, and
	// seedAtFull what node 0 had uploaded then.
	full       time.Duration
	seedAtFull int64
	closed     map[[2]Peer]bool
}

type simNode struct {
	st     *State
	up     int // bytes per second
	serve  map[Peer][]wire.Message
	order  []Peer // round-robin order of serve queues
	next   int    // where the round robin goes on
	tokens int    // bytes it may send now
	passed map[Peer]int
	sent   int64
	done   time.Duration
}

type simMsg struct {
	from, to Peer
	m        wire.Message
}

const simStep = 50 * time.Millisecond

func newSim(t *testing.T, cfg Config, ups []int, superSeed bool) *sim {
	t.Helper()
	return newSimSeeded(t, cfg, ups, superSeed, 7)
}

// newSimSeeded is newSim with the random choices of the nodes drawn from
// seed.
func newSimSeeded(t *testing.T, cfg Config, ups []int, superSeed bool, seed uint64) *sim {
	t.Helper()
	s := &sim{t: t, now: t0, block: make([]byte, bt.BlockSize), closed: map[[2]Peer]bool{}}
	for i, up := range ups {
		c := cfg
		c.Rand = rand.New(rand.NewPCG(uint64(i)+1, seed))
		if i == 0 {
			c.Have = bitfield.New(cfg.NumPieces)
			c.Have.SetAll()
			c.SuperSeed = superSeed
		}
		st, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		s.nodes = append(s.nodes, &simNode{st: st, up: up, serve: map[Peer][]wire.Message{}})
	}
	for i := range s.nodes {
		for j := range i {
			s.route(Peer(i), s.nodes[i].st.AddPeer(s.now, Peer(j), PeerInfo{Fast: true}))
			s.route(Peer(j), s.nodes[j].st.AddPeer(s.now, Peer(i), PeerInfo{Fast: true}))
		}
	}
	s.drain()
	return s
}

// route carries out the actions of node from.
func (s *sim) route(from Peer, acts []Action) {
	n := s.nodes[from]
	acts = append([]Action(nil), acts...) // valid only until the next call
	for _, a := range acts {
		switch a.Kind {
		case Send:
			s.queue = append(s.queue, simMsg{from: from, to: a.Peer, m: a.Msg})
		case Serve:
			if !slices.Contains(n.order, a.Peer) {
				n.order = append(n.order, a.Peer)
			}
			n.serve[a.Peer] = append(n.serve[a.Peer], a.Msg)
		case Unserve:
			q := n.serve[a.Peer]
			for i, m := range q {
				if m.Index == a.Msg.Index && m.Begin == a.Msg.Begin {
					n.serve[a.Peer] = append(q[:i:i], q[i+1:]...)
					break
				}
			}
		case UnserveAll:
			n.serve[a.Peer] = n.serve[a.Peer][:0]
		case Hash:
			s.route(from, n.st.PieceHashed(s.now, int(a.Msg.Index), true))
		case Completed:
			n.done = s.now.Sub(t0)
		case Close:
			s.disconnect(from, a.Peer)
		case Ban:
			s.t.Fatalf("node %d: %v", from, a)
		}
	}
}

// disconnect closes the connection between a and b on both sides.
func (s *sim) disconnect(a, b Peer) {
	key := [2]Peer{min(a, b), max(a, b)}
	if s.closed[key] {
		return
	}
	s.closed[key] = true
	for _, x := range [][2]Peer{{a, b}, {b, a}} {
		n := s.nodes[x[0]]
		delete(n.serve, x[1])
		s.route(x[0], n.st.RemovePeer(s.now, x[1]))
	}
}

func (s *sim) drain() {
	for len(s.queue) > 0 {
		m := s.queue[0]
		s.queue = s.queue[1:]
		if s.closed[[2]Peer{min(m.from, m.to), max(m.from, m.to)}] {
			continue
		}
		s.route(m.to, s.nodes[m.to].st.Handle(s.now, m.from, m.m))
	}
}

// step moves time on by simStep: every node sends up to its rate of
// queued blocks, round robin over the peers it serves.
func (s *sim) step() {
	s.now = s.now.Add(simStep)
	for i, n := range s.nodes {
		// A token bucket of 64 KiB: sending may run into debt by a block.
		budget := n.up * int(simStep) / int(time.Second)
		n.tokens = min(64<<10+budget, n.tokens+budget)
		for n.tokens > 0 {
			p, ok := n.nextServe(s, Peer(i))
			if !ok {
				break
			}
			r := n.serve[p][0]
			n.serve[p] = n.serve[p][1:]
			n.tokens -= int(r.Length)
			n.sent += int64(r.Length)
			n.st.Uploaded(s.now, p, int(r.Length))
			s.route(p, s.nodes[p].st.Handle(s.now, Peer(i), wire.Message{ID: wire.Piece, Index: r.Index, Begin: r.Begin, Payload: s.block[:r.Length]}))
			s.drain()
		}
	}
	if s.now.Sub(t0)%time.Second == 0 {
		for i, n := range s.nodes {
			s.route(Peer(i), n.st.Tick(s.now))
		}
	}
	s.drain()
	if s.full == 0 && s.leechersHoldAll() {
		s.full = s.now.Sub(t0)
		s.seedAtFull = s.nodes[0].sent
	}
}

// simMaxPassed mirrors peerconn's bound on how often a waiting
// connection is passed over.
const simMaxPassed = 8

// nextServe picks the next peer to send a block to the way the engine's
// upload scheduler does: the peer whose first queued request belongs to
// the piece with the fewest requests queued, ties round robin, and no
// peer passed over more than simMaxPassed times in a row.
func (n *simNode) nextServe(s *sim, self Peer) (Peer, bool) {
	if n.passed == nil {
		n.passed = map[Peer]int{}
	}
	best, bestLeft, bestPassed := Peer(0), -1, false
	for range len(n.order) {
		p := n.order[n.next%len(n.order)]
		n.next++
		q := n.serve[p]
		if len(q) == 0 || s.closed[[2]Peer{min(self, p), max(self, p)}] {
			continue
		}
		left := 0
		for left < len(q) && q[left].Index == q[0].Index {
			left++
		}
		passed := n.passed[p] >= simMaxPassed
		if bestLeft < 0 || (passed && !bestPassed) || (passed == bestPassed && !passed && left < bestLeft) {
			best, bestLeft, bestPassed = p, left, passed
		}
	}
	if bestLeft < 0 {
		return 0, false
	}
	for p, q := range n.serve {
		if len(q) > 0 && p != best {
			n.passed[p]++
		}
	}
	n.passed[best] = 0
	n.next = slices.Index(n.order, best) + 1
	return best, true
}

func (s *sim) leechersHoldAll() bool {
	u := bitfield.New(s.nodes[0].st.cfg.NumPieces)
	for _, n := range s.nodes[1:] {
		bf := n.st.Bitfield()
		for i := range bf.Len() {
			if bf.Has(i) {
				u.Set(i)
			}
		}
	}
	return u.Full()
}

func (s *sim) allDone() bool {
	for _, n := range s.nodes[1:] {
		if !n.st.Complete() {
			return false
		}
	}
	return true
}

func (s *sim) run(limit time.Duration) {
	s.t.Helper()
	for s.now.Sub(t0) < limit {
		s.step()
		if s.allDone() {
			return
		}
	}
	s.t.Fatalf("swarm not complete after %v", limit)
}

// TestSuperSeedSwarm runs a seed and three leechers in memory. A
// super-seed uploads about one copy until the leechers hold every piece
// between them and all complete; a normal seed with the same slow uplink
// sends some pieces more than once first.
func TestSuperSeedSwarm(t *testing.T) {
	const (
		pieces = 48
		pl     = 4 * bt.BlockSize
	)
	cfg := Config{NumPieces: pieces, PieceLength: pl, TotalLength: pieces * pl}
	ups := []int{256 << 10, 512 << 10, 512 << 10, 512 << 10}
	total := int64(pieces * pl)
	var normal int64
	for _, super := range []bool{false, true} {
		s := newSim(t, cfg, ups, super)
		s.run(5 * time.Minute)
		first := float64(s.seedAtFull) / float64(total)
		all := float64(s.nodes[0].sent) / float64(total)
		t.Logf("super=%v: one copy in the swarm after %v, seed uploaded %.2f copies by then, %.2f in all; all done after %v",
			super, s.full, first, all, s.now.Sub(t0))
		if !super {
			normal = s.nodes[0].sent
			continue
		}
		if first > 1.1 || all > 1.1 {
			t.Errorf("super-seed uploaded %.2f copies before the swarm held one, %.2f in all", first, all)
		}
		if float64(s.nodes[0].sent) > 0.9*float64(normal) {
			t.Errorf("super-seed uploaded %d bytes in all, normal seed %d", s.nodes[0].sent, normal)
		}
		if s.nodes[0].st.SuperSeeding() {
			t.Error("still super-seeding after every piece spread")
		}
		if st := s.nodes[0].st.Stats(s.now, false); st.SuperSeedUploaded <= 0 || st.SuperSeedUploaded > s.seedAtFull {
			t.Errorf("SuperSeedUploaded = %d, want up to %d", st.SuperSeedUploaded, s.seedAtFull)
		}
	}
}
