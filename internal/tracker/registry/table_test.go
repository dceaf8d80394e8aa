package registry

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func addrs(eps []Endpoint) map[netip.AddrPort]bool {
	m := make(map[netip.AddrPort]bool, len(eps))
	for _, e := range eps {
		m[e.Addr] = true
	}
	return m
}

func TestAnnounceNeverReturnsSelf(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	for i := range 10 {
		announce(t, tb, t0, h, i, v4(i), 100, EventStarted, 50)
	}
	for i := range 10 {
		res := announce(t, tb, t0, h, i, v4(i), 100, EventNone, 50)
		if len(res.Peers) != 9 {
			t.Errorf("peer %d got %d peers, want 9", i, len(res.Peers))
		}
		if addrs(res.Peers)[v4(i)] {
			t.Errorf("peer %d was given itself", i)
		}
	}
	// The same peer id at another endpoint (it moved) is not returned either.
	res := announce(t, tb, t0, h, 3, v4(100), 100, EventNone, 50)
	for _, e := range res.Peers {
		if e.ID == pid(3) {
			t.Errorf("peer id 3 given its own older entry %v", e.Addr)
		}
	}
	checkInvariants(t, tb)
}

func TestSeedersGetNoSeeders(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	for i := range 5 {
		announce(t, tb, t0, h, i, v4(i), 0, EventStarted, 50) // seeders 0..4
	}
	for i := 5; i < 8; i++ {
		announce(t, tb, t0, h, i, v4(i), 10, EventStarted, 50) // leechers 5..7
	}
	res := announce(t, tb, t0, h, 0, v4(0), 0, EventNone, 50)
	got := addrs(res.Peers)
	if len(got) != 3 || !got[v4(5)] || !got[v4(6)] || !got[v4(7)] {
		t.Errorf("seeder got %v, want exactly the 3 leechers", res.Peers)
	}
	if res.Seeders != 5 || res.Leechers != 3 {
		t.Errorf("counts %d/%d, want 5/3", res.Seeders, res.Leechers)
	}
	res = announce(t, tb, t0, h, 5, v4(5), 10, EventNone, 50)
	if len(res.Peers) != 7 {
		t.Errorf("leecher got %d peers, want 7", len(res.Peers))
	}
	// A leecher that finishes becomes a seeder and stops getting seeders.
	res = announce(t, tb, t0, h, 6, v4(6), 0, EventCompleted, 50)
	got = addrs(res.Peers)
	if len(got) != 2 || !got[v4(5)] || !got[v4(7)] {
		t.Errorf("new seeder got %v, want the 2 remaining leechers", res.Peers)
	}
	// A seeder that reports left > 0 again (recheck) is a leecher again.
	res = announce(t, tb, t0, h, 1, v4(1), 5, EventNone, 50)
	if res.Seeders != 5 || res.Leechers != 3 {
		t.Errorf("after role changes counts %d/%d, want 5/3", res.Seeders, res.Leechers)
	}
	checkInvariants(t, tb)
}

func TestExpiry(t *testing.T) {
	ttl := 10 * time.Minute
	tb := newTable(t, ttl)
	h := hash(1)
	announce(t, tb, t0, h, 1, v4(1), 0, EventCompleted, 0)
	announce(t, tb, t0, h, 2, v4(2), 10, EventStarted, 0)
	announce(t, tb, t0.Add(5*time.Minute), h, 2, v4(2), 10, EventNone, 0)

	tests := []struct {
		at          time.Duration
		wantRemoved int
		seed, leech int
	}{
		{at: 9 * time.Minute, wantRemoved: 0, seed: 1, leech: 1},
		{at: 10 * time.Minute, wantRemoved: 1, seed: 0, leech: 1},
		{at: 14 * time.Minute, wantRemoved: 0, seed: 0, leech: 1},
		{at: 15 * time.Minute, wantRemoved: 1, seed: 0, leech: 0},
	}
	for _, tt := range tests {
		if got := tb.Expire(t0.Add(tt.at)); got != tt.wantRemoved {
			t.Errorf("expire at +%v removed %d, want %d", tt.at, got, tt.wantRemoved)
		}
		st := tb.Scrape(h)
		if st.Seeders != tt.seed || st.Leechers != tt.leech {
			t.Errorf("at +%v: %d/%d, want %d/%d", tt.at, st.Seeders, st.Leechers, tt.seed, tt.leech)
		}
		checkInvariants(t, tb)
	}
	// The swarm keeps its completed count after its peers are gone.
	if st := tb.Scrape(h); st.Completed != 1 {
		t.Errorf("completed %d after expiry, want 1", st.Completed)
	}
	if s, p := tb.Len(); s != 1 || p != 0 {
		t.Errorf("Len = %d, %d, want 1, 0", s, p)
	}
}

func TestCompletedCountedOncePerPeer(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	steps := []struct {
		id   int
		addr netip.AddrPort
		ev   Event
		want uint64
	}{
		{1, v4(1), EventStarted, 0},
		{1, v4(1), EventCompleted, 1},
		{1, v4(1), EventCompleted, 1}, // repeated
		{1, v4(1), EventNone, 1},
		{2, v4(2), EventCompleted, 2},
		{2, v4(2), EventStopped, 2},
		{3, v4(1), EventCompleted, 3}, // a new peer id on a known endpoint is a new peer
		{4, v6(1), EventCompleted, 4},
	}
	for i, s := range steps {
		res := announce(t, tb, t0, h, s.id, s.addr, 0, s.ev, 50)
		if res.Completed != s.want {
			t.Errorf("step %d: completed %d, want %d", i, res.Completed, s.want)
		}
	}
	checkInvariants(t, tb)
}

func TestNumWant(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	for i := range 300 {
		announce(t, tb, t0, h, i, v4(i), 10, EventNone, 0)
	}
	for _, n := range []int{-1, 0, 1, 7, 50, 200, 299, 300, 1000} {
		res := announce(t, tb, t0, h, 0, v4(0), 10, EventNone, n)
		want := min(max(n, 0), 299)
		if len(res.Peers) != want {
			t.Errorf("numwant %d: got %d peers, want %d", n, len(res.Peers), want)
		}
		if len(addrs(res.Peers)) != len(res.Peers) {
			t.Errorf("numwant %d: duplicate peers", n)
		}
		if addrs(res.Peers)[v4(0)] {
			t.Errorf("numwant %d: self returned", n)
		}
	}
}

func TestSelectionCoversSwarm(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	const n = 500
	for i := range n {
		announce(t, tb, t0, h, i, v4(i), 10, EventNone, 0)
	}
	seen := map[netip.AddrPort]bool{}
	for range 400 {
		res := announce(t, tb, t0, h, 0, v4(0), 10, EventNone, 20)
		for _, e := range res.Peers {
			seen[e.Addr] = true
		}
	}
	// 8000 draws over 499 peers: every peer should have come up.
	if len(seen) != n-1 {
		t.Errorf("random selection reached %d of %d peers", len(seen), n-1)
	}
}

func TestFamiliesSeparate(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	for i := range 4 {
		announce(t, tb, t0, h, i, v4(i), 10, EventNone, 0)
		announce(t, tb, t0, h, 100+i, v6(i), 10, EventNone, 0)
	}
	// The same client on both families is two entries.
	announce(t, tb, t0, h, 7, v4(7), 10, EventNone, 0)
	res4 := announce(t, tb, t0, h, 7, v4(7), 10, EventNone, 50)
	res6 := announce(t, tb, t0, h, 7, v6(7), 10, EventNone, 50)
	for _, e := range res4.Peers {
		if !e.Addr.Addr().Is4() {
			t.Errorf("IPv4 announcer given %v", e.Addr)
		}
	}
	for _, e := range res6.Peers {
		if !e.Addr.Addr().Is6() {
			t.Errorf("IPv6 announcer given %v", e.Addr)
		}
	}
	if len(res4.Peers) != 4 || len(res6.Peers) != 4 {
		t.Errorf("got %d v4 and %d v6 peers, want 4 and 4", len(res4.Peers), len(res6.Peers))
	}
	if res6.Leechers != 10 {
		t.Errorf("leechers %d, want 10 over both families", res6.Leechers)
	}
	// IPv4-mapped IPv6 addresses are IPv4 peers.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(v4(1).Addr().As16()), 6881)
	res := announce(t, tb, t0, h, 1, mapped, 10, EventNone, 50)
	if res.Leechers != 10 {
		t.Errorf("mapped address made a new entry: leechers %d", res.Leechers)
	}
	checkInvariants(t, tb)
}

func TestStopped(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	announce(t, tb, t0, h, 1, v4(1), 10, EventStarted, 0)
	announce(t, tb, t0, h, 2, v4(2), 0, EventStarted, 0)
	res := announce(t, tb, t0, h, 1, v4(1), 10, EventStopped, 50)
	if len(res.Peers) != 0 || res.Leechers != 0 || res.Seeders != 1 {
		t.Errorf("stopped: %+v", res)
	}
	res = announce(t, tb, t0, h, 2, v4(2), 0, EventStopped, 50)
	if res.Seeders != 0 {
		t.Errorf("stopped seeder still counted: %+v", res)
	}
	if s, _ := tb.Len(); s != 0 {
		t.Errorf("idle swarm kept")
	}
	// Stopping in an unknown swarm creates nothing.
	announce(t, tb, t0, hash(9), 1, v4(1), 10, EventStopped, 50)
	if s, _ := tb.Len(); s != 0 {
		t.Errorf("stopped created a swarm")
	}
}

func TestInvalidAddr(t *testing.T) {
	tb := newTable(t, time.Hour)
	bad := []netip.AddrPort{
		{},
		netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), 0),
		netip.AddrPortFrom(netip.IPv4Unspecified(), 6881),
		netip.AddrPortFrom(netip.IPv6Unspecified(), 6881),
	}
	for _, a := range bad {
		_, err := tb.Announce(t0, AnnounceParams{InfoHash: hash(1), PeerID: pid(1), Addr: a}, nil)
		if !errors.Is(err, ErrInvalidAddr) {
			t.Errorf("%v: err %v, want ErrInvalidAddr", a, err)
		}
	}
	if s, _ := tb.Len(); s != 0 {
		t.Errorf("invalid announces created swarms")
	}
}

func TestEndpointReuseReplacesPeer(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	announce(t, tb, t0, h, 1, v4(1), 10, EventStarted, 0)
	announce(t, tb, t0, h, 2, v4(1), 10, EventStarted, 0)
	res := announce(t, tb, t0, h, 3, v4(3), 10, EventStarted, 50)
	if len(res.Peers) != 1 || res.Peers[0].ID != pid(2) {
		t.Errorf("got %v, want only peer 2", res.Peers)
	}
}
