package registry

import (
	"testing"
	"time"
)

// TestRemovalTimes checks the time a removal covers: the time of a stopped
// announce, or the last-seen time of an expired entry.
func TestRemovalTimes(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	announce(t, tb, t0, h, 1, v4(1), 10, EventStarted, 0)
	announce(t, tb, t0, h, 2, v4(2), 10, EventStarted, 0)
	announce(t, tb, t0.Add(time.Minute), h, 1, v4(1), 10, EventStopped, 0)
	var b Batch
	tb.TakeChanges(&b)
	for _, c := range b.Peers {
		switch c.Peer.Addr {
		case v4(1):
			if !c.Removed || !c.Peer.LastSeen.Equal(t0.Add(time.Minute)) {
				t.Errorf("stopped peer: %+v", c)
			}
		case v4(2):
			if c.Removed {
				t.Errorf("live peer: %+v", c)
			}
		}
	}
	b.Reset()
	tb.Expire(t0.Add(2 * time.Hour))
	tb.TakeChanges(&b)
	if len(b.Peers) != 1 || !b.Peers[0].Removed || !b.Peers[0].Peer.LastSeen.Equal(t0) {
		t.Errorf("expired peer: %+v", b.Peers)
	}
}

// TestApplyKeepsNewer checks that changes merged from elsewhere never undo
// a newer state of an entry.
func TestApplyKeepsNewer(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	announce(t, tb, t0.Add(time.Minute), h, 1, v4(1), 0, EventCompleted, 0)
	older := Peer{ID: pid(1), Addr: v4(1), Left: 10, LastSeen: t0}
	tb.Apply(Batch{Peers: []PeerChange{
		{InfoHash: h, Peer: older},
		{InfoHash: h, Peer: Peer{Addr: v4(1), LastSeen: t0.Add(time.Second)}, Removed: true},
	}})
	if st := tb.Scrape(h); st.Seeders != 1 || st.Leechers != 0 {
		t.Fatalf("older changes applied: %+v", st)
	}
	newer := older
	newer.LastSeen = t0.Add(2 * time.Minute)
	tb.Apply(Batch{Peers: []PeerChange{{InfoHash: h, Peer: newer}}})
	if st := tb.Scrape(h); st.Seeders != 0 || st.Leechers != 1 {
		t.Fatalf("newer state not applied: %+v", st)
	}
	tb.Apply(Batch{Peers: []PeerChange{{InfoHash: h, Peer: Peer{Addr: v4(1), LastSeen: t0.Add(2 * time.Minute)}, Removed: true}}})
	if st := tb.Scrape(h); st.Seeders+st.Leechers != 0 {
		t.Fatalf("removal not applied: %+v", st)
	}
	announce(t, tb, t0.Add(3*time.Minute), h, 1, v4(1), 5, EventNone, 0)
	tb.Apply(Batch{Peers: []PeerChange{{InfoHash: h, Peer: Peer{Addr: v4(1)}, Removed: true}}})
	if st := tb.Scrape(h); st.Seeders+st.Leechers != 0 {
		t.Fatalf("removal without a time not applied: %+v", st)
	}
	checkInvariants(t, tb)
}
