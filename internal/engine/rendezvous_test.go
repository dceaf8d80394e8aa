package engine

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/rdvtest"
	"shoal/internal/rendezvous/router"
	"shoal/internal/tracker/client"
)

// federatedRouters starts two relaying routers on loopback, a dialing b,
// and returns once they are federated.
func federatedRouters(t *testing.T) (a, b *router.Router) {
	t.Helper()
	return rdvtest.Federated(t, router.Config{Relay: true}, router.Config{Relay: true})
}

// runNode runs a node on 127.0.0.1 registered at r until the test ends.
func runNode(t *testing.T, r *router.Router, cfg node.Config) *node.Node {
	t.Helper()
	cfg.StepTimeout = 250 * time.Millisecond
	return rdvtest.StartNode(t, r, cfg)
}

// deadAddr is a loopback address where nothing listens.
func deadAddr(t *testing.T) netip.AddrPort {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := addrPort(ln.Addr())
	ln.Close()
	return a
}

// TestRendezvousSwarm: peers registered with two federated routers find
// a seeder by its rendezvous ID alone, by a dead address with the ID as
// fallback (as a tracker reply gives them), and through the relay when
// the direct ways are off; each downloads the whole torrent.
func TestRendezvousSwarm(t *testing.T) {
	ra, rb := federatedRouters(t)
	tt := newTestTorrent(t, 2<<20+777, 64<<10)

	sn := runNode(t, ra, node.Config{})
	seeder := newSession(t, Config{Rendezvous: NodeRendezvous(sn)})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		cfg    node.Config
		add    func(tr *Torrent)
		direct bool
	}{
		{"id only", node.Config{}, func(tr *Torrent) { tr.AddRendezvousPeers([]proto.ID{sn.ID()}) }, true},
		{"dead address first", node.Config{}, func(tr *Torrent) {
			dead := deadAddr(t)
			tr.mu.Lock()
			tr.addCandidates([]netip.AddrPort{dead}, "tracker")
			tr.addRendezvousPeers([]client.RendezvousPeer{{Addr: dead, Rendezvous: client.Rendezvous{ID: sn.ID()}}}, "tracker")
			tr.mu.Unlock()
			tr.dialMore()
		}, true},
		{"relayed", node.Config{NoDirect: true}, func(tr *Torrent) { tr.AddRendezvousPeers([]proto.ID{sn.ID()}) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ln := runNode(t, rb, tc.cfg)
			leecher := newSession(t, Config{Rendezvous: NodeRendezvous(ln)})
			lspec, lst := tt.spec(false)
			tr, err := leecher.Add(lspec)
			if err != nil {
				t.Fatal(err)
			}
			tc.add(tr)
			// Two seeds part at once, so look at the peers on the way.
			var seen []PeerStats
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			timeout := time.After(30 * time.Second)
		wait:
			for {
				select {
				case <-tr.Done():
					break wait
				case <-timeout:
					st := tr.Stats(false)
					t.Fatalf("not complete: %d/%d pieces", st.Pieces, st.NumPieces)
				case <-tick.C:
					if st := tr.Stats(true); len(st.Peers) > 0 {
						seen = st.Peers
					}
				}
			}
			if !bytes.Equal(lst.data, tt.data) {
				t.Fatal("downloaded data differs")
			}
			if len(seen) != 1 {
				t.Fatalf("peers %+v, want the seeder only", seen)
			}
			p := seen[0]
			if p.Rendezvous != sn.ID() || !p.Outgoing {
				t.Errorf("peer %v outgoing %v, want the seeder's ID %v, outgoing", p.Rendezvous, p.Outgoing, sn.ID())
			}
			if direct := p.Link != "relayed"; p.Link == "" || direct != tc.direct {
				t.Errorf("link %q, want direct %v", p.Link, tc.direct)
			}
			t.Logf("link %s", p.Link)
		})
	}
	if n := ra.Stats().RelayedBytes + rb.Stats().RelayedBytes; n < int64(len(tt.data)) {
		t.Errorf("routers relayed %d bytes, want at least the torrent (%d)", n, len(tt.data))
	}
}

// fakeRendezvous is a Rendezvous that reaches nobody.
type fakeRendezvous struct{ id proto.ID }

func (f fakeRendezvous) ID() proto.ID { return f.id }
func (f fakeRendezvous) Dial(context.Context, proto.ID) (net.Conn, error) {
	return nil, net.ErrClosed
}
func (f fakeRendezvous) Accept(ctx context.Context) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestRendezvousCandidates: a peer's address and rendezvous ID, learned
// in any order, make one candidate.
func TestRendezvousCandidates(t *testing.T) {
	self, x, y := proto.ID{1}, proto.ID{2}, proto.ID{3}
	a := netip.MustParseAddrPort("198.18.0.2:6881")
	b := netip.MustParseAddrPort("198.18.0.3:6881")
	type step struct {
		addr netip.AddrPort // address only, as in a peer list
		id   proto.ID       // with addr: a rendezvous contact
	}
	type want struct {
		addr netip.AddrPort
		id   proto.ID
	}
	tests := []struct {
		name  string
		rdv   Rendezvous
		steps []step
		want  []want
	}{
		{"address then contact", fakeRendezvous{self}, []step{{addr: a}, {addr: a, id: x}}, []want{{a, x}}},
		{"contact alone", fakeRendezvous{self}, []step{{addr: a, id: x}}, []want{{a, x}}},
		{"ID then contact", fakeRendezvous{self}, []step{{id: x}, {addr: a, id: x}}, []want{{a, x}}},
		{"ID, address, contact", fakeRendezvous{self}, []step{{id: x}, {addr: a}, {addr: a, id: x}}, []want{{a, x}}},
		{"two peers", fakeRendezvous{self}, []step{{addr: a}, {addr: b}, {addr: a, id: x}, {id: y}}, []want{{a, x}, {b, proto.ID{}}, {netip.AddrPort{}, y}}},
		{"ourselves", fakeRendezvous{self}, []step{{id: self}, {addr: a, id: self}}, []want{{a, proto.ID{}}}},
		{"no rendezvous", nil, []step{{addr: a, id: x}, {id: y}}, []want{{a, proto.ID{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Session{cfg: Config{Rendezvous: tc.rdv}, log: slog.New(slog.DiscardHandler)}
			tt := newTestTorrent(t, 1<<10, 1<<10)
			spec, _ := tt.spec(false)
			tr, err := newTorrent(s, spec)
			if err != nil {
				t.Fatal(err)
			}
			tr.mu.Lock()
			defer tr.mu.Unlock()
			for _, st := range tc.steps {
				switch {
				case st.id.IsZero():
					tr.addCandidates([]netip.AddrPort{st.addr}, "tracker")
				case !st.addr.IsValid():
					tr.addRendezvous(netip.AddrPort{}, st.id, "user")
				default:
					tr.addCandidates([]netip.AddrPort{st.addr}, "tracker")
					tr.addRendezvousPeers([]client.RendezvousPeer{{Addr: st.addr, Rendezvous: client.Rendezvous{ID: st.id}}}, "tracker")
				}
			}
			got := map[want]bool{}
			for _, c := range tr.cands {
				got[want{c.addr, c.rdv}] = true
			}
			for id, c := range tr.rdvCands {
				if c.rdv != id {
					t.Errorf("rdvCands[%v] holds %v", id, c.rdv)
				}
				got[want{c.addr, c.rdv}] = true
			}
			if len(got) != len(tc.want) || tr.known() != len(tc.want) {
				t.Errorf("candidates %v (known %d), want %v", got, tr.known(), tc.want)
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("candidates %v lack %v", got, w)
				}
			}
		})
	}
}
