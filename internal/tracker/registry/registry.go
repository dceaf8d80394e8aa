package registry

import (
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"

	"shoal/internal/bt"
)

// DefaultShards is the number of shards a Registry uses when asked for none.
const DefaultShards = 64

type shard struct {
	mu sync.Mutex
	t  *Table
	_  [40]byte // keep neighbouring locks off one cache line
}

// Registry is a Table split into independently locked shards by info hash.
// It is safe for concurrent use.
type Registry struct {
	seed   maphash.Seed
	mask   uint64
	shards []shard
}

// New returns an empty registry with the given number of shards (rounded up
// to a power of two; zero means DefaultShards). Each shard draws its random
// peer selections from a generator derived from seed.
func New(cfg Config, shards int, seed uint64) *Registry {
	if shards <= 0 {
		shards = DefaultShards
	}
	n := 1
	for n < shards {
		n <<= 1
	}
	r := &Registry{
		seed:   maphash.MakeSeed(),
		mask:   uint64(n - 1),
		shards: make([]shard, n),
	}
	for i := range r.shards {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		r.shards[i].t = NewTable(cfg, rng)
	}
	return r
}

func (r *Registry) shard(h bt.InfoHash) *shard {
	return &r.shards[maphash.Comparable(r.seed, h)&r.mask]
}

// Announce is Table.Announce on the swarm's shard.
func (r *Registry) Announce(now time.Time, p AnnounceParams, dst []Endpoint) (AnnounceResult, error) {
	sh := r.shard(p.InfoHash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.t.Announce(now, p, dst)
}

// AnnounceCompact is Table.AnnounceCompact on the swarm's shard.
func (r *Registry) AnnounceCompact(now time.Time, p AnnounceParams, dst []byte) (AnnounceResult, []byte, error) {
	sh := r.shard(p.InfoHash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.t.AnnounceCompact(now, p, dst)
}

// Scrape appends the counters of each of hashes, in order, to dst.
func (r *Registry) Scrape(hashes []bt.InfoHash, dst []SwarmStats) []SwarmStats {
	for _, h := range hashes {
		sh := r.shard(h)
		sh.mu.Lock()
		dst = append(dst, sh.t.Scrape(h))
		sh.mu.Unlock()
	}
	return dst
}

// Expire is Table.Expire over every shard, one shard locked at a time.
func (r *Registry) Expire(now time.Time) int {
	n := 0
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		n += sh.t.Expire(now)
		sh.mu.Unlock()
	}
	return n
}

// Stats appends the counters of every swarm to dst, in no particular order.
func (r *Registry) Stats(dst []SwarmStats) []SwarmStats {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		dst = sh.t.Stats(dst)
		sh.mu.Unlock()
	}
	return dst
}

// Export appends a full copy of every swarm to dst.
func (r *Registry) Export(dst []SwarmState) []SwarmState {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		dst = sh.t.Export(dst)
		sh.mu.Unlock()
	}
	return dst
}

// Len returns the number of swarms and peers.
func (r *Registry) Len() (swarms, peers int) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		s, p := sh.t.Len()
		sh.mu.Unlock()
		swarms += s
		peers += p
	}
	return swarms, peers
}

// Restore is Table.Restore on the swarm's shard.
func (r *Registry) Restore(st SwarmState) {
	sh := r.shard(st.InfoHash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.t.Restore(st)
}

// Apply merges changes made elsewhere; see Table.Apply.
func (r *Registry) Apply(b Batch) {
	for _, c := range b.Peers {
		sh := r.shard(c.InfoHash)
		sh.mu.Lock()
		sh.t.applyPeer(c)
		sh.mu.Unlock()
	}
	for _, c := range b.Completed {
		sh := r.shard(c.InfoHash)
		sh.mu.Lock()
		sh.t.applyCompleted(c)
		sh.mu.Unlock()
	}
}

// TakeChanges collects the changes of every shard; see Table.TakeChanges.
func (r *Registry) TakeChanges(b *Batch) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		sh.t.TakeChanges(b)
		sh.mu.Unlock()
	}
}
