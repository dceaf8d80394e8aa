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
//
// An IPv4 family also keeps hot, parallel to peers: each peer's address,
// port and peer id tag packed in one word (see packHot), so that a compact
// peer list is read from 8 bytes a peer instead of a whole entry.
type family struct {
	peers   []entry
	hot     []uint64 // IPv4 only, else nil
	seeders int
	index   map[endpointKey]int32 // IPv6 endpoint to slot
	index4  map[uint64]int32      // IPv4 endpoint (see key4) to slot
}

func (f *family) len() int { return len(f.peers) }

func (f *family) lookup(k endpointKey) (int, bool) {
	if k.is4() {
		i, ok := f.index4[key4(k)]
		return int(i), ok
	}
	i, ok := f.index[k]
	return int(i), ok
}

// move copies the entry at from to slot to and updates the index.
func (f *family) move(from, to int) {
	if from == to {
		return
	}
	f.peers[to] = f.peers[from]
	if f.hot != nil {
		f.hot[to] = f.hot[from]
	}
	f.setSlot(f.peers[to].ep, to)
}

func (f *family) swap(a, b int) {
	if a == b {
		return
	}
	f.peers[a], f.peers[b] = f.peers[b], f.peers[a]
	if f.hot != nil {
		f.hot[a], f.hot[b] = f.hot[b], f.hot[a]
	}
	f.setSlot(f.peers[a].ep, a)
	f.setSlot(f.peers[b].ep, b)
}

// insert adds e and returns its slot.
func (f *family) insert(e entry) int {
	i := len(f.peers)
	f.peers = append(f.peers, e)
	if e.ep.is4() {
		f.hot = append(f.hot, packHot(&e))
	}
	f.setSlot(e.ep, i)
	if e.seeder() {
		f.swap(i, f.seeders)
		i = f.seeders
		f.seeders++
	}
	return i
}

// remove deletes the entry at slot i, keeping the partition.
func (f *family) remove(i int) {
	if k := f.peers[i].ep; k.is4() {
		delete(f.index4, key4(k))
	} else {
		delete(f.index, k)
	}
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
	if f.hot != nil {
		f.hot = f.hot[:last]
	}
	if len(f.peers) == 0 {
		f.peers = nil
		f.hot = nil
		f.index = nil
		f.index4 = nil
		f.seeders = 0
	} else if cap(f.peers) > 64 && len(f.peers) < cap(f.peers)/4 {
		f.peers = append([]entry(nil), f.peers...)
		if f.hot != nil {
			f.hot = append([]uint64(nil), f.hot...)
		}
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
// self and other than entries carrying peer id skip; see pick.
func (f *family) sample(dst []Endpoint, lo, self int, skip *entry, n int, rng *rand.Rand) []Endpoint {
	f.pick(lo, self, n, rng, func(i int) {
		if e := &f.peers[i]; !sameID(&e.id, &skip.id) {
			dst = append(dst, Endpoint{ID: e.id, Addr: e.ep.addrPort()})
		}
	})
	return dst
}

// sampleCompact is sample writing each peer as a compact string: 4 (IPv4)
// or 16 (IPv6) address bytes and the port, big-endian (BEP 23, BEP 7).
// In an IPv4 family only the hot words are read, and an entry only when
// its peer id tag equals skip's.
func (f *family) sampleCompact(dst []byte, lo, self int, skip *entry, n int, rng *rand.Rand) []byte {
	if f.hot == nil {
		f.pick(lo, self, n, rng, func(i int) {
			if e := &f.peers[i]; !sameID(&e.id, &skip.id) {
				dst = append(dst, e.ep.ip[:]...)
				dst = append(dst, byte(e.ep.port>>8), byte(e.ep.port))
			}
		})
		return dst
	}
	tag := uint64(idTag(&skip.id))
	f.pick(lo, self, n, rng, func(i int) {
		h := f.hot[i]
		if h&0xffff == tag && sameID(&f.peers[i].id, &skip.id) {
			return
		}
		dst = append(dst, byte(h>>56), byte(h>>48), byte(h>>40), byte(h>>32), byte(h>>24), byte(h>>16))
	})
	return dst
}

// pick calls visit with up to n distinct slots from [lo, len) other than
// slot self. The range, rotated by a random offset, is cut into runs of
// sampleRun consecutive slots, and the runs are visited from a random one
// with a random stride coprime to their number: the selection is spread
// over the whole range without copying it, and memory is read a run at a
// time rather than a slot at a time.
func (f *family) pick(lo, self, n int, rng *rand.Rand, visit func(int)) {
	hi := len(f.peers)
	m := hi - lo
	selfIn := self >= lo && self < hi
	if selfIn {
		m--
	}
	if n <= 0 || m <= 0 {
		return
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
			visit(i)
		}
		run += step
		if run >= runs {
			run -= runs
		}
	}
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

// packHot packs an IPv4 entry's address, port and peer id tag, most
// significant first: address (32 bits), port (16), tag (16).
func packHot(e *entry) uint64 {
	ip := e.ep.ip[12:16]
	return uint64(binary.BigEndian.Uint32(ip))<<32 | uint64(e.ep.port)<<16 | uint64(idTag(&e.id))
}

// idTag folds a peer id into 16 bits; equal ids have equal tags.
func idTag(id *bt.PeerID) uint16 {
	x := binary.LittleEndian.Uint64(id[0:8]) ^ binary.LittleEndian.Uint64(id[8:16])*0x9e3779b97f4a7c15 ^
		uint64(binary.LittleEndian.Uint32(id[16:20]))*0xff51afd7ed558ccd
	x ^= x >> 32
	x ^= x >> 16
	return uint16(x)
}

// setID gives the entry at slot i a new peer id.
func (f *family) setID(i int, id bt.PeerID) {
	f.peers[i].id = id
	if f.hot != nil {
		f.hot[i] = packHot(&f.peers[i])
	}
}

// replace overwrites the entry at slot i with e, which has the same
// endpoint, and returns its slot after moving it to its role's partition.
func (f *family) replace(i int, e entry) int {
	left := e.left
	e.left = f.peers[i].left // setLeft moves the slot if the role changes
	f.peers[i] = e
	if f.hot != nil {
		f.hot[i] = packHot(&e)
	}
	return f.setLeft(i, left)
}

// setSlot records that endpoint k is at slot i.
func (f *family) setSlot(k endpointKey, i int) {
	if k.is4() {
		if f.index4 == nil {
			f.index4 = make(map[uint64]int32)
		}
		f.index4[key4(k)] = int32(i)
		return
	}
	if f.index == nil {
		f.index = make(map[endpointKey]int32)
	}
	f.index[k] = int32(i)
}

// indexLen returns the number of endpoints indexed.
func (f *family) indexLen() int { return len(f.index) + len(f.index4) }

// key4 packs an IPv4 endpoint into a word: address << 16 | port.
func key4(k endpointKey) uint64 {
	return uint64(binary.BigEndian.Uint32(k.ip[12:16]))<<16 | uint64(k.port)
}
