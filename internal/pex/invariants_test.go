package pex

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// TestInvariants drives a State with random joins, updates, leaves, enables
// and disables, checks every message against a model of what each peer was
// told, and checks that every peer ends up told exactly the shared set.
func TestInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		checkInvariants(t, seed)
	}
}

func checkInvariants(t *testing.T, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	cfg := Config{Interval: 10 * time.Second, FirstDelay: time.Second, MaxAdded: 3, MaxDropped: 2}
	st := New(cfg)

	pool := []Contact{
		{},
		a(1), a(2), a(3), a(4), a(5), a(6),
		with(a(1), func(c *Contact) { c.Seed = true }),
		{Addr: ap("[::ffff:10.0.0.2]:1"), Rendezvous: rv(2)},
		r(7), r(8),
		{Addr: ap("10.0.0.9:0"), Rendezvous: rv(9)},
		{Addr: ap("[2001:db8::1]:1")},
	}
	type model struct {
		c        Contact
		enabled  bool
		told     map[key]bool
		lastSent time.Time
		sent     bool
	}
	peers := map[Peer]*model{}
	keyFor := func(c Contact) (key, bool) { return keyOf(normalize(c)) }
	sharedNow := func() map[key]bool {
		m := map[key]bool{}
		for _, pm := range peers {
			if k, ok := keyFor(pm.c); ok {
				m[k] = true
			}
		}
		return m
	}

	now := t0
	for i := range 3000 {
		now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		p := Peer(rng.IntN(12))
		pm := peers[p]
		switch rng.IntN(6) {
		case 0, 1:
			c := pool[rng.IntN(len(pool))]
			st.Join(p, c)
			if pm == nil {
				pm = &model{}
				peers[p] = pm
			}
			pm.c = c
		case 2:
			c := pool[rng.IntN(len(pool))]
			st.Update(p, c)
			if pm != nil {
				pm.c = c
			}
		case 3:
			st.Leave(p)
			delete(peers, p)
		case 4:
			st.Enable(now, p)
			if pm != nil && !pm.enabled {
				pm.enabled = true
				pm.told = map[key]bool{}
			}
		case 5:
			if rng.IntN(4) == 0 {
				st.Disable(p)
				if pm != nil {
					*pm = model{c: pm.c}
				}
			}
		}

		cur := sharedNow()
		for _, o := range st.Due(now) {
			pm := peers[o.To]
			if pm == nil || !pm.enabled {
				t.Fatalf("seed %d step %d: message to %d, not enabled", seed, i, o.To)
			}
			if pm.sent && now.Sub(pm.lastSent) < cfg.Interval {
				t.Fatalf("seed %d step %d: message to %d after %v", seed, i, o.To, now.Sub(pm.lastSent))
			}
			pm.sent, pm.lastSent = true, now
			m := o.Msg
			if len(m.Added)+len(m.Dropped) == 0 || len(m.Added) > cfg.MaxAdded || len(m.Dropped) > cfg.MaxDropped {
				t.Fatalf("seed %d step %d: message to %d: %d added %d dropped", seed, i, o.To, len(m.Added), len(m.Dropped))
			}
			own, hasOwn := keyFor(pm.c)
			for _, c := range m.Dropped {
				k, _ := keyFor(c)
				if !pm.told[k] || (cur[k] && !(hasOwn && k == own)) {
					t.Fatalf("seed %d step %d: %d dropped %s", seed, i, o.To, str(c))
				}
				delete(pm.told, k)
			}
			for _, c := range m.Added {
				k, ok := keyFor(c)
				if !ok || pm.told[k] || !cur[k] || (hasOwn && k == own) {
					t.Fatalf("seed %d step %d: %d added %s", seed, i, o.To, str(c))
				}
				pm.told[k] = true
			}
		}
	}

	// With no more changes, every enabled peer converges on the shared set.
	for range 10 {
		now = now.Add(cfg.Interval)
		for _, o := range st.Due(now) {
			pm := peers[o.To]
			for _, c := range o.Msg.Dropped {
				k, _ := keyFor(c)
				delete(pm.told, k)
			}
			for _, c := range o.Msg.Added {
				k, _ := keyFor(c)
				pm.told[k] = true
			}
		}
	}
	if out := st.Due(now.Add(cfg.Interval)); out != nil {
		t.Fatalf("seed %d: still sending after convergence: %s", seed, render(out))
	}
	cur := sharedNow()
	for p, pm := range peers {
		if !pm.enabled {
			continue
		}
		want := map[key]bool{}
		own, hasOwn := keyFor(pm.c)
		for k := range cur {
			if !hasOwn || k != own {
				want[k] = true
			}
		}
		if len(want) != len(pm.told) {
			t.Fatalf("seed %d: peer %d told %d contacts, want %d", seed, p, len(pm.told), len(want))
		}
		for k := range want {
			if !pm.told[k] {
				t.Fatalf("seed %d: peer %d not told %v", seed, p, k)
			}
		}
		if len(st.conns[p].told) != len(want) {
			t.Fatalf("seed %d: peer %d state holds %d told contacts, want %d", seed, p, len(st.conns[p].told), len(want))
		}
	}
	// The connected indexes match the connections.
	addrs, rdvs := map[netip.AddrPort]int{}, map[[20]byte]int{}
	for _, pm := range peers {
		c := normalize(pm.c)
		if c.Addr.IsValid() {
			addrs[c.Addr]++
		}
		if c.Rendezvous != ([20]byte{}) {
			rdvs[c.Rendezvous]++
		}
	}
	if len(addrs) != len(st.addrs) || len(rdvs) != len(st.rdvs) || len(peers) != len(st.conns) {
		t.Fatalf("seed %d: indexes %d/%d/%d, want %d/%d/%d", seed, len(st.addrs), len(st.rdvs), len(st.conns), len(addrs), len(rdvs), len(peers))
	}
	for k, n := range addrs {
		if st.addrs[k] != n {
			t.Fatalf("seed %d: addr %v count %d, want %d", seed, k, st.addrs[k], n)
		}
	}
	for k, n := range rdvs {
		if st.rdvs[k] != n {
			t.Fatalf("seed %d: rendezvous %x count %d, want %d", seed, k[:2], st.rdvs[k], n)
		}
	}
}
