package server

import (
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

const benchSwarms, benchPeers = 10_000, 100_000

func benchServer(b *testing.B) *Server {
	b.Helper()
	s, err := New(Config{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchPeers {
		_, err := s.reg.Announce(t0, registry.AnnounceParams{
			InfoHash: benchHash(i % benchSwarms), PeerID: peerID(i),
			Addr: benchAddr(i), Left: int64(i % 3),
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

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
	s := benchServer(b)
	h := s.Handler()
	targets := make([]string, 1024)
	remotes := make([]string, len(targets))
	for j := range targets {
		i := rand.IntN(benchPeers)
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

// BenchmarkUDPAnnounce measures decoding, connection id check, announce and
// encoding of one UDP announce.
func BenchmarkUDPAnnounce(b *testing.B) {
	s := benchServer(b)
	w := &udpWorker{s: s}
	pkts := make([][]byte, 1024)
	froms := make([]netip.AddrPort, len(pkts))
	for j := range pkts {
		i := rand.IntN(benchPeers)
		froms[j] = benchAddr(i)
		pkts[j] = appendAnnounceRequest(nil, udpRequest{
			connID: s.ids.make(t0, froms[j]), txID: 1, infoHash: benchHash(i % benchSwarms),
			peerID: peerID(i), left: int64(i % 3), numWant: -1, port: 6881,
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if reply := w.handle(t0, froms[i%len(froms)], pkts[i%len(pkts)]); len(reply) < 20 {
			b.Fatalf("reply %x", reply)
		}
	}
}
