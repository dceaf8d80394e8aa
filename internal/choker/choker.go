package choker

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"
)

// Peer is the choker's view of one connected peer.
type Peer struct {
	ID          int       // caller's identifier, unique in one Rechoke call
	Interested  bool      // the peer is interested in us
	Choked      bool      // we currently choke the peer
	DownRate    float64   // bytes/s we receive from the peer
	UpRate      float64   // bytes/s we send to the peer
	ConnectedAt time.Time // when the connection was established
	Snubbed     bool      // the peer sent us nothing for a while although it unchoked us
}

// Config tunes a Choker. Zero fields take the defaults shown.
type Config struct {
	Slots              int           // regular unchoke slots; default 4
	Interval           time.Duration // full re-evaluation period; default 10s
	OptimisticInterval time.Duration // optimistic unchoke rotation; default 30s
}

// Defaults of Config.
const (
	DefaultSlots              = 4
	DefaultInterval           = 10 * time.Second
	DefaultOptimisticInterval = 30 * time.Second
)

// newPeerWeight is how much more likely a newly connected peer is to be
// chosen as the optimistic unchoke.
const newPeerWeight = 3

// Choker holds the unchoke set between calls. It is not safe for concurrent use.
type Choker struct {
	cfg Config

	started  bool
	seeding  bool
	lastFull time.Time

	regular []int // IDs holding regular slots, best first
	opt     int
	hasOpt  bool
	lastOpt time.Time

	// served is when each peer was last in the unchoke set; while seeding,
	// the last regular slot goes to the peer that waited longest.
	served map[int]time.Time

	byID  map[int]int // scratch: ID -> index in peers
	cand  []int       // scratch: indices into peers
	fresh *rand.Rand  // used when Rechoke gets a nil rand
}

// New returns a Choker with cfg, defaults filled in.
func New(cfg Config) *Choker {
	if cfg.Slots <= 0 {
		cfg.Slots = DefaultSlots
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.OptimisticInterval <= 0 {
		cfg.OptimisticInterval = DefaultOptimisticInterval
	}
	return &Choker{cfg: cfg, byID: make(map[int]int), served: make(map[int]time.Time)}
}

// Config returns the configuration in use, defaults filled in.
func (c *Choker) Config() Config { return c.cfg }

// Optimistic reports the peer holding the optimistic unchoke, if any.
func (c *Choker) Optimistic() (id int, ok bool) { return c.opt, c.hasOpt }

// Regular returns the peers holding regular slots, best first.
func (c *Choker) Regular() []int { return slices.Clone(c.regular) }

// Rechoke returns the IDs of the peers that must be unchoked at now; every
// other peer in peers must be choked. The result is a new slice: regular
// slots best first, then the optimistic unchoke.
//
// A full evaluation happens on the first call, when Interval has passed
// since the last one, when seeding changes, or when the clock went
// backwards. It gives the Slots regular slots to the interested peers with
// the best DownRate (leeching; snubbed peers excluded) or UpRate (seeding),
// ties going to peers already unchoked, then (seeding) newer connections,
// then chance. While seeding with two or more slots, the last regular slot
// instead goes round: to the interested peer unchoked least recently (never
// unchoked first, then newer connections), so that every peer gets the
// seed's upload in turn and none waits on the optimistic unchoke alone. It
// rotates the optimistic unchoke when OptimisticInterval has
// passed: a random interested peer without a regular slot, newly connected
// peers (younger than OptimisticInterval) weighted three to one.
//
// Any other call keeps the current holders, drops peers that are gone or no
// longer interested, and fills free slots at once with the best remaining
// peers; a lost optimistic unchoke is replaced at once.
func (c *Choker) Rechoke(now time.Time, peers []Peer, seeding bool, rnd *rand.Rand) []int {
	if rnd == nil {
		if c.fresh == nil {
			c.fresh = rand.New(rand.NewPCG(1, 2))
		}
		rnd = c.fresh
	}
	clear(c.byID)
	for i, p := range peers {
		if _, dup := c.byID[p.ID]; !dup {
			c.byID[p.ID] = i
		}
	}

	full := !c.started || seeding != c.seeding || now.Before(c.lastFull) ||
		now.Sub(c.lastFull) >= c.cfg.Interval
	if full {
		c.started, c.seeding, c.lastFull = true, seeding, now
		c.regular = c.regular[:0]
	} else {
		c.regular = slices.DeleteFunc(c.regular, func(id int) bool {
			i, ok := c.byID[id]
			return !ok || !peers[i].Interested
		})
	}
	if full && seeding && c.cfg.Slots >= 2 {
		c.fillSlots(peers, seeding, false, rnd, c.cfg.Slots-1)
		c.fillRoundRobin(peers)
	}
	c.fill(peers, seeding, !full, rnd)

	optValid := c.hasOpt && c.eligibleOptimistic(peers, c.opt)
	rotate := !optValid ||
		(full && (now.Before(c.lastOpt) || now.Sub(c.lastOpt) >= c.cfg.OptimisticInterval))
	if rotate {
		c.rotate(now, peers, rnd)
	}

	out := make([]int, 0, len(c.regular)+1)
	out = append(out, c.regular...)
	if c.hasOpt {
		out = append(out, c.opt)
	}
	if full {
		for id := range c.served {
			if _, ok := c.byID[id]; !ok {
				delete(c.served, id)
			}
		}
	}
	for _, id := range out {
		c.served[id] = now
	}
	return out
}

// fillRoundRobin gives one free regular slot to the interested peer that
// has waited longest since it was last unchoked.
func (c *Choker) fillRoundRobin(peers []Peer) {
	best := -1
	for i, p := range peers {
		if c.byID[p.ID] != i || !p.Interested || slices.Contains(c.regular, p.ID) {
			continue
		}
		if best < 0 || c.waitedLonger(&p, &peers[best]) {
			best = i
		}
	}
	if best >= 0 {
		c.regular = append(c.regular, peers[best].ID)
	}
}

// waitedLonger reports whether a was unchoked less recently than b (never
// counts as longest), newer connections first among equals.
func (c *Choker) waitedLonger(a, b *Peer) bool {
	sa, sb := c.served[a.ID], c.served[b.ID]
	if !sa.Equal(sb) {
		return sa.Before(sb)
	}
	return a.ConnectedAt.After(b.ConnectedAt)
}

// fill gives free regular slots to the best peers not already holding one.
// Between full evaluations the optimistic unchoke keeps its own slot and is
// not promoted.
func (c *Choker) fill(peers []Peer, seeding, keepOpt bool, rnd *rand.Rand) {
	c.fillSlots(peers, seeding, keepOpt, rnd, c.cfg.Slots)
}

// fillSlots fills regular slots up to slots by rate.
func (c *Choker) fillSlots(peers []Peer, seeding, keepOpt bool, rnd *rand.Rand, slots int) {
	free := slots - len(c.regular)
	if free <= 0 {
		return
	}
	c.cand = c.cand[:0]
	for i, p := range peers {
		if c.byID[p.ID] != i || !p.Interested || (p.Snubbed && !seeding) ||
			slices.Contains(c.regular, p.ID) || (keepOpt && c.hasOpt && p.ID == c.opt) {
			continue
		}
		c.cand = append(c.cand, i)
	}
	rnd.Shuffle(len(c.cand), func(i, j int) { c.cand[i], c.cand[j] = c.cand[j], c.cand[i] })
	slices.SortStableFunc(c.cand, func(a, b int) int {
		pa, pb := &peers[a], &peers[b]
		ra, rb := pa.DownRate, pb.DownRate
		if seeding {
			ra, rb = pa.UpRate, pb.UpRate
		}
		if r := cmp.Compare(rb, ra); r != 0 {
			return r
		}
		if pa.Choked != pb.Choked {
			if !pa.Choked {
				return -1
			}
			return 1
		}
		if seeding {
			return pb.ConnectedAt.Compare(pa.ConnectedAt)
		}
		return 0
	})
	for _, i := range c.cand[:min(free, len(c.cand))] {
		c.regular = append(c.regular, peers[i].ID)
	}
}

// eligibleOptimistic reports whether id may hold the optimistic unchoke.
func (c *Choker) eligibleOptimistic(peers []Peer, id int) bool {
	i, ok := c.byID[id]
	return ok && peers[i].Interested && !slices.Contains(c.regular, id)
}

// rotate picks a new optimistic unchoke, avoiding the current one when
// anyone else qualifies.
func (c *Choker) rotate(now time.Time, peers []Peer, rnd *rand.Rand) {
	c.cand = c.cand[:0]
	total := 0
	weight := func(p *Peer) int {
		if now.Sub(p.ConnectedAt) < c.cfg.OptimisticInterval {
			return newPeerWeight
		}
		return 1
	}
	for i := range peers {
		p := &peers[i]
		if c.byID[p.ID] != i || !c.eligibleOptimistic(peers, p.ID) || (c.hasOpt && p.ID == c.opt) {
			continue
		}
		c.cand = append(c.cand, i)
		total += weight(p)
	}
	if total == 0 {
		// Nobody else: keep the current holder if it still qualifies.
		if c.hasOpt && c.eligibleOptimistic(peers, c.opt) {
			c.lastOpt = now
			return
		}
		c.hasOpt = false
		return
	}
	r := rnd.IntN(total)
	for _, i := range c.cand {
		r -= weight(&peers[i])
		if r < 0 {
			c.opt, c.hasOpt, c.lastOpt = peers[i].ID, true, now
			return
		}
	}
}
