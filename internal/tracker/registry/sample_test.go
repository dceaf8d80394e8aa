package registry

import (
	"math/rand/v2"
	"testing"
)

// TestSampleDistinct checks sample on every small range: it returns
// min(n, range) distinct slots from [lo, len), never self, and over 300
// draws reaches every slot.
func TestSampleDistinct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for size := 1; size <= 2*sampleRun+3; size++ {
		f := &family{}
		for i := range size {
			f.insert(entry{id: pid(i), ep: keyOf(v4(i)), left: 1})
		}
		for lo := range min(size, 3) {
			for _, self := range []int{-1, lo, size - 1} {
				m := size - lo
				if self >= lo {
					m--
				}
				skip := &entry{id: pid(-1)}
				for _, n := range []int{0, 1, 2, sampleRun - 1, sampleRun, sampleRun + 1, m - 1, m, m + 1} {
					reached := map[int]bool{}
					for range 300 {
						got := f.sample(nil, lo, self, skip, n, rng)
						if len(got) != max(min(n, m), 0) {
							t.Fatalf("size %d lo %d self %d n %d: %d peers", size, lo, self, n, len(got))
						}
						seen := map[int]bool{}
						for _, e := range got {
							i, ok := f.lookup(keyOf(e.Addr))
							if !ok || i < lo || i == self || seen[i] {
								t.Fatalf("size %d lo %d self %d n %d: slot %d (found %v) in %v", size, lo, self, n, i, ok, got)
							}
							seen[i] = true
							reached[i] = true
						}
					}
					if n > 0 && len(reached) != m {
						t.Errorf("size %d lo %d self %d n %d: 300 draws reached %d of %d slots", size, lo, self, n, len(reached), m)
					}
				}
			}
		}
	}
}

func TestSampleSkipsPeerID(t *testing.T) {
	f := &family{}
	for i := range 20 {
		id := pid(i % 2) // two clients, ten endpoints each
		f.insert(entry{id: id, ep: keyOf(v4(i)), left: 1})
	}
	skip := &entry{id: pid(0)}
	got := f.sample(nil, 0, 0, skip, 100, rand.New(rand.NewPCG(1, 2)))
	if len(got) != 10 {
		t.Fatalf("%d peers, want the 10 of the other client", len(got))
	}
	for _, e := range got {
		if e.ID != pid(1) {
			t.Fatalf("returned %q", e.ID)
		}
	}
}

// TestSampleCompactMatchesSample checks that, drawing the same random
// choices, sampleCompact writes exactly the peers sample returns, in both
// families, including skipping entries that carry the announcer's peer id.
func TestSampleCompactMatchesSample(t *testing.T) {
	for _, v6fam := range []bool{false, true} {
		f := &family{}
		for i := range 40 {
			ep := v4(i)
			if v6fam {
				ep = v6(i)
			}
			id := pid(i)
			if i%7 == 0 {
				id = pid(-1) // same id as the announcer
			}
			f.insert(entry{id: id, ep: keyOf(ep), left: int64(i % 3)})
		}
		skip := &entry{id: pid(-1)}
		for n := range 45 {
			for _, lo := range []int{0, f.seeders} {
				want := f.sample(nil, lo, 3, skip, n, rand.New(rand.NewPCG(uint64(n), 9)))
				got := decodeCompact(t, f.sampleCompact(nil, lo, 3, skip, n, rand.New(rand.NewPCG(uint64(n), 9))), v6fam)
				if len(got) != len(want) {
					t.Fatalf("v6 %v n %d lo %d: %d compact peers, want %d", v6fam, n, lo, len(got), len(want))
				}
				for i := range got {
					if got[i].Addr != want[i].Addr {
						t.Fatalf("v6 %v n %d lo %d: peer %d is %v, want %v", v6fam, n, lo, i, got[i].Addr, want[i].Addr)
					}
				}
			}
		}
	}
}
