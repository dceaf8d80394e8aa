package registry

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
)

func TestRegistryConcurrent(t *testing.T) {
	r := New(Config{PeerTTL: time.Hour, TrackChanges: true}, 8, 1)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			var dst []Endpoint
			for i := range 500 {
				res, err := r.Announce(t0, AnnounceParams{
					InfoHash: hash(byte(i % 16)), PeerID: pid(w*1000 + i),
					Addr: v4(w*1000 + i), Left: int64(i % 2), NumWant: 10,
				}, dst)
				if err != nil {
					t.Error(err)
					return
				}
				dst = res.Peers
			}
		})
	}
	wg.Go(func() {
		var b Batch
		for range 50 {
			r.TakeChanges(&b)
			r.Stats(nil)
			r.Expire(t0)
		}
	})
	wg.Wait()
	swarms, peers := r.Len()
	if swarms != 16 || peers != 4000 {
		t.Errorf("Len = %d, %d, want 16, 4000", swarms, peers)
	}
	st := r.Scrape([]bt.InfoHash{hash(0), hash(200)}, nil)
	if len(st) != 2 || st[0].Seeders+st[0].Leechers != 256 || st[1].Seeders+st[1].Leechers != 0 {
		t.Errorf("scrape %+v", st)
	}
	var all int
	for _, s := range r.Export(nil) {
		all += len(s.Peers)
	}
	if all != 4000 {
		t.Errorf("export holds %d peers", all)
	}
	r.Expire(t0.Add(2 * time.Hour))
	if swarms, peers := r.Len(); swarms != 0 || peers != 0 {
		t.Errorf("after expiry Len = %d, %d", swarms, peers)
	}
}

// BenchmarkAnnounce measures announces into 10^4 swarms holding 10^6 peers.
func BenchmarkAnnounce(b *testing.B) {
	const swarms, peers = 10_000, 1_000_000
	r := New(Config{PeerTTL: time.Hour}, 0, 1)
	for i := range peers {
		_, err := r.Announce(t0, AnnounceParams{
			InfoHash: benchHash(i % swarms), PeerID: benchPeerID(i), Addr: v4(i), Left: int64(i % 3),
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
		dst := make([]Endpoint, 0, 50)
		for pb.Next() {
			i := rng.IntN(peers)
			res, err := r.Announce(t0, AnnounceParams{
				InfoHash: benchHash(i % swarms), PeerID: benchPeerID(i), Addr: v4(i), Left: int64(i % 3), NumWant: 50,
			}, dst)
			if err != nil {
				b.Fatal(err)
			}
			dst = res.Peers[:0]
		}
	})
}

func benchHash(i int) bt.InfoHash {
	return bt.InfoHash{0: byte(i), 1: byte(i >> 8), 2: byte(i >> 16), 19: 1}
}

func benchPeerID(i int) bt.PeerID {
	return bt.PeerID{0: '-', 1: byte(i), 2: byte(i >> 8), 3: byte(i >> 16)}
}
