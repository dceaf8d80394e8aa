package registry

import (
	"encoding/binary"
	"math/rand/v2"

	"shoal/internal/bt"
)

// family holds the peers of one address family of one swarm. peers is dense
// and partitioned: seeders occupy peers[:seeders], leechers the rest. index
// maps each endpoint to its slot. Every operation is O(1) except sampling,
// which is O(n) in the number of peers returned.
type family struct {
	peers   []entry
	seeders int
	index   map[endpointKey]int32
}

func (f *family) len() int { return len(f.peers) }

func (f *family) lookup(k endpointKey) (int, bool) {
	i, ok := f.index[k]
	return int(i), ok
}

// move copies the entry at from to slot to and updates the index.
func (f *family) move(from, to int) {
	if from == to {
		return
	}
	f.peers[to] = f.peers[from]
	f.index[f.peers[to].ep] = int32(to)
}

func (f *family) swap(a, b int) {
	if a == b {
		return
	}
	f.peers[a], f.peers[b] = f.peers[b], f.peers[a]
	f.index[f.peers[a].ep] = int32(a)
	f.index[f.peers[b].ep] = int32(b)
}

// insert adds e and returns its slot.
func (f *family) insert(e entry) int {
	if f.index == nil {
		f.index = make(map[endpointKey]int32)
	}
	i := len(f.peers)
	f.peers = append(f.peers, e)
	f.index[e.ep] = int32(i)
	if e.seeder() {
		f.swap(i, f.seeders)
		i = f.seeders
		f.seeders++
	}
	return i
}

// remove deletes the entry at slot i, keeping the partition.
func (f *family) remove(i int) {
	delete(f.index, f.peers[i].ep)
	last := len(f.peers) - 1
	if i < f.seeders {
		ls := f.seeders - 1
		f.move(ls, i)
		f.move(last, ls)
		f.seeders--
	} else {
		f.move(last, i)
	}
	f.peers[last] = entry{}
	f.peers = f.peers[:last]
	if len(f.peers) == 0 {
		f.peers = nil
		f.index = nil
		f.seeders = 0
	} else if cap(f.peers) > 64 && len(f.peers) < cap(f.peers)/4 {
		f.peers = append([]entry(nil), f.peers...)
	}
}

// setLeft updates the entry at slot i and moves it across the partition if
// its role changed. It returns the entry's new slot.
func (f *family) setLeft(i int, left int64) int {
	wasSeeder := i < f.seeders
	f.peers[i].left = left
	isSeeder := left == 0
	switch {
	case isSeeder && !wasSeeder:
		f.swap(i, f.seeders)
		i = f.seeders
		f.seeders++
	case !isSeeder && wasSeeder:
		f.swap(i, f.seeders-1)
		i = f.seeders - 1
		f.seeders--
	}
	return i
}

// sampleRun is how many consecutive slots sample takes at a time: enough
// that reading them is one sequential sweep of memory, few enough that a
// selection still comes from all over the range.
const sampleRun = 8

// sample appends up to n distinct peers from slots [lo, len) other than slot
// self and other than entries carrying peer id skip. The range, rotated by a
// random offset, is cut into runs of sampleRun consecutive slots, and the
// runs are visited from a random one with a random stride coprime to their
// number: the selection is spread over the whole range without copying it,
// and memory is read a run at a time rather than a slot at a time.
func (f *family) sample(dst []Endpoint, lo, self int, skip *entry, n int, rng *rand.Rand) []Endpoint {
	hi := len(f.peers)
	m := hi - lo
	selfIn := self >= lo && self < hi
	if selfIn {
		m--
	}
	if n <= 0 || m <= 0 {
		return dst
	}
	n = min(n, m)
	offset, run, step := 0, 0, 1
	runs := (m + sampleRun - 1) / sampleRun
	if n < m {
		offset = rng.IntN(m)
		run = rng.IntN(runs)
		step = coprimeStep(runs, rng)
	}
	for taken := 0; taken < n; {
		first := run * sampleRun
		for j := first; j < min(first+sampleRun, m) && taken < n; j++ {
			k := j + offset
			if k >= m {
				k -= m
			}
			i := lo + k
			if selfIn && i >= self {
				i++
			}
			taken++
			e := &f.peers[i]
			if !sameID(&e.id, &skip.id) {
				dst = append(dst, Endpoint{ID: e.id, Addr: e.ep.addrPort()})
			}
		}
		run += step
		if run >= runs {
			run -= runs
		}
	}
	return dst
}

// sameID is e.id == skip.id for the sampling loop, as three word compares
// instead of a call.
func sameID(a, b *bt.PeerID) bool {
	return binary.LittleEndian.Uint64(a[0:8]) == binary.LittleEndian.Uint64(b[0:8]) &&
		binary.LittleEndian.Uint64(a[8:16]) == binary.LittleEndian.Uint64(b[8:16]) &&
		binary.LittleEndian.Uint32(a[16:20]) == binary.LittleEndian.Uint32(b[16:20])
}

// coprimeStep returns a random stride in [1, m) that is coprime to m, so
// that stepping by it visits every residue modulo m once.
func coprimeStep(m int, rng *rand.Rand) int {
	if m <= 2 {
		return 1
	}
	for range 16 {
		s := 1 + rng.IntN(m-1)
		if gcd(s, m) == 1 {
			return s
		}
	}
	return 1
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
