package registry

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"shoal/internal/bt"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func hash(n byte) bt.InfoHash { return bt.InfoHash{0: n, 19: n} }

func pid(n int) bt.PeerID {
	var p bt.PeerID
	copy(p[:], fmt.Sprintf("-TEST0-%013d", n))
	return p
}

func v4(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}), 6881)
}

func v6(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0x20, 1: 0x01, 14: byte(n >> 8), 15: byte(n)}), 6881)
}

func newTable(t *testing.T, ttl time.Duration) *Table {
	t.Helper()
	return NewTable(Config{PeerTTL: ttl, TrackChanges: true}, rand.New(rand.NewPCG(1, 2)))
}

func announce(t *testing.T, tb *Table, now time.Time, h bt.InfoHash, id int, addr netip.AddrPort, left int64, ev Event, numWant int) AnnounceResult {
	t.Helper()
	res, err := tb.Announce(now, AnnounceParams{
		InfoHash: h, PeerID: pid(id), Addr: addr, Left: left, Event: ev, NumWant: numWant,
	}, nil)
	if err != nil {
		t.Fatalf("announce peer %d: %v", id, err)
	}
	return res
}

// checkInvariants verifies the internal structure of every swarm.
func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	total := 0
	for h, s := range tb.swarms {
		if s.empty() && s.completed == 0 {
			t.Errorf("swarm %v idle but kept", h)
		}
		for fi := range s.fam {
			f := &s.fam[fi]
			total += f.len()
			if f.indexLen() != f.len() {
				t.Errorf("swarm %v family %d: index has %d entries, peers %d", h, fi, f.indexLen(), f.len())
			}
			if f.seeders < 0 || f.seeders > f.len() {
				t.Errorf("swarm %v family %d: seeders %d of %d", h, fi, f.seeders, f.len())
			}
			for i := range f.peers {
				e := &f.peers[i]
				if got, ok := f.lookup(e.ep); !ok || got != i {
					t.Errorf("swarm %v family %d slot %d: index says %d, %v", h, fi, i, got, ok)
				}
				if e.seeder() != (i < f.seeders) {
					t.Errorf("swarm %v family %d slot %d: seeder %v outside its partition", h, fi, i, e.seeder())
				}
				if f.hot != nil && (len(f.hot) != len(f.peers) || f.hot[i] != packHot(e)) {
					t.Errorf("swarm %v family %d slot %d: hot word out of date", h, fi, i)
				}
				if (fi == 0) != (f.hot != nil) {
					t.Errorf("swarm %v family %d: hot words kept %v", h, fi, f.hot != nil)
				}
				if (fi == 0) != e.ep.is4() {
					t.Errorf("swarm %v family %d slot %d: wrong family", h, fi, i)
				}
			}
		}
	}
	if total != tb.peers {
		t.Errorf("peer count %d, counted %d", tb.peers, total)
	}
}
