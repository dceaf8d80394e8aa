package registry

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"shoal/internal/bt"
)

type modelKey struct {
	h    bt.InfoHash
	addr netip.AddrPort
}

type modelPeer struct {
	id       bt.PeerID
	left     int64
	seen     time.Time
	counted  bool
	uploaded int64
}

// TestAgainstModel drives a Table with random operations and checks it
// against a plain map, and checks that a replica fed only with TakeChanges
// batches holds everything a restart needs: with no seen resolution an
// identical copy, with one the same peers, ids, roles, completed flags and
// counts, and last-seen times at most the resolution behind.
func TestAgainstModel(t *testing.T) {
	for _, res := range []time.Duration{0, 2 * time.Minute} {
		t.Run(res.String(), func(t *testing.T) { testAgainstModel(t, res) })
	}
}

func testAgainstModel(t *testing.T, res time.Duration) {
	const ttl = 10 * time.Minute
	rng := rand.New(rand.NewPCG(7, 8))
	tb := NewTable(Config{PeerTTL: ttl, TrackChanges: true, SeenResolution: res}, rand.New(rand.NewPCG(1, 2)))
	replica := NewTable(Config{PeerTTL: ttl}, rand.New(rand.NewPCG(3, 4)))
	model := map[modelKey]*modelPeer{}
	completed := map[bt.InfoHash]uint64{}
	now := t0
	nextID := 1000

	var eps []netip.AddrPort
	for i := range 15 {
		eps = append(eps, v4(i), v6(i))
	}
	idOf := map[netip.AddrPort]bt.PeerID{}
	for i, ep := range eps {
		idOf[ep] = pid(i)
	}

	for step := range 8000 {
		switch op := rng.IntN(100); {
		case op < 2:
			now = now.Add(time.Duration(rng.IntN(300)) * time.Second)
		case op < 12:
			now = now.Add(time.Duration(rng.IntN(20)) * time.Second)
		case op < 4:
			tb.Expire(now)
			for k, p := range model {
				if !p.seen.After(now.Add(-ttl)) {
					delete(model, k)
				}
			}
		default:
			h := hash(byte(rng.IntN(3)))
			addr := eps[rng.IntN(len(eps))]
			if rng.IntN(50) == 0 {
				idOf[addr] = pid(nextID)
				nextID++
			}
			id := idOf[addr]
			left := int64(rng.IntN(3)) * 100
			ev := Event(rng.IntN(4))
			numWant := rng.IntN(12)
			params := AnnounceParams{
				InfoHash: h, PeerID: id, Addr: addr, Left: left, Event: ev,
				NumWant: numWant, Uploaded: int64(step),
			}
			compact := rng.IntN(2) == 0
			var res AnnounceResult
			var err error
			if compact {
				var b []byte
				res, b, err = tb.AnnounceCompact(now, params, nil)
				res.Peers = decodeCompact(t, b, addr.Addr().Is6())
			} else {
				res, err = tb.Announce(now, params, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			k := modelKey{h, addr}
			if ev == EventStopped {
				delete(model, k)
			} else {
				p := model[k]
				if p == nil || p.id != id {
					p = &modelPeer{id: id}
					model[k] = p
				}
				p.left, p.seen, p.uploaded = left, now, int64(step)
				if ev == EventCompleted && !p.counted {
					p.counted = true
					completed[h]++
				}
			}
			// Check the answer against the model.
			var eligible int
			for mk, p := range model {
				if mk.h != h || mk.addr == addr || mk.addr.Addr().Is4() != addr.Addr().Is4() {
					continue
				}
				if ev != EventStopped && left == 0 && p.left == 0 {
					continue
				}
				eligible++
			}
			want := min(numWant, eligible)
			if ev == EventStopped {
				want = 0
			}
			if len(res.Peers) != want {
				t.Fatalf("step %d: got %d peers, want %d", step, len(res.Peers), want)
			}
			seen := map[netip.AddrPort]bool{}
			for _, e := range res.Peers {
				p := model[modelKey{h, e.Addr}]
				switch {
				case p == nil:
					t.Fatalf("step %d: returned unknown peer %v", step, e.Addr)
				case e.Addr == addr:
					t.Fatalf("step %d: returned self", step)
				case seen[e.Addr]:
					t.Fatalf("step %d: duplicate %v", step, e.Addr)
				case left == 0 && p.left == 0:
					t.Fatalf("step %d: seeder given seeder", step)
				case !compact && p.id != e.ID:
					t.Fatalf("step %d: wrong id for %v", step, e.Addr)
				}
				seen[e.Addr] = true
			}
			var s, l int
			for mk, p := range model {
				if mk.h == h {
					if p.left == 0 {
						s++
					} else {
						l++
					}
				}
			}
			if res.Seeders != s || res.Leechers != l || res.Completed != completed[h] {
				t.Fatalf("step %d: counts %d/%d/%d, want %d/%d/%d", step,
					res.Seeders, res.Leechers, res.Completed, s, l, completed[h])
			}
		}
		if step%97 == 0 {
			checkInvariants(t, tb)
			var b Batch
			tb.TakeChanges(&b)
			replica.Apply(b)
			got, want := canonical(replica), canonical(tb)
			same := slices.EqualFunc(got, want, equalState)
			if res > 0 {
				same = slices.EqualFunc(got, want, func(a, b SwarmState) bool { return restartEqual(a, b, res) })
			}
			if !same {
				t.Fatalf("step %d: replica differs\n got %+v\nwant %+v", step, got, want)
			}
			// A replica restored at now keeps exactly the peers the table
			// keeps, except those within the resolution of expiring.
			restored := NewTable(Config{PeerTTL: ttl}, rand.New(rand.NewPCG(5, 6)))
			for _, st := range replica.Export(nil) {
				restored.Restore(st)
			}
			restored.Expire(now)
			checkRestoredLive(t, step, restored, tb, now, ttl, res)
		}
	}
}

// decodeCompact turns a compact peer string into endpoints without ids.
func decodeCompact(t *testing.T, b []byte, v6 bool) []Endpoint {
	t.Helper()
	size := 6
	if v6 {
		size = 18
	}
	if len(b)%size != 0 {
		t.Fatalf("compact peers of %d bytes", len(b))
	}
	var out []Endpoint
	for ; len(b) > 0; b = b[size:] {
		ip, _ := netip.AddrFromSlice(b[:size-2])
		out = append(out, Endpoint{Addr: netip.AddrPortFrom(ip, uint16(b[size-2])<<8|uint16(b[size-1]))})
	}
	return out
}

func canonical(tb *Table) []SwarmState {
	st := tb.Export(nil)
	slices.SortFunc(st, func(a, b SwarmState) int { return slices.Compare(a.InfoHash[:], b.InfoHash[:]) })
	for i := range st {
		slices.SortFunc(st[i].Peers, func(a, b Peer) int { return cmp.Compare(a.Addr.String(), b.Addr.String()) })
	}
	return st
}

// restartEqual compares a replica's swarm a with the table's b as far as a
// restart needs: the completed count, the set of peers, and each peer's id,
// role, completed flag, and last-seen time to within res (never later).
func restartEqual(a, b SwarmState, res time.Duration) bool {
	if a.InfoHash != b.InfoHash || a.Completed != b.Completed || len(a.Peers) != len(b.Peers) {
		return false
	}
	for i := range a.Peers {
		p, q := a.Peers[i], b.Peers[i]
		lag := q.LastSeen.Sub(p.LastSeen)
		if p.Addr != q.Addr || p.ID != q.ID || p.Seeder() != q.Seeder() || p.Completed != q.Completed || lag < 0 || lag >= res {
			return false
		}
	}
	return true
}

// checkRestoredLive checks that a table restored from the store and expired
// at now has every peer of tb that is live at now and not within res of
// expiring, and no peer tb does not have.
func checkRestoredLive(t *testing.T, step int, restored, tb *Table, now time.Time, ttl, res time.Duration) {
	t.Helper()
	have := map[modelKey]bool{}
	for _, st := range restored.Export(nil) {
		for _, p := range st.Peers {
			have[modelKey{st.InfoHash, p.Addr}] = true
		}
	}
	n := 0
	for _, st := range tb.Export(nil) {
		for _, p := range st.Peers {
			k := modelKey{st.InfoHash, p.Addr}
			if have[k] {
				n++
			} else if p.LastSeen.After(now.Add(-ttl + res)) {
				t.Fatalf("step %d: restored table lost live peer %v in %x", step, p.Addr, st.InfoHash[:2])
			}
		}
	}
	if n != len(have) {
		t.Fatalf("step %d: restored table has %d peers the table does not", step, len(have)-n)
	}
}

func equalState(a, b SwarmState) bool {
	return a.InfoHash == b.InfoHash && a.Completed == b.Completed &&
		slices.Equal(a.Peers, b.Peers)
}

func TestExportRestoreRoundTrip(t *testing.T) {
	tb := newTable(t, time.Hour)
	announce(t, tb, t0, hash(1), 1, v4(1), 0, EventCompleted, 0)
	announce(t, tb, t0.Add(time.Second), hash(1), 2, v6(2), 5, EventStarted, 0)
	announce(t, tb, t0, hash(2), 3, v4(3), 0, EventCompleted, 0)
	announce(t, tb, t0, hash(2), 3, v4(3), 0, EventStopped, 0) // completed kept, no peers

	restored := newTable(t, time.Hour)
	for _, s := range tb.Export(nil) {
		restored.Restore(s)
	}
	if got, want := canonical(restored), canonical(tb); !slices.EqualFunc(got, want, equalState) {
		t.Errorf("restored %+v, want %+v", got, want)
	}
	var b Batch
	restored.TakeChanges(&b)
	if b.Len() != 0 {
		t.Errorf("Restore marked %d changes", b.Len())
	}
	checkInvariants(t, restored)
	// Restored peers keep their last-seen time and expire on schedule.
	if n := restored.Expire(t0.Add(time.Hour)); n != 1 {
		t.Errorf("expired %d at +1h, want 1", n)
	}
}

func TestTakeChanges(t *testing.T) {
	tb := newTable(t, time.Hour)
	h := hash(1)
	announce(t, tb, t0, h, 1, v4(1), 10, EventStarted, 0)
	announce(t, tb, t0, h, 1, v4(1), 0, EventCompleted, 0)
	announce(t, tb, t0, h, 2, v4(2), 10, EventStarted, 0)
	announce(t, tb, t0, h, 2, v4(2), 10, EventStopped, 0)
	var b Batch
	tb.TakeChanges(&b)
	slices.SortFunc(b.Peers, func(x, y PeerChange) int { return cmp.Compare(x.Peer.Addr.String(), y.Peer.Addr.String()) })
	if len(b.Peers) != 2 || len(b.Completed) != 1 {
		t.Fatalf("batch %+v", b)
	}
	if p := b.Peers[0]; p.Removed || p.Peer.Addr != v4(1) || !p.Peer.Completed || p.Peer.Left != 0 || !p.Peer.LastSeen.Equal(t0) {
		t.Errorf("change 0 = %+v", p)
	}
	if p := b.Peers[1]; !p.Removed || p.Peer.Addr != v4(2) {
		t.Errorf("change 1 = %+v", p)
	}
	if c := b.Completed[0]; c.InfoHash != h || c.Delta != 1 {
		t.Errorf("completed change %+v", c)
	}
	b.Reset()
	tb.TakeChanges(&b)
	if b.Len() != 0 {
		t.Errorf("second TakeChanges returned %d changes", b.Len())
	}
	tb.Expire(t0.Add(2 * time.Hour))
	tb.TakeChanges(&b)
	if len(b.Peers) != 1 || !b.Peers[0].Removed {
		t.Errorf("expiry changes %+v", b)
	}
}
