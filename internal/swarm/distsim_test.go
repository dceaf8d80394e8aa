package swarm

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shoal/internal/bt"
)

// distResult is the outcome of one simulated distribution.
type distResult struct {
	ratio  float64 // time for every leecher to complete / textbook bound
	wasted float64 // duplicate block bytes received, in copies of the file
	use    []float64
	done   []time.Duration
}

// simDistribution runs the distribution lab's setting in memory: a seed
// uploading at seedUp and n leechers at up each, a file of size bytes in
// pieces of pieceLen, and reports how far the last completion is from
// the peer-to-peer bound max(F/u_s, N·F/(u_s+N·u)).
func simDistribution(t *testing.T, n int, size, pieceLen int64, seedUp, up int, seed uint64) distResult {
	t.Helper()
	pieces := int((size + pieceLen - 1) / pieceLen)
	cfg := Config{NumPieces: pieces, PieceLength: pieceLen, TotalLength: size}
	ups := []int{seedUp}
	for range n {
		ups = append(ups, up)
	}
	s := newSimSeeded(t, cfg, ups, false, seed)
	var res distResult
	var last int64
	for !s.allDone() {
		if s.now.Sub(t0) > 30*time.Minute {
			t.Fatalf("swarm not complete after %v", s.now.Sub(t0))
		}
		s.step()
		if d := s.now.Sub(t0); d <= 20*time.Second && d%(500*time.Millisecond) == 0 {
			var sent int64
			for _, nd := range s.nodes {
				sent += nd.sent
			}
			capa := float64(seedUp+n*up) / 2
			res.use = append(res.use, float64(sent-last)/capa)
			last = sent
		}
	}
	for _, nd := range s.nodes[1:] {
		res.done = append(res.done, nd.done)
	}
	slices.Sort(res.done)
	var wasted int64
	for _, nd := range s.nodes[1:] {
		wasted += nd.st.Stats(s.now, false).Wasted
	}
	f := float64(size)
	bound := max(f/float64(seedUp), float64(n)*f/float64(seedUp+n*up))
	res.ratio = res.done[len(res.done)-1].Seconds() / bound
	res.wasted = float64(wasted) / f
	return res
}

// TestDistributionSim checks that the simulated peer-to-peer distribution
// of the lab's default setting stays close to the textbook bound: the
// median of a few runs within 5 %. SHOAL_DISTSIM=N1,N2,... runs other
// swarm sizes, SHOAL_DISTSIM_RUNS=k runs k times each (default 3, and 1
// from N=32 on, the slow ones) and SHOAL_DISTSIM_PIECE=bytes sets the piece
// length.
func TestDistributionSim(t *testing.T) {
	ns := []int{2, 8, 32}
	if !testing.Short() {
		ns = append(ns, 64)
	}
	if v := os.Getenv("SHOAL_DISTSIM"); v != "" {
		ns = ns[:0]
		for f := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			ns = append(ns, n)
		}
	}
	pieceLen := int64(4 * bt.BlockSize)
	if v := os.Getenv("SHOAL_DISTSIM_PIECE"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		pieceLen = int64(k)
	}
	runs := 3
	if testing.Short() {
		runs = 1
	}
	if v := os.Getenv("SHOAL_DISTSIM_RUNS"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 {
			t.Fatalf("SHOAL_DISTSIM_RUNS=%q", v)
		}
		runs = k
	}
	for _, n := range ns {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			runs := runs
			if n >= 32 && os.Getenv("SHOAL_DISTSIM_RUNS") == "" {
				runs = 1
			}
			var ratios []float64
			for seed := range uint64(runs) {
				r := simDistribution(t, n, 16<<20, pieceLen, 2560<<10, 256<<10, seed+1)
				ratios = append(ratios, r.ratio)
				if testing.Verbose() {
					var use []string
					for _, u := range r.use[:min(len(r.use), 12)] {
						use = append(use, fmt.Sprintf("%.2f", u))
					}
					t.Logf("seed %d: ratio %.3f, duplicates %.3f copies, completions %v..%v, upload use per 0.5 s %s",
						seed+1, r.ratio, r.wasted, r.done[0], r.done[len(r.done)-1], strings.Join(use, " "))
				}
			}
			slices.Sort(ratios)
			med := ratios[len(ratios)/2]
			t.Logf("N=%d: median ratio %.3f (%.3f..%.3f) over %d runs", n, med, ratios[0], ratios[len(ratios)-1], runs)
			if med > 1.05 {
				t.Errorf("N=%d: median ratio %.3f, want at most 1.05", n, med)
			}
		})
	}
}
