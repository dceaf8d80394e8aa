package pex

import (
	"net/netip"
	"testing"
	"time"
)

type op func(s *State, now time.Time)

func join(p Peer, c Contact) op   { return func(s *State, _ time.Time) { s.Join(p, c) } }
func update(p Peer, c Contact) op { return func(s *State, _ time.Time) { s.Update(p, c) } }
func leave(p Peer) op             { return func(s *State, _ time.Time) { s.Leave(p) } }
func enable(p Peer) op            { return func(s *State, now time.Time) { s.Enable(now, p) } }
func disable(p Peer) op           { return func(s *State, _ time.Time) { s.Disable(p) } }

// joinAddrs joins peers from..to, peer n with contact a(n).
func joinAddrs(from, to Peer) op {
	return func(s *State, _ time.Time) {
		for p := from; p <= to; p++ {
			s.Join(p, a(int(p)))
		}
	}
}

// step applies ops at t0+at, then calls Due and compares the rendered result.
type step struct {
	at   time.Duration
	ops  []op
	want string
}

func with(c Contact, f func(*Contact)) Contact { f(&c); return c }

func TestDue(t *testing.T) {
	const s = time.Second
	seed := func(c *Contact) { c.Seed = true }
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{
			name: "first message lists the current set after FirstDelay",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(1)}, ""},
				{1 * s, nil, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1"},
				{3 * s, nil, ""},
			},
		},
		{
			name: "diff across joins and leaves",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1"},
				{30 * s, []op{join(4, a(4)), leave(2)}, ""},
				{61 * s, nil, ""},
				{62 * s, nil, "to=1 +10.0.0.4:1 -10.0.0.2:1"},
				{122 * s, nil, ""},
			},
		},
		{
			name: "a contact back within one interval is not sent again",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{leave(2)}, ""},
				{20 * s, []op{join(5, a(2))}, ""},
				{62 * s, nil, ""},
			},
		},
		{
			name: "nothing to say still waits an interval",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{62 * s, nil, ""},
				{63 * s, []op{join(3, a(3))}, ""},
				{121 * s, nil, ""},
				{122 * s, nil, "to=1 +10.0.0.3:1"},
			},
		},
		{
			name: "empty first message is skipped",
			steps: []step{
				{0, []op{join(1, a(1)), enable(1)}, ""},
				{2 * s, nil, ""},
				{3 * s, []op{join(2, a(2))}, ""},
				{61 * s, nil, ""},
				{62 * s, nil, "to=1 +10.0.0.2:1"},
			},
		},
		{
			name: "interval and first delay from config",
			cfg:  Config{Interval: 10 * s, FirstDelay: 1 * s},
			steps: []step{
				{0, []op{join(1, a(1)), enable(1)}, ""},
				{1 * s, nil, ""},
				{5 * s, []op{join(2, a(2))}, ""},
				{10 * s, nil, ""},
				{11 * s, nil, "to=1 +10.0.0.2:1"},
				{12 * s, []op{join(3, a(3))}, ""},
				{21 * s, nil, "to=1 +10.0.0.3:1"},
			},
		},
		{
			name: "added cap carries over",
			cfg:  Config{MaxAdded: 2},
			steps: []step{
				{0, []op{joinAddrs(1, 6), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1"},
				{62 * s, nil, "to=1 +10.0.0.4:1 +10.0.0.5:1"},
				{122 * s, nil, "to=1 +10.0.0.6:1"},
				{182 * s, nil, ""},
			},
		},
		{
			name: "dropped cap carries over",
			cfg:  Config{MaxDropped: 2},
			steps: []step{
				{0, []op{joinAddrs(1, 5), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1 +10.0.0.4:1 +10.0.0.5:1"},
				{10 * s, []op{leave(4), leave(2), leave(3)}, ""},
				{62 * s, nil, "to=1 -10.0.0.2:1 -10.0.0.3:1"},
				{70 * s, []op{join(6, a(6))}, ""},
				{122 * s, nil, "to=1 +10.0.0.6:1 -10.0.0.4:1"},
				{182 * s, nil, ""},
			},
		},
		{
			name: "shared contact counts once and leaves with its last connection",
			steps: []step{
				{0, []op{join(1, a(1)), join(2, a(9)), join(3, a(9)), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.9:1"},
				{10 * s, []op{leave(2)}, ""},
				{62 * s, nil, ""},
				{70 * s, []op{leave(3)}, ""},
				{122 * s, nil, "to=1 -10.0.0.9:1"},
			},
		},
		{
			name: "IPv4-mapped address shares the key of the plain one",
			steps: []step{
				{0, []op{
					join(1, a(1)),
					join(2, Contact{Addr: ap("[::ffff:10.0.0.9]:1")}),
					join(3, a(9)),
					enable(1),
				}, ""},
				{2 * s, nil, "to=1 +10.0.0.9:1"},
			},
		},
		{
			name: "connections sharing a key merge flags and rendezvous ID",
			steps: []step{
				{0, []op{
					join(1, a(1)),
					join(2, with(a(9), seed)),
					join(3, Contact{Addr: a(9).Addr, Rendezvous: rv(7), Reachable: true}),
					join(4, Contact{Addr: a(9).Addr, Rendezvous: rv(8)}),
					enable(1),
				}, ""},
				{2 * s, nil, "to=1 +10.0.0.9:1/r7+s+o"},
			},
		},
		{
			name: "which contacts are shared",
			steps: []step{
				{0, []op{
					join(1, a(1)),
					join(2, Contact{}),
					join(3, Contact{Seed: true, Reachable: true}),
					join(4, r(8)),
					join(5, Contact{Addr: ap("10.0.0.5:0")}),
					join(6, Contact{Addr: ap("10.0.0.6:0"), Rendezvous: rv(6)}),
					join(7, Contact{Addr: ap("0.0.0.0:7")}),
					join(8, Contact{Addr: ap("224.0.0.1:8")}),
					join(9, Contact{Addr: ap("255.255.255.255:9")}),
					join(10, Contact{Addr: ap("[fe80::1%eth0]:10")}),
					join(11, Contact{Addr: ap("[2001:db8::1]:11"), Rendezvous: rv(11)}),
					enable(1),
				}, ""},
				{2 * s, nil, "to=1 +r8 +r6 +[fe80::1]:10 +[2001:db8::1]:11/r11"},
			},
		},
		{
			name: "added in connection order, dropped in key order",
			steps: []step{
				{0, []op{join(1, a(1)), join(2, a(5)), join(3, r(4)), join(4, a(3)), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.5:1 +r4 +10.0.0.3:1"},
				{10 * s, []op{leave(2), leave(3), leave(4)}, ""},
				{62 * s, nil, "to=1 -r4 -10.0.0.3:1 -10.0.0.5:1"},
			},
		},
		{
			name: "each peer excludes itself",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(1), enable(2)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1 | to=2 +10.0.0.1:1 +10.0.0.3:1"},
			},
		},
		{
			name: "a peer excludes its own key held by another connection",
			steps: []step{
				{0, []op{join(1, a(9)), join(2, a(9)), join(3, a(3)), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.3:1"},
			},
		},
		{
			name: "a told contact that becomes the peer's own is dropped",
			steps: []step{
				{0, []op{join(1, Contact{}), join(2, a(2)), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{update(1, a(2))}, ""},
				{62 * s, nil, "to=1 -10.0.0.2:1"},
			},
		},
		{
			name: "contact learned later",
			steps: []step{
				{0, []op{join(1, a(1)), join(2, Contact{}), enable(1)}, ""},
				{2 * s, nil, ""},
				{10 * s, []op{update(2, a(2))}, ""},
				{62 * s, nil, "to=1 +10.0.0.2:1"},
			},
		},
		{
			name: "address change drops the old and adds the new",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{update(2, a(7))}, ""},
				{62 * s, nil, "to=1 +10.0.0.7:1 -10.0.0.2:1"},
			},
		},
		{
			name: "seed flag change is not sent again",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{update(2, with(a(2), seed))}, ""},
				{62 * s, nil, ""},
			},
		},
		{
			name: "update of a peer that has not joined does nothing",
			steps: []step{
				{0, []op{join(1, a(1)), update(9, a(9)), enable(1)}, ""},
				{2 * s, nil, ""},
			},
		},
		{
			name: "joining twice is an update",
			steps: []step{
				{0, []op{join(1, a(1)), join(2, a(2)), join(2, a(3)), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.3:1"},
				{10 * s, []op{leave(2)}, ""},
				{62 * s, nil, "to=1 -10.0.0.3:1"},
			},
		},
		{
			name: "peers on their own schedules, in peer order",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(3)}, ""},
				{1 * s, []op{enable(1)}, ""},
				{2 * s, nil, "to=3 +10.0.0.1:1 +10.0.0.2:1"},
				{3 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1"},
				{50 * s, []op{join(4, a(4))}, ""},
				{62 * s, nil, "to=3 +10.0.0.4:1"},
				{63 * s, nil, "to=1 +10.0.0.4:1"},
			},
		},
		{
			name: "late due call serves every due peer once",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(2), enable(1)}, ""},
				{500 * s, nil, "to=1 +10.0.0.2:1 +10.0.0.3:1 | to=2 +10.0.0.1:1 +10.0.0.3:1"},
				{501 * s, []op{join(4, a(4))}, ""},
				{559 * s, nil, ""},
				{560 * s, nil, "to=1 +10.0.0.4:1 | to=2 +10.0.0.4:1"},
			},
		},
		{
			name: "enabling twice does not reset",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{enable(1)}, ""},
				{12 * s, nil, ""},
				{62 * s, nil, ""},
			},
		},
		{
			name: "enabling before joining does nothing",
			steps: []step{
				{0, []op{enable(1), joinAddrs(1, 2)}, ""},
				{2 * s, nil, ""},
				{62 * s, nil, ""},
			},
		},
		{
			name: "leave forgets the peer",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{leave(1), join(1, a(1))}, ""},
				{62 * s, nil, ""},
				{70 * s, []op{enable(1)}, ""},
				{72 * s, nil, "to=1 +10.0.0.2:1"},
			},
		},
		{
			name: "disable forgets what was told",
			steps: []step{
				{0, []op{joinAddrs(1, 2), enable(1)}, ""},
				{2 * s, nil, "to=1 +10.0.0.2:1"},
				{10 * s, []op{disable(1)}, ""},
				{62 * s, nil, ""},
				{70 * s, []op{enable(1)}, ""},
				{72 * s, nil, "to=1 +10.0.0.2:1"},
			},
		},
		{
			name: "leaving peer is not told",
			steps: []step{
				{0, []op{joinAddrs(1, 3), enable(1), enable(2)}, ""},
				{1 * s, []op{leave(2)}, ""},
				{2 * s, nil, "to=1 +10.0.0.3:1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New(tt.cfg)
			for i, sp := range tt.steps {
				now := at(sp.at)
				for _, o := range sp.ops {
					o(st, now)
				}
				if got := render(st.Due(now)); got != sp.want {
					t.Fatalf("step %d at %v:\ngot  %q\nwant %q", i, sp.at, got, sp.want)
				}
			}
		})
	}
}

func TestDueMaxTold(t *testing.T) {
	st := New(Config{MaxAdded: 5000, MaxDropped: 5000})
	const others = MaxTold + 100
	for p := Peer(1); p <= others+1; p++ {
		st.Join(p, a(int(p)))
	}
	st.Enable(t0, 1)

	out := st.Due(at(2 * time.Second))
	if len(out) != 1 || len(out[0].Msg.Added) != MaxTold || len(out[0].Msg.Dropped) != 0 {
		t.Fatalf("first message: %d messages, want one with %d added", len(out), MaxTold)
	}
	if got, want := out[0].Msg.Added[MaxTold-1], a(MaxTold+1); got != want {
		t.Fatalf("last added %s, want %s", str(got), str(want))
	}
	if n := len(st.conns[1].told); n != MaxTold {
		t.Fatalf("told %d, want %d", n, MaxTold)
	}

	// Nothing new fits while the told set is full.
	st.Join(others+2, a(int(others+2)))
	if out := st.Due(at(62 * time.Second)); len(out) != 0 {
		t.Fatalf("full told set: got %s", render(out))
	}

	// Ten told contacts leave: ten others take their place.
	for p := Peer(2); p < 12; p++ {
		st.Leave(p)
	}
	out = st.Due(at(122 * time.Second))
	if len(out) != 1 {
		t.Fatalf("got %d messages, want 1", len(out))
	}
	m := out[0].Msg
	if len(m.Dropped) != 10 || len(m.Added) != 10 {
		t.Fatalf("got %d dropped %d added, want 10 and 10", len(m.Dropped), len(m.Added))
	}
	if got, want := m.Added[0], a(MaxTold+2); got != want {
		t.Fatalf("first added %s, want %s", str(got), str(want))
	}
	if n := len(st.conns[1].told); n != MaxTold {
		t.Fatalf("told %d, want %d", n, MaxTold)
	}
}

func TestDueDoesNotAlias(t *testing.T) {
	st := New(Config{})
	st.Join(1, a(1))
	st.Join(2, a(2))
	st.Enable(t0, 1)
	out := st.Due(at(2 * time.Second))
	out[0].Msg.Added[0].Addr = netip.AddrPort{}
	st.Leave(2)
	out = st.Due(at(62 * time.Second))
	if got, want := render(out), "to=1 -10.0.0.2:1"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestConfigDefaults(t *testing.T) {
	got := New(Config{Interval: -1, MaxAdded: -3}).Config()
	want := Config{
		Interval:   DefaultInterval,
		FirstDelay: DefaultFirstDelay,
		MaxAdded:   DefaultMaxAdded,
		MaxDropped: DefaultMaxDropped,
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
