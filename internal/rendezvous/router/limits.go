package router

import (
	"time"

	"golang.org/x/time/rate"
)

// buckets is a token bucket per key, created on first use and dropped
// once full again and idle.
type buckets[K comparable] struct {
	r     rate.Limit
	burst int
	m     map[K]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newBuckets[K comparable](perSecond float64, burst int) *buckets[K] {
	return &buckets[K]{r: rate.Limit(perSecond), burst: burst, m: map[K]*bucket{}}
}

// allow takes a token for key at now.
func (b *buckets[K]) allow(now time.Time, key K) bool {
	e, ok := b.m[key]
	if !ok {
		e = &bucket{lim: rate.NewLimiter(b.r, b.burst)}
		b.m[key] = e
	}
	e.last = now
	return e.lim.AllowN(now, 1)
}

// sweep forgets buckets unused for idle (they would be full again).
func (b *buckets[K]) sweep(now time.Time, idle time.Duration) {
	for k, e := range b.m {
		if now.Sub(e.last) > idle {
			delete(b.m, k)
		}
	}
}
