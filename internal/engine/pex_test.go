package engine

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
)

// TestPEXIntroducesPeers: C knows only B, B knows the seed S. Through B's
// peer exchange C learns of S and they connect, unless the torrent is
// private. Download limits keep B and C leeching long enough.
func TestPEXIntroducesPeers(t *testing.T) {
	for _, private := range []bool{false, true} {
		name := "public"
		if private {
			name = "private"
		}
		t.Run(name, func(t *testing.T) {
			tt := newTestTorrent(t, 2<<20, 64<<10)
			s := newSession(t, Config{PEXInterval: 200 * time.Millisecond})
			spec, _ := tt.spec(true)
			spec.Private = private
			if _, err := s.Add(spec); err != nil {
				t.Fatal(err)
			}
			b := newSession(t, Config{PEXInterval: 200 * time.Millisecond, DownLimit: 256 << 10})
			bspec, _ := tt.spec(false, addr(s))
			bspec.Private = private
			if _, err := b.Add(bspec); err != nil {
				t.Fatal(err)
			}
			c := newSession(t, Config{PEXInterval: 200 * time.Millisecond, DownLimit: 256 << 10})
			cspec, _ := tt.spec(false, addr(b))
			cspec.Private = private
			ct, err := c.Add(cspec)
			if err != nil {
				t.Fatal(err)
			}
			learned := func() (known, connected bool) {
				// S may learn of C from B too and connect first (C then
				// skips S in B's message, as a peer it is connected to):
				// the connection counts whichever side opened it.
				ct.mu.Lock()
				defer ct.mu.Unlock()
				cand := ct.cands[addr(s)]
				_, connected = ct.ids[s.PeerID()]
				return cand != nil && cand.source == "pex", connected
			}
			// B's first message is due 2s after C's handshake, on a 1s
			// tick; give a loaded machine room.
			wait := 10 * time.Second
			if private {
				wait = 4 * time.Second
			}
			deadline := time.Now().Add(wait)
			known, connected := learned()
			for !connected && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				known, connected = learned()
			}
			if private && (known || connected) {
				t.Fatalf("private torrent: C learned of the seed (%v) or connected to it (%v)", known, connected)
			}
			if !private && !connected {
				t.Fatalf("C and the seed never connected; C learned of it through B: %v", known)
			}
			waitDone(t, ct, 30*time.Second)
		})
	}
}

// TestPEXRendezvous: the seed S is reachable only through the rendezvous
// routers. B reaches it by ID; C knows only B, learns S's rendezvous ID
// from B's peer exchange and links to S through the routers.
func TestPEXRendezvous(t *testing.T) {
	ra, rb := federatedRouters(t)
	tt := newTestTorrent(t, 2<<20, 64<<10)
	sn := runNode(t, ra, node.Config{})
	// Without peer exchange of its own, S cannot learn C's address from B
	// and connect to it directly.
	s := newSession(t, Config{NoPEX: true, Rendezvous: NodeRendezvous(sn)})
	spec, _ := tt.spec(true)
	if _, err := s.Add(spec); err != nil {
		t.Fatal(err)
	}
	bn := runNode(t, rb, node.Config{})
	b := newSession(t, Config{PEXInterval: 200 * time.Millisecond, DownLimit: 256 << 10, Rendezvous: NodeRendezvous(bn)})
	bspec, _ := tt.spec(false)
	bspec.RendezvousPeers = []proto.ID{sn.ID()}
	if _, err := b.Add(bspec); err != nil {
		t.Fatal(err)
	}
	cn := runNode(t, rb, node.Config{})
	c := newSession(t, Config{PEXInterval: 200 * time.Millisecond, DownLimit: 128 << 10, Rendezvous: NodeRendezvous(cn)})
	cspec, _ := tt.spec(false, addr(b))
	ct, err := c.Add(cspec)
	if err != nil {
		t.Fatal(err)
	}
	linked := func() bool {
		for _, p := range ct.Stats(true).Peers {
			if p.Rendezvous == sn.ID() {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(15 * time.Second)
	for !linked() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !linked() {
		ct.mu.Lock()
		cand := ct.rdvCands[sn.ID()]
		ct.mu.Unlock()
		t.Fatalf("C has no rendezvous link to the seed; candidate %+v", cand)
	}
	waitDone(t, ct, 40*time.Second)
}

// TestRefusedDialCanBeRetried: a dialed connection the torrent refuses
// (here because it is paused) leaves its candidate free to be dialed
// again, not marked connected forever.
func TestRefusedDialCanBeRetried(t *testing.T) {
	tt := newTestTorrent(t, 64<<10, 16<<10)
	s := newSession(t, Config{})
	spec, _ := tt.spec(false)
	tr, err := s.Add(spec)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := net.Pipe()
	defer theirs.Close()
	cand := &candidate{addr: netip.MustParseAddrPort("127.0.0.1:9"), connected: true}
	tr.mu.Lock()
	tr.paused = true
	tr.mu.Unlock()
	tr.addConn(ours, tr.handshake, cand)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if cand.connected {
		t.Error("the refused candidate is still marked connected")
	}
}
