package registry

import (
	"net/netip"
	"testing"
	"time"
)

const testRouter = "0123456789abcdef0123456789abcdef01234567@198.18.0.10:7000"

// TestRendezvous: a contact given with an announce goes out with the
// peer, survives announces without one, goes into changes and exports,
// comes back with Restore and Apply, and goes when the peer goes.
func TestRendezvous(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	rdv := Rendezvous{ID: [20]byte{1, 2, 3}, Router: testRouter}
	contact := func(tb *Table, addrs ...netip.AddrPort) []RendezvousPeer {
		return tb.RendezvousOf(h, addrs, nil)
	}
	if _, err := tb.Announce(t0, AnnounceParams{InfoHash: h, PeerID: pid(1), Addr: v4(1), Left: 0, NumWant: 50, Rendezvous: rdv}, nil); err != nil {
		t.Fatal(err)
	}
	res := announce(t, tb, t0, h, 2, v4(2), 10, EventStarted, 50)
	if res.Rendezvous != 1 || len(res.Peers) != 1 {
		t.Fatalf("result %+v", res)
	}
	want := []RendezvousPeer{{Addr: v4(1), Rendezvous: rdv}}
	if got := contact(tb, v4(1), v4(2), v4(3)); len(got) != 1 || got[0] != want[0] {
		t.Errorf("contacts %+v, want %+v", got, want)
	}
	// An announce without a contact keeps it.
	announce(t, tb, t0.Add(time.Minute), h, 1, v4(1), 0, EventNone, 50)
	if got := contact(tb, v4(1)); len(got) != 1 {
		t.Errorf("contact lost by an announce without one: %+v", got)
	}

	var b Batch
	tb.TakeChanges(&b)
	found := false
	for _, c := range b.Peers {
		if c.Peer.Addr == v4(1) {
			found = c.Peer.Rendezvous == rdv
		}
	}
	if !found {
		t.Errorf("changes %+v lack the contact", b.Peers)
	}
	exp := tb.Export(nil)
	restored := newTable(t, time.Hour)
	restored.Restore(exp[0])
	if got := contact(restored, v4(1)); len(got) != 1 || got[0] != want[0] {
		t.Errorf("after Restore: %+v", got)
	}
	applied := newTable(t, time.Hour)
	applied.Apply(b)
	if got := contact(applied, v4(1)); len(got) != 1 || got[0] != want[0] {
		t.Errorf("after Apply: %+v", got)
	}
	applied.Apply(Batch{Peers: []PeerChange{{InfoHash: h, Peer: Peer{Addr: v4(1)}, Removed: true}}})
	if got := contact(applied, v4(1)); len(got) != 0 || applied.swarms[h].rdv != nil {
		t.Errorf("after a removal: %+v", got)
	}

	// Stopped and expired peers take their contacts with them.
	announce(t, tb, t0.Add(time.Minute), h, 1, v4(1), 0, EventStopped, 50)
	if got := contact(tb, v4(1)); len(got) != 0 {
		t.Errorf("after stopped: %+v", got)
	}
	if _, err := tb.Announce(t0, AnnounceParams{InfoHash: h, PeerID: pid(3), Addr: v6(3), Left: 5, NumWant: 50, Rendezvous: rdv}, nil); err != nil {
		t.Fatal(err)
	}
	tb.Expire(t0.Add(2 * time.Hour))
	if s := tb.swarms[h]; s != nil && s.rdv != nil {
		t.Errorf("after expiry: %+v", s.rdv)
	}
	checkInvariants(t, tb)
}
