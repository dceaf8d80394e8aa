package router

import (
	"net/netip"
	"testing"
	"time"

	"shoal/internal/rendezvous/proto"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func testCore(t testing.TB, cfg Config) *core {
	t.Helper()
	k, _ := proto.GenerateKey(nil)
	cfg.Key, cfg.Cluster = k, "test"
	if err := cfg.setDefaults(); err != nil {
		t.Fatal(err)
	}
	return newCore(&cfg, newMetrics())
}

// peer registers a fake session at ip:port.
func peer(t testing.TB, c *core, ip string, port uint16) *session {
	t.Helper()
	var id proto.ID
	c.cfg.Rand(id[:])
	s := newSession(id, nil)
	s.observed = netip.AddrPortFrom(netip.MustParseAddr(ip), port)
	s.private = netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), port)
	if code := c.register(s); code != proto.CodeOK {
		t.Fatalf("register: %v", code)
	}
	return s
}

// drain returns the frames queued on s.
func drain(s *session) []proto.Frame {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	out := s.queue
	s.queue = nil
	return out
}

func count[T proto.Frame](fs []proto.Frame, keep func(T) bool) int {
	n := 0
	for _, f := range fs {
		if v, ok := f.(T); ok && (keep == nil || keep(v)) {
			n++
		}
	}
	return n
}

func TestConnectIntroducesBoth(t *testing.T) {
	c := testCore(t, Config{})
	a := peer(t, c, "198.51.100.1", 1000)
	b := peer(t, c, "203.0.113.1", 2000)
	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 1, Target: b.id})
	if n := c.m.nTable.Load(); n != 1 {
		t.Errorf("%d routing-table lookups timed, want 1", n)
	}
	in := drain(b)
	if len(in) != 1 {
		t.Fatalf("target got %v", in)
	}
	inc := in[0].(*proto.Incoming)
	if inc.From != a.id {
		t.Fatalf("incoming from %s", inc.From)
	}
	c.peerFrame(t0, b, &proto.Answer{Token: inc.Token, Accept: true})
	ia := drain(a)[0].(*proto.Introduce)
	ib := drain(b)[0].(*proto.Introduce)
	if !ia.Initiator || ib.Initiator || ia.Req != 1 || ia.Peer != b.id || ib.Peer != a.id {
		t.Errorf("introductions %+v %+v", ia, ib)
	}
	if ia.Public != b.observed || ib.Public != a.observed {
		t.Errorf("public addresses %v %v", ia.Public, ib.Public)
	}
	if ia.Private.IsValid() || ib.Private.IsValid() {
		t.Error("private address shown across NATs")
	}
	c.peerFrame(t0, a, &proto.Done{Token: inc.Token})
	if len(c.pairs) != 0 {
		t.Error("router kept the pair after Done")
	}
}

func TestConnectOutcomes(t *testing.T) {
	c := testCore(t, Config{})
	a := peer(t, c, "198.51.100.1", 1000)
	b := peer(t, c, "198.51.100.1", 1001)

	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 1, Target: proto.ID{9}})
	if n := count(drain(a), func(f *proto.ConnectFail) bool { return f.Code == proto.CodeNotFound }); n != 1 {
		t.Error("unknown target not refused")
	}
	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 2, Target: a.id})
	if n := count(drain(a), func(f *proto.ConnectFail) bool { return f.Code == proto.CodeSelf }); n != 1 {
		t.Error("connect to self not refused")
	}
	// Declined.
	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 3, Target: b.id})
	inc := drain(b)[0].(*proto.Incoming)
	c.peerFrame(t0, b, &proto.Answer{Token: inc.Token})
	if n := count(drain(a), func(f *proto.ConnectFail) bool { return f.Code == proto.CodeDeclined && f.Req == 3 }); n != 1 {
		t.Error("decline not reported")
	}
	// No answer: timeout.
	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 4, Target: b.id})
	drain(b)
	c.tick(t0.Add(c.cfg.ConnectTimeout - time.Millisecond))
	if len(drain(a)) != 0 {
		t.Error("timed out early")
	}
	c.tick(t0.Add(c.cfg.ConnectTimeout))
	if n := count(drain(a), func(f *proto.ConnectFail) bool { return f.Code == proto.CodeTimeout && f.Req == 4 }); n != 1 {
		t.Error("timeout not reported")
	}
	// Same public address: LAN first, private addresses shown.
	c.peerFrame(t0, a, &proto.ConnectRequest{Req: 5, Target: b.id})
	inc = drain(b)[0].(*proto.Incoming)
	c.peerFrame(t0, b, &proto.Answer{Token: inc.Token, Accept: true})
	ia := drain(a)[0].(*proto.Introduce)
	if ia.Plan[0] != proto.StrategyLAN || ia.Private != b.private {
		t.Errorf("same-NAT introduction %+v", ia)
	}
	if len(c.pairs) != 1 {
		t.Fatal("introduced pair not kept for relay")
	}
	c.tick(t0.Add(c.cfg.PairTTL + time.Second))
	if len(c.pairs) != 0 {
		t.Error("pair outlived PairTTL")
	}
}

func TestConnectFloodIsLimited(t *testing.T) {
	c := testCore(t, Config{})
	flooder := peer(t, c, "198.51.100.1", 1000)
	victim := peer(t, c, "198.51.100.2", 1000)
	other := peer(t, c, "198.51.100.3", 1000)
	third := peer(t, c, "198.51.100.4", 1000)
	now := t0
	limited, through := 0, 0
	for i := range 1000 {
		now = now.Add(time.Millisecond) // 1000 requests a second for a second
		c.peerFrame(now, flooder, &proto.ConnectRequest{Req: uint64(i), Target: victim.id})
		limited += count(drain(flooder), func(f *proto.ConnectFail) bool { return f.Code == proto.CodeRateLimited })
		through += count[*proto.Incoming](drain(victim), nil)
	}
	if want := c.cfg.Limits.ConnectBurst + int(c.cfg.Limits.ConnectRate) + 1; through > want {
		t.Errorf("%d of 1000 flood requests reached the target, want at most %d", through, want)
	}
	if limited+through != 1000 {
		t.Errorf("limited %d + through %d != 1000", limited, through)
	}
	if c.m.nLimited.Load() != int64(limited) {
		t.Errorf("metric %d, want %d", c.m.nLimited.Load(), limited)
	}
	// Others still reach the flooded target and other targets.
	c.peerFrame(now, other, &proto.ConnectRequest{Req: 1, Target: victim.id})
	c.peerFrame(now, other, &proto.ConnectRequest{Req: 2, Target: third.id})
	if len(drain(other)) != 0 {
		t.Error("an innocent peer was refused")
	}
	if count[*proto.Incoming](drain(victim), nil) != 1 || count[*proto.Incoming](drain(third), nil) != 1 {
		t.Error("innocent requests did not reach their targets")
	}
}

func TestManyPeersBehindOneNAT(t *testing.T) {
	c := testCore(t, Config{Limits: Limits{PerIP: 100}})
	ip := netip.MustParseAddr("198.51.100.7")
	for i := range 100 {
		if code := c.admit(t0, ip); code != proto.CodeOK {
			t.Fatalf("admission %d: %v", i, code)
		}
		peer(t, c, ip.String(), uint16(1000+i))
	}
	s := newSession(proto.ID{1}, nil)
	s.observed = netip.AddrPortFrom(ip, 9)
	if code := c.register(s); code != proto.CodeBusy {
		t.Errorf("peer 101 behind one address: %v, want busy", code)
	}
	// A burst of registration attempts is cut off.
	c2 := testCore(t, Config{})
	refused := 0
	for range 1000 {
		if c2.admit(t0, ip) != proto.CodeOK {
			refused++
		}
	}
	if refused != 1000-c2.cfg.Limits.RegisterBurst {
		t.Errorf("refused %d of 1000 registrations in one instant", refused)
	}
	// By default, 256 peers behind one NAT address may start together.
	if c2.cfg.Limits.RegisterBurst < 256 {
		t.Errorf("default registration burst %d, want at least 256", c2.cfg.Limits.RegisterBurst)
	}
}

func TestReRegisterReplaces(t *testing.T) {
	c := testCore(t, Config{})
	a := peer(t, c, "198.51.100.1", 1000)
	b := newSession(a.id, nil)
	b.observed = a.observed
	if c.register(b) != proto.CodeOK || c.peers.lookup(a.id) != b {
		t.Fatal("new session of the same key did not replace the old")
	}
	c.unregister(a) // the old session's reader ends later
	if c.peers.lookup(a.id) != b || c.perIP[a.observed.Addr()] != 1 {
		t.Error("old session removed the new one")
	}
}

func TestPlan(t *testing.T) {
	nat := func(pub string, reach bool) endpoint {
		return endpoint{public: netip.MustParseAddrPort(pub), private: netip.MustParseAddrPort("10.0.0.5:7000"), reachable: reach}
	}
	L, D, C, S := proto.StrategyLAN, proto.StrategyDirect, proto.StrategyConnectBack, proto.StrategySimOpen
	tests := []struct {
		name     string
		req, tgt endpoint
		want     []proto.Strategy
	}{
		{"same NAT", nat("198.18.0.1:1", false), nat("198.18.0.1:2", false), []proto.Strategy{L, S}},
		{"target reachable", nat("198.18.0.1:1", false), nat("198.18.0.2:2", true), []proto.Strategy{D, S}},
		{"requester reachable", nat("198.18.0.1:1", true), nat("198.18.0.2:2", false), []proto.Strategy{C, S}},
		{"both NATed", nat("198.18.0.1:1", false), nat("198.18.0.2:2", false), []proto.Strategy{S}},
		{"both open", nat("198.18.0.1:1", true), nat("198.18.0.2:2", true), []proto.Strategy{D, C, S}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plan(tt.req, tt.tgt, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("plan %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("plan %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	ms := time.Millisecond
	dr, dt := schedule(40*ms, 10*ms, 5*ms)
	if 40*ms+dr != 10*ms+dt || dr != 5*ms {
		t.Errorf("delays %v %v do not line up", dr, dt)
	}
}

func BenchmarkLookup(b *testing.B) {
	tb := table{}
	ids := make([]proto.ID, 100000)
	for i := range ids {
		ids[i][0], ids[i][1], ids[i][2], ids[i][19] = byte(i), byte(i>>8), byte(i>>16), 7
		tb[ids[i]] = &session{}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if tb.lookup(ids[i%len(ids)]) == nil {
			b.Fatal("missing")
		}
	}
}

// TestFederationBurst: a federated router's session takes the lookups of
// a thousand peers that connect at once without being dropped as slow.
func TestFederationBurst(t *testing.T) {
	fed := newFedSession(proto.ID{9}, nil)
	for i := range 1000 {
		if !fed.send(&proto.Lookup{Query: uint64(i)}) {
			t.Fatalf("federation session dropped after %d queued frames", i)
		}
	}
	peer := newSession(proto.ID{8}, nil)
	for i := range queueLen {
		peer.send(&proto.Ping{Seq: uint64(i)})
	}
	if peer.send(&proto.Ping{}) {
		t.Error("a peer session queues without bound")
	}
}
