package store

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/redistest"
	"shoal/internal/tracker/registry"
)

// benchBatch puts n peers spread over the given number of swarms, all
// seen at seen.
func benchBatch(swarms, n int, seen time.Time) registry.Batch {
	b := registry.Batch{Peers: make([]registry.PeerChange, 0, n)}
	for i := range n {
		h := bt.InfoHash{0: byte(i % swarms >> 8), 1: byte(i % swarms), 19: 0xbb}
		p := registry.Peer{
			ID:       bt.PeerID{0: byte(i), 1: byte(i >> 8), 2: byte(i >> 16)},
			Addr:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 6881),
			Left:     int64(i % 3),
			LastSeen: seen,
		}
		b.Peers = append(b.Peers, registry.PeerChange{InfoHash: h, Peer: p})
	}
	return b
}

// BenchmarkRedisApply applies batches of 10⁴ peer changes over 10⁴ torrents,
// as a tracker taking 10⁴ announces a second flushes them.
func BenchmarkRedisApply(b *testing.B) {
	srv := redistest.Start(b)
	s := openRedis(b, srv.URL(0), RedisConfig{})
	const n = 10_000
	seen := time.Now()
	for b.Loop() {
		seen = seen.Add(time.Second)
		if err := s.Apply(b.Context(), benchBatch(n, n, seen)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkRedisLoad loads 10⁶ peers spread over 10⁴ torrents and reports
// the memory Redis uses for them.
func BenchmarkRedisLoad(b *testing.B) {
	srv := redistest.Start(b)
	s := openRedis(b, srv.URL(0), RedisConfig{})
	const peers, swarms = 1_000_000, 10_000
	c := rawClient(b, srv.URL(0))
	before := usedMemory(b, c.Info(b.Context(), "memory").Val())
	all := benchBatch(swarms, peers, time.Now())
	for i := 0; i < peers; i += 50_000 {
		if err := s.Apply(b.Context(), registry.Batch{Peers: all.Peers[i:min(i+50_000, peers)]}); err != nil {
			b.Fatal(err)
		}
	}
	after := usedMemory(b, c.Info(b.Context(), "memory").Val())
	for b.Loop() {
		st, err := s.Load(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, x := range st {
			n += len(x.Peers)
		}
		if n != peers || len(st) != swarms {
			b.Fatalf("loaded %d peers in %d swarms", n, len(st))
		}
	}
	b.ReportMetric(float64(after-before)/peers, "redis-bytes/peer")
}

func usedMemory(b *testing.B, info string) int {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}
