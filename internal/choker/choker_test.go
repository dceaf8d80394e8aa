package choker

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func seeded() *rand.Rand { return rand.New(rand.NewPCG(7, 11)) }

// old returns interested peers connected long ago with the given down rates.
func old(rates ...float64) []Peer {
	ps := make([]Peer, len(rates))
	for i, r := range rates {
		ps[i] = Peer{ID: i, Interested: true, Choked: true, DownRate: r, UpRate: r, ConnectedAt: t0.Add(-time.Hour)}
	}
	return ps
}

func split(c *Choker, out []int) (regular []int, opt int, ok bool) {
	opt, ok = c.Optimistic()
	if ok {
		if out[len(out)-1] != opt {
			panic("optimistic not last")
		}
		return out[:len(out)-1], opt, true
	}
	return out, 0, false
}

func TestTopSlotsLeeching(t *testing.T) {
	tests := []struct {
		name     string
		peers    []Peer
		wantReg  []int
		optAmong []int
	}{
		{
			name:     "top four by down rate",
			peers:    old(10, 80, 30, 70, 50, 60, 20, 40),
			wantReg:  []int{1, 3, 5, 4},
			optAmong: []int{0, 2, 6, 7},
		},
		{
			name: "uninterested and snubbed get no regular slot",
			peers: func() []Peer {
				ps := old(10, 80, 30, 70, 50, 60, 20, 40)
				ps[1].Interested = false
				ps[3].Snubbed = true
				return ps
			}(),
			wantReg:  []int{5, 4, 7, 2},
			optAmong: []int{0, 3, 6}, // snubbed peers may be optimistic
		},
		{
			name:     "fewer peers than slots",
			peers:    old(5, 9),
			wantReg:  []int{1, 0},
			optAmong: nil,
		},
		{
			name:    "one more than slots",
			peers:   old(5, 9, 1, 3, 4),
			wantReg: []int{1, 0, 4, 3}, optAmong: []int{2},
		},
		{name: "nobody", peers: nil, wantReg: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{})
			out := c.Rechoke(t0, tt.peers, false, seeded())
			reg, opt, ok := split(c, out)
			if !slices.Equal(reg, tt.wantReg) {
				t.Fatalf("regular %v, want %v", reg, tt.wantReg)
			}
			if ok != (len(tt.optAmong) > 0) || (ok && !slices.Contains(tt.optAmong, opt)) {
				t.Fatalf("optimistic %d (%v), want one of %v", opt, ok, tt.optAmong)
			}
		})
	}
}

func TestSeedingUsesUpRate(t *testing.T) {
	ps := old(1, 2, 3, 4, 5, 6)
	for i := range ps {
		ps[i].UpRate = float64(100 - i) // reversed order
		ps[i].Snubbed = true            // irrelevant when seeding
	}
	c := New(Config{Slots: 3})
	reg, _, _ := split(c, c.Rechoke(t0, ps, true, seeded()))
	if want := []int{0, 1, 2}; !slices.Equal(reg, want) {
		t.Fatalf("regular %v, want %v", reg, want)
	}
}

func TestSeedingTieBreakNewest(t *testing.T) {
	ps := old(0, 0, 0, 0, 0, 0)
	for i := range ps {
		ps[i].UpRate = 0
		ps[i].ConnectedAt = t0.Add(-time.Duration(i) * time.Minute) // 0 is newest
	}
	c := New(Config{Slots: 2})
	reg, _, _ := split(c, c.Rechoke(t0, ps, true, seeded()))
	if want := []int{0, 1}; !slices.Equal(reg, want) {
		t.Fatalf("regular %v, want %v", reg, want)
	}
}

func TestTiePrefersUnchoked(t *testing.T) {
	ps := old(0, 0, 0, 0, 0, 0, 0, 0)
	ps[6].Choked = false
	ps[7].Choked = false
	c := New(Config{Slots: 2})
	reg, _, _ := split(c, c.Rechoke(t0, ps, false, seeded()))
	slices.Sort(reg)
	if want := []int{6, 7}; !slices.Equal(reg, want) {
		t.Fatalf("regular %v, want %v", reg, want)
	}
}

func TestOptimisticRotation(t *testing.T) {
	ps := old(100, 90, 80, 70, 1, 1, 1, 1, 1, 1)
	c := New(Config{})
	rnd := seeded()
	var prev int
	for s := 0; s <= 120; s += 5 {
		now := at(time.Duration(s) * time.Second)
		reg, opt, ok := split(c, c.Rechoke(now, ps, false, rnd))
		if !ok {
			t.Fatalf("t=%ds: no optimistic unchoke", s)
		}
		if !slices.Equal(reg, []int{0, 1, 2, 3}) {
			t.Fatalf("t=%ds: regular %v", s, reg)
		}
		if opt < 4 {
			t.Fatalf("t=%ds: optimistic %d holds a regular slot", s, opt)
		}
		if s > 0 {
			rotated := opt != prev
			if want := s%30 == 0; rotated != want {
				t.Fatalf("t=%ds: rotated=%v, want %v", s, rotated, want)
			}
		}
		prev = opt
	}
}

func TestOptimisticPromotedIsReplaced(t *testing.T) {
	ps := old(100, 90, 80, 70, 1, 1)
	c := New(Config{})
	rnd := seeded()
	_, opt, _ := split(c, c.Rechoke(t0, ps, false, rnd))
	// The optimistic peer turns out to be the fastest.
	ps[opt].DownRate = 1000
	reg, opt2, ok := split(c, c.Rechoke(at(10*time.Second), ps, false, rnd))
	if reg[0] != opt {
		t.Fatalf("fast optimistic peer %d not promoted: %v", opt, reg)
	}
	if !ok || opt2 == opt || slices.Contains(reg, opt2) {
		t.Fatalf("optimistic %d (%v) after promotion of %d, regular %v", opt2, ok, opt, reg)
	}
}

func TestNewPeerBias(t *testing.T) {
	// Four fast peers take the regular slots; the optimistic unchoke is drawn
	// from four old peers and one new one. With weight 3 the new peer should
	// win 3/7 of the draws; without bias it would win 1/5.
	const trials = 7000
	rnd := seeded()
	wins := 0
	for range trials {
		ps := old(100, 90, 80, 70, 1, 1, 1, 1, 1)
		ps[8].ConnectedAt = t0.Add(-10 * time.Second)
		c := New(Config{})
		_, opt, ok := split(c, c.Rechoke(t0, ps, false, rnd))
		if !ok {
			t.Fatal("no optimistic unchoke")
		}
		if opt == 8 {
			wins++
		}
	}
	got := float64(wins) / trials
	if got < 0.40 || got > 0.46 {
		t.Fatalf("new peer chosen %.3f of the time, want about %.3f", got, 3.0/7)
	}
}

func TestFreeSlotFilledAtOnce(t *testing.T) {
	ps := old(100, 90, 80, 70, 60, 50, 40)
	c := New(Config{})
	rnd := seeded()
	reg, opt, _ := split(c, c.Rechoke(t0, ps, false, rnd))
	if !slices.Equal(reg, []int{0, 1, 2, 3}) {
		t.Fatalf("regular %v", reg)
	}

	// Between evaluations a holder loses interest, another disconnects, and a
	// remaining peer becomes much faster: holders keep their slots, the two
	// free slots go to the best remaining peers at once, and the optimistic
	// unchoke stays.
	ps[1].Interested = false
	ps = slices.DeleteFunc(ps, func(p Peer) bool { return p.ID == 2 })
	for i := range ps {
		if ps[i].ID == 6 {
			ps[i].DownRate = 1000
		}
	}
	reg2, opt2, _ := split(c, c.Rechoke(at(3*time.Second), ps, false, rnd))
	want := []int{0, 3}
	var fill []int
	for _, id := range []int{6, 4, 5} {
		if id != opt {
			fill = append(fill, id)
		}
	}
	want = append(want, fill[:2]...)
	if !slices.Equal(reg2, want) || opt2 != opt {
		t.Fatalf("regular %v opt %d, want %v opt %d", reg2, opt2, want, opt)
	}

	// A new fast peer between evaluations does not displace anyone.
	ps = append(ps, Peer{ID: 9, Interested: true, Choked: true, DownRate: 5000, ConnectedAt: at(4 * time.Second)})
	reg3, _, _ := split(c, c.Rechoke(at(5*time.Second), ps, false, rnd))
	if !slices.Equal(reg3, reg2) {
		t.Fatalf("regular changed between evaluations: %v -> %v", reg2, reg3)
	}
	// The next full evaluation ranks it first.
	reg4, _, _ := split(c, c.Rechoke(at(10*time.Second), ps, false, rnd))
	if reg4[0] != 9 || reg4[1] != 6 {
		t.Fatalf("full evaluation: %v", reg4)
	}
}

func TestLostOptimisticReplacedAtOnce(t *testing.T) {
	ps := old(100, 90, 80, 70, 1, 1, 1)
	c := New(Config{})
	rnd := seeded()
	_, opt, _ := split(c, c.Rechoke(t0, ps, false, rnd))
	ps = slices.DeleteFunc(ps, func(p Peer) bool { return p.ID == opt })
	_, opt2, ok := split(c, c.Rechoke(at(time.Second), ps, false, rnd))
	if !ok || opt2 == opt || opt2 < 4 {
		t.Fatalf("optimistic %d (%v) after %d left", opt2, ok, opt)
	}
}

func TestSeedingChangeForcesEvaluation(t *testing.T) {
	ps := old(100, 90, 80, 70, 60, 50)
	for i := range ps {
		ps[i].UpRate = float64(i)
	}
	c := New(Config{Slots: 2})
	rnd := seeded()
	reg, _, _ := split(c, c.Rechoke(t0, ps, false, rnd))
	if !slices.Equal(reg, []int{0, 1}) {
		t.Fatalf("leeching %v", reg)
	}
	opt, _ := c.Optimistic()
	reg, _, _ = split(c, c.Rechoke(at(time.Second), ps, true, rnd))
	// The best by upload rate, then the round-robin slot: a peer that was
	// not unchoked while leeching.
	if len(reg) != 2 || reg[0] != 5 || reg[1] == 0 || reg[1] == 1 || reg[1] == opt {
		t.Fatalf("seeding %v (optimistic before: %d)", reg, opt)
	}
}

func TestSeedingRoundRobin(t *testing.T) {
	// Seven peers, four regular slots and the optimistic unchoke: one peer
	// is left out of every round, and rates alone would leave out the same
	// one. The round-robin slot must reach everyone within a few rounds.
	ps := old(0, 0, 0, 0, 0, 0, 0)
	for i := range ps {
		ps[i].UpRate = float64(100 - i)
	}
	c := New(Config{})
	rnd := seeded()
	served := map[int]bool{}
	for round := range 4 {
		for _, id := range c.Rechoke(at(time.Duration(round)*DefaultInterval), ps, true, rnd) {
			served[id] = true
		}
		reg, _, _ := split(c, c.Rechoke(at(time.Duration(round)*DefaultInterval), ps, true, rnd))
		if !slices.Equal(reg[:3], []int{0, 1, 2}) {
			t.Fatalf("round %d: regular %v, want the three fastest first", round, reg)
		}
	}
	if len(served) != len(ps) {
		t.Fatalf("unchoked %v in four rounds, want all %d peers", served, len(ps))
	}
}

func TestOddInputs(t *testing.T) {
	c := New(Config{Slots: -1, Interval: -1, OptimisticInterval: -1})
	if cfg := c.Config(); cfg.Slots != DefaultSlots || cfg.Interval != DefaultInterval ||
		cfg.OptimisticInterval != DefaultOptimisticInterval {
		t.Fatalf("defaults %+v", cfg)
	}
	ps := old(5, 5, 5)
	ps = append(ps, ps[0]) // duplicate ID
	out := c.Rechoke(t0, ps, false, nil)
	slices.Sort(out)
	if !slices.Equal(out, []int{0, 1, 2}) {
		t.Fatalf("out %v", out)
	}
	// Clock going backwards forces a full evaluation instead of failing.
	out = c.Rechoke(t0.Add(-time.Hour), ps, false, nil)
	if len(out) != 3 {
		t.Fatalf("out %v", out)
	}
	if c.Rechoke(t0, nil, false, nil) == nil {
		t.Fatal("nil result")
	}
}

func TestRegularAccessor(t *testing.T) {
	c := New(Config{Slots: 2})
	c.Rechoke(t0, old(1, 2, 3), false, seeded())
	r := c.Regular()
	r[0] = 99
	if c.Regular()[0] == 99 {
		t.Fatal("Regular exposes internal state")
	}
}
