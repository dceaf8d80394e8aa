package store

import (
	"encoding/binary"
	"strings"
	"testing"

	"shoal/internal/bt"
	"shoal/internal/redistest"
	"shoal/internal/tracker/registry"
)

const testRouter = "0123456789abcdef0123456789abcdef01234567@198.18.0.10:7000"

// rdvPeer is peer(n, addr, 1) with a rendezvous contact.
func rdvPeer(n byte, addr, router string) registry.Peer {
	p := peer(n, addr, 1)
	p.Rendezvous = registry.Rendezvous{ID: [20]byte{0: 0xaa, 19: n}, Router: router}
	return p
}

func TestRendezvousRecord(t *testing.T) {
	for _, router := range []string{"", testRouter, strings.Repeat("r", registry.MaxRouterLen)} {
		want := rdvPeer(4, "10.0.0.4:4", router)
		v := appendPeerValue(nil, want)
		if len(v) != peerValueLen+rendezvousLen+len(router) {
			t.Errorf("router of %d bytes: value of %d bytes", len(router), len(v))
		}
		got, err := parsePeerValue(v, want.Addr)
		if err != nil || !equalPeers([]registry.Peer{got}, []registry.Peer{want}) {
			t.Errorf("router of %d bytes: got %+v, %v", len(router), got, err)
		}
		for i := range v {
			if _, err := parsePeerValue(v[:i], want.Addr); err == nil {
				t.Errorf("truncated value of %d bytes accepted", i)
			}
		}
		if _, err := parsePeerValue(append(v, 'x'), want.Addr); err == nil {
			t.Error("trailing byte accepted")
		}
	}
	// A router too long to keep is dropped, not the contact.
	p := rdvPeer(5, "10.0.0.5:5", strings.Repeat("r", registry.MaxRouterLen+1))
	got, err := parsePeerValue(appendPeerValue(nil, p), p.Addr)
	if err != nil || got.Rendezvous.ID != p.Rendezvous.ID || got.Rendezvous.Router != "" {
		t.Errorf("long router: %+v, %v", got.Rendezvous, err)
	}
	// Malformed rendezvous parts.
	v := appendPeerValue(nil, rdvPeer(6, "10.0.0.6:6", "x"))
	zero := append([]byte(nil), v...)
	clear(zero[peerValueLen : peerValueLen+20])
	long := append([]byte(nil), v...)
	binary.BigEndian.PutUint16(long[peerValueLen+20:], registry.MaxRouterLen+1)
	noFlag := append([]byte(nil), v...)
	noFlag[1] &^= flagRendezvous
	for name, b := range map[string][]byte{"zero ID": zero, "router length": long, "no flag": noFlag} {
		if _, err := parsePeerValue(b, p.Addr); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRendezvousMessage(t *testing.T) {
	want := message{peers: []registry.PeerChange{
		{InfoHash: bt.InfoHash{1}, Peer: rdvPeer(1, "10.0.0.1:1", testRouter)},
		{InfoHash: bt.InfoHash{1}, Peer: peer(2, "10.0.0.2:2", 0)},
		{InfoHash: bt.InfoHash{1}, Peer: rdvPeer(3, "[2001:db8::3]:3", "")},
	}}
	b := appendMessage(nil, want)
	got, err := parseMessage(b)
	if err != nil || len(got.peers) != 3 {
		t.Fatalf("%+v, %v", got, err)
	}
	for i := range want.peers {
		if !equalPeers([]registry.Peer{got.peers[i].Peer}, []registry.Peer{want.peers[i].Peer}) {
			t.Errorf("peer %d: got %+v", i, got.peers[i].Peer)
		}
	}
	for i := range b {
		if _, err := parseMessage(b[:i]); err == nil {
			t.Errorf("truncated message of %d bytes accepted", i)
		}
	}
}

func TestBoltRendezvousReopen(t *testing.T) {
	dir := t.TempDir()
	h := bt.InfoHash{7}
	want := []registry.Peer{rdvPeer(1, "10.0.0.1:1", testRouter), peer(2, "10.0.0.2:2", 0), rdvPeer(3, "[2001:db8::3]:3", "")}
	s, err := OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := registry.Batch{}
	for _, p := range want {
		b.Peers = append(b.Peers, registry.PeerChange{InfoHash: h, Peer: p})
	}
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got = sorted(got)
	wantState := sorted([]registry.SwarmState{{InfoHash: h, Peers: want}})
	if len(got) != 1 || !equalPeers(got[0].Peers, wantState[0].Peers) {
		t.Fatalf("after reopen: %+v\nwant %+v", got, wantState)
	}
}

func TestRedisRendezvous(t *testing.T) {
	srv := redistest.Start(t)
	h := bt.InfoHash{8}
	s := openRedis(t, srv.URL(0), RedisConfig{})
	other := openRedis(t, srv.URL(0), RedisConfig{})
	if _, err := other.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := follow(t, other)
	p1, p2 := rdvPeer(1, "10.0.0.1:1", testRouter), peer(2, "10.0.0.2:2", 0)
	if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: p1}, {InfoHash: h, Peer: p2}}}); err != nil {
		t.Fatal(err)
	}
	got := f.next()
	if len(got.Peers) != 2 {
		t.Fatalf("followed %+v", got)
	}
	for _, c := range got.Peers {
		want := p2
		if c.Peer.Addr == p1.Addr {
			want = p1
		}
		if !equalPeers([]registry.Peer{c.Peer}, []registry.Peer{want}) {
			t.Errorf("followed %+v, want %+v", c.Peer, want)
		}
	}
	// An older state without the contact does not replace the newer one.
	old := p1
	old.LastSeen = old.LastSeen.Add(-1)
	old.Rendezvous = registry.Rendezvous{}
	if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: old}}}); err != nil {
		t.Fatal(err)
	}
	checkSwarms(t, loadSorted(t, openRedis(t, srv.URL(0), RedisConfig{})),
		[]registry.SwarmState{{InfoHash: h, Peers: []registry.Peer{p1, p2}}})
}
