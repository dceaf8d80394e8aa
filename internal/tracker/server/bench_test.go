package server

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// The announce benchmarks run with benchPeers and with benchPeersLarge peers
// spread over benchSwarms swarms.
const benchSwarms, benchPeers, benchPeersLarge = 10_000, 100_000, 1_000_000

// benchSizes are the peer counts the announce benchmarks run at.
var benchSizes = []int{benchPeers, benchPeersLarge}

// benchServers holds the loaded servers by peer count: loading a million
// peers takes a while, so the benchmarks share them.
var benchServers = struct {
	sync.Mutex
	m map[int]*Server
}{m: map[int]*Server{}}

func benchServer(b *testing.B) *Server { return benchServerN(b, benchPeers) }

// benchServerN returns a server (not started) whose registry holds peers
// peers over benchSwarms swarms, a third of them seeders.
func benchServerN(b *testing.B, peers int) *Server {
	b.Helper()
	benchServers.Lock()
	defer benchServers.Unlock()
	if s := benchServers.m[peers]; s != nil {
		return s
	}
	s, err := New(Config{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	for i := range peers {
		_, err := s.reg.Announce(t0, registry.AnnounceParams{
			InfoHash: benchHash(i % benchSwarms), PeerID: peerID(i),
			Addr: benchAddr(i), Left: int64(i % 3),
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	benchServers.m[peers] = s
	return s
}

// benchRequests is how many distinct announces a benchmark cycles through:
// enough that the peers they touch do not all stay in the CPU caches.
const benchRequests = 1 << 16

func benchHash(i int) bt.InfoHash {
	var h bt.InfoHash
	binary.BigEndian.PutUint32(h[:], uint32(i))
	return h
}

func benchAddr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 6881)
}

// BenchmarkHTTPAnnounce measures the announce handler without the network.
func BenchmarkHTTPAnnounce(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) { benchHTTPAnnounce(b, n) })
	}
}

func benchHTTPAnnounce(b *testing.B, peers int) {
	s := benchServerN(b, peers)
	h := s.Handler()
	targets := make([]string, benchRequests)
	remotes := make([]string, len(targets))
	for j := range targets {
		i := rand.IntN(peers)
		v := url.Values{}
		ih, id := benchHash(i%benchSwarms), peerID(i)
		v.Set("info_hash", string(ih[:]))
		v.Set("peer_id", string(id[:]))
		v.Set("port", "6881")
		v.Set("left", strconv.Itoa(i%3))
		v.Set("compact", "1")
		targets[j] = "/announce?" + v.Encode()
		remotes[j] = benchAddr(i).Addr().String() + ":50000"
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, targets[i%len(targets)], nil)
		req.RemoteAddr = remotes[i%len(remotes)]
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// benchUDPRequests returns announces of random peers and their sources.
func benchUDPRequests(s *Server, peers int) ([][]byte, []netip.AddrPort) {
	pkts := make([][]byte, benchRequests)
	froms := make([]netip.AddrPort, len(pkts))
	for j := range pkts {
		i := rand.IntN(peers)
		froms[j] = benchAddr(i)
		pkts[j] = appendAnnounceRequest(nil, udpRequest{
			connID: s.ids.make(t0, froms[j]), txID: 1, infoHash: benchHash(i % benchSwarms),
			peerID: peerID(i), left: int64(i % 3), numWant: -1, port: 6881,
		})
	}
	return pkts, froms
}

// BenchmarkUDPAnnounce measures decoding, connection id check, announce and
// encoding of one UDP announce.
func BenchmarkUDPAnnounce(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			s := benchServerN(b, n)
			w := &udpWorker{s: s}
			pkts, froms := benchUDPRequests(s, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if reply := w.handle(t0, froms[i%len(froms)], pkts[i%len(pkts)]); len(reply) < 20 {
					b.Fatalf("reply %x", reply)
				}
			}
		})
	}
}

// BenchmarkUDPAnnounceParallel is BenchmarkUDPAnnounce from GOMAXPROCS
// goroutines, each with a worker of its own, as the server runs them: it
// shows how the registry's shard locks scale.
func BenchmarkUDPAnnounceParallel(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			s := benchServerN(b, n)
			pkts, froms := benchUDPRequests(s, n)
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := &udpWorker{s: s}
				i := int(next.Add(7919))
				for pb.Next() {
					i++
					if reply := w.handle(t0, froms[i%len(froms)], pkts[i%len(pkts)]); len(reply) < 20 {
						b.Errorf("reply %x", reply)
						return
					}
				}
			})
		})
	}
}
