package pex

import (
	"net/netip"
	"testing"
	"time"
)

func TestReceiveFilters(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		added []Contact
		want  string
	}{
		{
			name:  "plain contacts with flags pass",
			added: []Contact{a(20), with(a(21), func(c *Contact) { c.Seed = true; c.Reachable = true }), r(22)},
			want:  "10.0.0.20:1 10.0.0.21:1+s+o r22",
		},
		{
			name: "invalid addresses are skipped",
			added: []Contact{
				{},
				{Addr: netip.AddrPort{}},
				{Addr: ap("10.0.0.20:0")},
				{Addr: ap("0.0.0.0:20")},
				{Addr: ap("[::]:20")},
				{Addr: ap("224.0.0.1:20")},
				{Addr: ap("[ff02::1]:20")},
				{Addr: ap("255.255.255.255:20")},
				{Addr: ap("[::ffff:255.255.255.255]:20")},
				{Addr: ap("[::ffff:0.0.0.0]:20")},
				{Seed: true, Reachable: true},
				a(21),
			},
			want: "10.0.0.21:1",
		},
		{
			name: "IPv4-mapped addresses are unmapped",
			added: []Contact{
				{Addr: ap("[::ffff:10.0.0.20]:5")},
				{Addr: ap("[2001:db8::1]:6")},
			},
			want: "10.0.0.20:5 [2001:db8::1]:6",
		},
		{
			name: "an invalid address with a rendezvous ID keeps the ID",
			added: []Contact{
				{Addr: ap("224.0.0.1:20"), Rendezvous: rv(20)},
				{Addr: ap("10.0.0.21:0"), Rendezvous: rv(21), Seed: true},
			},
			want: "r20 r21+s",
		},
		{
			name: "duplicates within the message are skipped",
			added: []Contact{
				a(20),
				a(20),
				{Addr: ap("[::ffff:10.0.0.20]:1")},
				r(21),
				r(21),
				{Addr: a(22).Addr, Rendezvous: rv(21)},
				{Addr: a(23).Addr, Rendezvous: rv(23)},
				a(23),
				r(23),
				with(a(24), func(c *Contact) { c.Seed = true }),
				a(24),
			},
			want: "10.0.0.20:1 r21 10.0.0.23:1/r23 10.0.0.24:1+s",
		},
		{
			name: "contacts of connected peers are skipped",
			added: []Contact{
				a(1), // the sender
				a(2),
				{Addr: ap("[::ffff:10.0.0.3]:1")},
				r(4),
				{Addr: a(30).Addr, Rendezvous: rv(4)},
				{Addr: a(5).Addr, Rendezvous: rv(31)},
				{Addr: a(6).Addr},        // connected peer 6 has no contact
				{Addr: ap("10.0.0.2:2")}, // another port
				r(9),
			},
			want: "10.0.0.6:1 10.0.0.2:2 r9",
		},
		{
			name:  "only the first MaxAdded entries are looked at",
			cfg:   Config{MaxAdded: 3},
			added: []Contact{a(20), {}, a(21), a(22), a(23)},
			want:  "10.0.0.20:1 10.0.0.21:1",
		},
		{
			name:  "nothing worth dialing",
			added: []Contact{a(2), {}},
			want:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New(tt.cfg)
			st.Join(1, a(1))
			st.Join(2, a(2))
			st.Join(3, a(3))
			st.Join(4, r(4))
			st.Join(5, Contact{Addr: a(5).Addr, Rendezvous: rv(5)})
			st.Join(6, Contact{})
			st.Enable(t0, 1)
			got := st.Receive(t0, 1, Message{Added: tt.added, Dropped: []Contact{a(40), r(41)}})
			if s := strs(got); s != tt.want {
				t.Fatalf("got  %q\nwant %q", s, tt.want)
			}
		})
	}
}

func TestReceiveRate(t *testing.T) {
	const s = time.Second
	type recv struct {
		at   time.Duration
		from Peer
		ok   bool // the message is accepted
	}
	tests := []struct {
		name  string
		cfg   Config
		setup []op
		recvs []recv
	}{
		{
			name:  "not joined",
			recvs: []recv{{0, 9, false}},
		},
		{
			name:  "joined but not enabled",
			setup: []op{join(1, a(1))},
			recvs: []recv{{0, 1, false}, {100 * s, 1, false}},
		},
		{
			name:  "first message accepted at once",
			setup: []op{join(1, a(1)), enable(1)},
			recvs: []recv{{0, 1, true}},
		},
		{
			name:  "flooding peer is ignored until half an interval has passed",
			setup: []op{join(1, a(1)), enable(1)},
			recvs: []recv{
				{0, 1, true},
				{1 * s, 1, false},
				{29 * s, 1, false},
				{30 * s, 1, true},
				{59 * s, 1, false},
				{60 * s, 1, true},
			},
		},
		{
			name:  "half interval from config",
			cfg:   Config{Interval: 10 * s},
			setup: []op{join(1, a(1)), enable(1)},
			recvs: []recv{{0, 1, true}, {4 * s, 1, false}, {5 * s, 1, true}},
		},
		{
			name:  "each peer has its own limit",
			setup: []op{join(1, a(1)), join(2, a(2)), enable(1), enable(2)},
			recvs: []recv{{0, 1, true}, {1 * s, 2, true}, {2 * s, 1, false}, {30 * s, 1, true}, {30 * s, 2, false}},
		},
		{
			name:  "disabled peer is ignored",
			setup: []op{join(1, a(1)), enable(1), disable(1)},
			recvs: []recv{{0, 1, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := New(tt.cfg)
			for _, o := range tt.setup {
				o(st, t0)
			}
			for i, rc := range tt.recvs {
				got := st.Receive(at(rc.at), rc.from, Message{Added: []Contact{a(100 + i)}})
				if ok := got != nil; ok != rc.ok {
					t.Fatalf("message %d at %v from %d: accepted %v, want %v", i, rc.at, rc.from, ok, rc.ok)
				}
			}
		})
	}
}

func TestReceiveAfterLeave(t *testing.T) {
	st := New(Config{})
	st.Join(1, a(1))
	st.Enable(t0, 1)
	if got := st.Receive(t0, 1, Message{Added: []Contact{a(20)}}); len(got) != 1 {
		t.Fatalf("first message: got %q", strs(got))
	}
	st.Leave(1)
	if got := st.Receive(at(time.Second), 1, Message{Added: []Contact{a(21)}}); got != nil {
		t.Fatalf("after leave: got %q", strs(got))
	}
	st.Join(1, a(1))
	st.Enable(at(time.Second), 1)
	if got := st.Receive(at(time.Second), 1, Message{Added: []Contact{a(22)}}); strs(got) != "10.0.0.22:1" {
		t.Fatalf("after rejoin: got %q, want the message accepted", strs(got))
	}
	// The address of a peer that left is worth dialing again.
	st.Join(2, a(2))
	st.Enable(t0, 2)
	st.Leave(1)
	if got := st.Receive(at(time.Second), 2, Message{Added: []Contact{a(1)}}); strs(got) != "10.0.0.1:1" {
		t.Fatalf("left peer: got %q", strs(got))
	}
}

func TestReceiveSharedConnectedAddress(t *testing.T) {
	st := New(Config{Interval: 2 * time.Second})
	st.Join(1, a(1))
	st.Enable(t0, 1)
	st.Join(2, Contact{Addr: a(9).Addr, Rendezvous: rv(9)})
	st.Join(3, Contact{Addr: a(9).Addr, Rendezvous: rv(9)})
	msg := Message{Added: []Contact{a(9), r(9)}}
	steps := []struct {
		leave Peer
		want  string
	}{
		{0, ""},
		{2, ""},
		{3, "10.0.0.9:1 r9"},
	}
	for i, sp := range steps {
		if sp.leave != 0 {
			st.Leave(sp.leave)
		}
		now := at(time.Duration(i) * time.Second)
		if got := strs(st.Receive(now, 1, msg)); got != sp.want {
			t.Fatalf("step %d: got %q, want %q", i, got, sp.want)
		}
	}
}

// TestToggleKeepsLimits: a peer that switches ut_pex off and on again can
// neither send more often than the flood limit allows nor get the whole
// set sooner than its schedule.
func TestToggleKeepsLimits(t *testing.T) {
	s := New(Config{Interval: time.Minute, FirstDelay: 2 * time.Second})
	s.Join(1, a(1))
	s.Join(2, a(2))
	s.Enable(at(0), 1)
	if out := s.Due(at(2 * time.Second)); len(out) != 1 {
		t.Fatalf("first message: %s", render(out))
	}
	if got := s.Receive(at(3*time.Second), 1, Message{Added: []Contact{a(30)}}); len(got) != 1 {
		t.Fatalf("first message from the peer: %s", strs(got))
	}
	s.Disable(1)
	s.Enable(at(4*time.Second), 1)
	if got := s.Receive(at(5*time.Second), 1, Message{Added: []Contact{a(31)}}); got != nil {
		t.Errorf("a message 2s after the last one, across a toggle, was taken: %s", strs(got))
	}
	if out := s.Due(at(10 * time.Second)); len(out) != 0 {
		t.Errorf("the toggle brought the next message forward: %s", render(out))
	}
	if out := s.Due(at(62 * time.Second)); len(out) != 1 || len(out[0].Msg.Added) != 1 {
		t.Errorf("after the interval the whole set goes again: %s", render(out))
	}
}
