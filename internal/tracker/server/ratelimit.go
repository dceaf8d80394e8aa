package server

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate limit defaults for Config fields left zero.
const (
	// DefaultRateBurstFactor gives the burst as a multiple of the rate.
	DefaultRateBurstFactor = 10
	// DefaultRateLimitAddrs is how many source addresses the limiter tracks.
	DefaultRateLimitAddrs = 1 << 16

	limiterShards = 64
)

// limitKey is the unit a limit applies to: an IPv4 address, or the /64
// network of an IPv6 address (one IPv6 host usually has a whole /64, so
// limiting single IPv6 addresses would limit nothing).
type limitKey [16]byte

func limitKeyOf(a netip.Addr) limitKey {
	a = a.Unmap()
	if a.Is6() {
		a = netip.PrefixFrom(a.WithZone(""), 64).Masked().Addr()
	}
	return a.As16()
}

// limiter is a token bucket per source address with a bounded table. A
// bucket that has refilled completely is the same as a new one, so idle
// addresses can be forgotten without loss; when the table is full of busy
// addresses, arbitrary ones are forgotten (they start again with a full
// bucket).
type limiter struct {
	rate     rate.Limit
	burst    int
	perShard int
	seed     maphash.Seed
	shards   [limiterShards]limiterShard
}

type limiterShard struct {
	mu sync.Mutex
	m  map[limitKey]*rate.Limiter
	_  [40]byte // keep neighbouring locks off one cache line
}

// newLimiter returns a limiter allowing perSecond requests a second with
// bursts of burst from each address, tracking about maxAddrs addresses; nil
// (no limit) when perSecond is not positive.
func newLimiter(perSecond float64, burst, maxAddrs int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	l := &limiter{
		rate:     rate.Limit(perSecond),
		burst:    max(burst, 1),
		perShard: max(maxAddrs/limiterShards, 1),
		seed:     maphash.MakeSeed(),
	}
	for i := range l.shards {
		l.shards[i].m = make(map[limitKey]*rate.Limiter)
	}
	return l
}

// allow takes one token from addr's bucket at now. A nil limiter allows
// everything.
func (l *limiter) allow(now time.Time, addr netip.Addr) bool {
	if l == nil {
		return true
	}
	k := limitKeyOf(addr)
	sh := &l.shards[maphash.Comparable(l.seed, k)%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.m[k]
	if b == nil {
		if len(sh.m) >= l.perShard {
			l.evict(sh, now)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		sh.m[k] = b
	}
	return b.AllowN(now, 1)
}

// evict makes room in a full shard: it drops the buckets that have
// refilled, and if that frees less than an eighth of the shard, arbitrary
// others until it does, so that a table full of busy addresses is not
// swept on every new one.
func (l *limiter) evict(sh *limiterShard, now time.Time) {
	l.dropIdle(sh, now)
	target := l.perShard - max(l.perShard/8, 1)
	for k := range sh.m {
		if len(sh.m) <= target {
			return
		}
		delete(sh.m, k)
	}
}

func (l *limiter) dropIdle(sh *limiterShard, now time.Time) {
	full := float64(l.burst)
	for k, b := range sh.m {
		if b.TokensAt(now) >= full {
			delete(sh.m, k)
		}
	}
}

// sweep forgets every address whose bucket has refilled.
func (l *limiter) sweep(now time.Time) {
	if l == nil {
		return
	}
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		l.dropIdle(sh, now)
		sh.mu.Unlock()
	}
}

// len returns the number of addresses tracked.
func (l *limiter) len() int {
	if l == nil {
		return 0
	}
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
