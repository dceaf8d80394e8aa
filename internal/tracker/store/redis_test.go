package store

import (
	"context"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shoal/internal/bt"
	"shoal/internal/redistest"
	"shoal/internal/tracker/registry"
)

func openRedis(t testing.TB, url string, cfg RedisConfig) *Redis {
	t.Helper()
	r, err := OpenRedis(t.Context(), url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// rawClient is a plain client for looking at and tampering with the keys.
func rawClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// follower runs Follow in the background and collects what it applies.
type follower struct {
	t       *testing.T
	batches chan registry.Batch
	done    chan error
	cancel  context.CancelFunc
}

func follow(t *testing.T, r *Redis) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	f := &follower{t: t, batches: make(chan registry.Batch, 100), done: make(chan error, 1), cancel: cancel}
	go func() { f.done <- r.Follow(ctx, func(b registry.Batch) { f.batches <- b }) }()
	t.Cleanup(func() {
		cancel()
		<-f.done
	})
	return f
}

// next returns the next batch applied, failing after a while.
func (f *follower) next() registry.Batch {
	f.t.Helper()
	select {
	case b := <-f.batches:
		return b
	case err := <-f.done:
		f.t.Fatalf("follow ended: %v", err)
	case <-time.After(15 * time.Second):
		f.t.Fatal("no batch followed")
	}
	return registry.Batch{}
}

// quiet checks that nothing is applied for a moment.
func (f *follower) quiet() {
	f.t.Helper()
	select {
	case b := <-f.batches:
		f.t.Errorf("unexpected batch %+v", b)
	case <-time.After(200 * time.Millisecond):
	}
}

func loadSorted(t *testing.T, r *Redis) []registry.SwarmState {
	t.Helper()
	got, err := r.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return sorted(got)
}

func checkSwarms(t *testing.T, got, want []registry.SwarmState) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("loaded %d swarms, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].InfoHash != want[i].InfoHash || got[i].Completed != want[i].Completed || !equalPeers(got[i].Peers, want[i].Peers) {
			t.Errorf("swarm %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func removal(h bt.InfoHash, addr string) registry.PeerChange {
	return registry.PeerChange{InfoHash: h, Peer: registry.Peer{Addr: netip.MustParseAddrPort(addr)}, Removed: true}
}

func TestRedisApplyLoad(t *testing.T) {
	srv := redistest.Start(t)
	h1, h2 := bt.InfoHash{1}, bt.InfoHash{2}
	s := openRedis(t, srv.URL(0), RedisConfig{})
	batches := []registry.Batch{
		{
			Peers: []registry.PeerChange{
				{InfoHash: h1, Peer: peer(1, "10.0.0.1:6881", 0)},
				{InfoHash: h1, Peer: peer(2, "[2001:db8::2]:51413", 100)},
				{InfoHash: h1, Peer: peer(3, "10.0.0.3:6881", 5)},
				{InfoHash: h2, Peer: peer(4, "10.0.0.4:6881", 0)},
			},
			Completed: []registry.CompletedChange{{InfoHash: h1, Delta: 2}, {InfoHash: h2, Delta: 1}},
		},
		{
			Peers: []registry.PeerChange{
				removal(h1, "10.0.0.3:6881"),
				removal(h2, "10.0.0.4:6881"),
				removal(h2, "10.0.0.9:6881"), // unknown
			},
			Completed: []registry.CompletedChange{{InfoHash: h1, Delta: 3}},
		},
	}
	for _, b := range batches {
		if err := s.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	want := []registry.SwarmState{
		{InfoHash: h1, Completed: 5, Peers: []registry.Peer{peer(1, "10.0.0.1:6881", 0), peer(2, "[2001:db8::2]:51413", 100)}},
		{InfoHash: h2, Completed: 1},
	}
	checkSwarms(t, loadSorted(t, s), want)
	// Another process sees the same.
	checkSwarms(t, loadSorted(t, openRedis(t, srv.URL(0), RedisConfig{})), want)

	// The key layout: a set of swarms, a compact hash per swarm.
	c := rawClient(t, srv.URL(0))
	if n := c.SCard(t.Context(), DefaultRedisPrefix+"swarms").Val(); n != 2 {
		t.Errorf("%d swarms in the set, want 2", n)
	}
	key := DefaultRedisPrefix + "swarm:" + hex.EncodeToString(h1[:])
	if n := c.HLen(t.Context(), key).Val(); n != 3 {
		t.Errorf("HLEN %s = %d, want 2 peers and the completed count", key, n)
	}
	if enc := c.ObjectEncoding(t.Context(), key).Val(); enc != "listpack" {
		t.Errorf("swarm hash encoding %q, want listpack", enc)
	}
	if v := c.HGet(t.Context(), key, "c").Val(); v != "5" {
		t.Errorf("completed field %q, want 5", v)
	}

	// A swarm without peers or history leaves no trace.
	h3 := bt.InfoHash{3}
	if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{{InfoHash: h3, Peer: peer(5, "10.0.0.5:1", 1)}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{removal(h3, "10.0.0.5:1")}}); err != nil {
		t.Fatal(err)
	}
	if ok := c.SIsMember(t.Context(), DefaultRedisPrefix+"swarms", string(h3[:])).Val(); ok {
		t.Error("an emptied swarm stays in the set")
	}
	checkSwarms(t, loadSorted(t, s), want)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if err := s.Apply(t.Context(), batches[0]); err == nil {
		t.Error("apply after close succeeded")
	}
}

func TestRedisLoadLarge(t *testing.T) {
	srv := redistest.Start(t)
	s := openRedis(t, srv.URL(0), RedisConfig{})
	// More swarms than one SSCAN round, and one swarm larger than one HSCAN
	// round (and than a listpack).
	var b registry.Batch
	for i := range 3 * scanSwarms {
		h := bt.InfoHash{0: byte(i >> 8), 1: byte(i), 19: 1}
		b.Peers = append(b.Peers, registry.PeerChange{InfoHash: h, Peer: peer(1, "10.1.0.1:1000", 0)})
		b.Completed = append(b.Completed, registry.CompletedChange{InfoHash: h, Delta: uint64(i + 1)})
	}
	big := bt.InfoHash{19: 2}
	n := 3*scanPeers + 7
	for i := range n {
		p := peer(byte(i), "10.2.0.1:1", int64(i))
		p.Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}), uint16(1000+i))
		b.Peers = append(b.Peers, registry.PeerChange{InfoHash: big, Peer: p})
	}
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3*scanSwarms+1 {
		t.Fatalf("loaded %d swarms, want %d", len(got), 3*scanSwarms+1)
	}
	for _, st := range got {
		if st.InfoHash == big {
			seen := map[netip.AddrPort]bool{}
			for _, p := range st.Peers {
				seen[p.Addr] = true
			}
			if len(st.Peers) != n || len(seen) != n {
				t.Errorf("big swarm: %d peers, %d distinct, want %d", len(st.Peers), len(seen), n)
			}
			continue
		}
		i := int(st.InfoHash[0])<<8 | int(st.InfoHash[1])
		if len(st.Peers) != 1 || st.Completed != uint64(i+1) {
			t.Errorf("swarm %d: %d peers, completed %d", i, len(st.Peers), st.Completed)
		}
	}
}

func TestRedisLoadSkipsMalformed(t *testing.T) {
	srv := redistest.Start(t)
	s := openRedis(t, srv.URL(0), RedisConfig{})
	h := bt.InfoHash{7}
	good := peer(1, "10.0.0.1:1", 0)
	if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: good}}}); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, srv.URL(0))
	key := DefaultRedisPrefix + "swarm:" + hex.EncodeToString(h[:])
	ctx := t.Context()
	c.SAdd(ctx, DefaultRedisPrefix+"swarms", "short", string(make([]byte, 20)))
	c.HSet(ctx, key, "bad field", "x", strings.Repeat("e", endpointLen), "short value", "c", "many")
	got := loadSorted(t, s)
	checkSwarms(t, got, []registry.SwarmState{{InfoHash: h, Peers: []registry.Peer{good}}})
}

func TestRedisFollow(t *testing.T) {
	srv := redistest.Start(t)
	a := openRedis(t, srv.URL(0), RedisConfig{})
	b := openRedis(t, srv.URL(0), RedisConfig{})
	if _, err := a.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Changes made between Load and Follow are not missed.
	h := bt.InfoHash{9}
	p1, p2 := peer(1, "10.0.0.1:1", 0), peer(2, "[2001:db8::2]:2", 7)
	err := b.Apply(t.Context(), registry.Batch{
		Peers:     []registry.PeerChange{{InfoHash: h, Peer: p1}},
		Completed: []registry.CompletedChange{{InfoHash: h, Delta: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := follow(t, a)
	got := f.next()
	if len(got.Peers) != 1 || got.Peers[0].Removed || !equalPeers([]registry.Peer{got.Peers[0].Peer}, []registry.Peer{p1}) ||
		len(got.Completed) != 1 || got.Completed[0] != (registry.CompletedChange{InfoHash: h, Delta: 2}) {
		t.Fatalf("followed %+v", got)
	}

	// A's own changes come back too, but its completed count is not
	// counted twice.
	err = a.Apply(t.Context(), registry.Batch{
		Peers:     []registry.PeerChange{{InfoHash: h, Peer: p2}},
		Completed: []registry.CompletedChange{{InfoHash: h, Delta: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got = f.next()
	if len(got.Peers) != 1 || got.Peers[0].Peer.Addr != p2.Addr || len(got.Completed) != 0 {
		t.Fatalf("followed own change %+v", got)
	}

	// Removals are published.
	if err := b.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{removal(h, "10.0.0.1:1")}}); err != nil {
		t.Fatal(err)
	}
	got = f.next()
	if len(got.Peers) != 1 || !got.Peers[0].Removed || got.Peers[0].Peer.Addr != p1.Addr {
		t.Fatalf("followed removal %+v", got)
	}
	// Removing what is not there publishes nothing.
	if err := b.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{removal(h, "10.0.0.1:1")}}); err != nil {
		t.Fatal(err)
	}
	f.quiet()

	if err := a.Follow(t.Context(), func(registry.Batch) {}); err == nil {
		t.Error("a second Follow succeeded")
	}
	f.cancel()
	if err := <-f.done; err != nil {
		t.Errorf("follow after cancel: %v", err)
	}
	f.done <- nil // for the cleanup
}

// TestRedisConflicts checks how writers are reconciled: the later last-seen
// time wins, and a removal does not delete a peer seen after the time the
// removal covers.
func TestRedisConflicts(t *testing.T) {
	srv := redistest.Start(t)
	now := t0.Add(time.Hour)
	a := openRedis(t, srv.URL(0), RedisConfig{})
	b := openRedis(t, srv.URL(0), RedisConfig{})
	watch := openRedis(t, srv.URL(0), RedisConfig{})
	loadSorted(t, watch) // subscribes
	f := follow(t, watch)
	h := bt.InfoHash{5}
	const addr = "10.0.0.1:1"
	at := func(n byte, seen time.Time) registry.Peer {
		p := peer(n, addr, int64(n))
		p.LastSeen = seen
		return p
	}
	removedAt := func(seen time.Time) registry.PeerChange {
		c := removal(h, addr)
		c.Peer.LastSeen = seen
		return c
	}
	apply := func(s *Redis, c registry.PeerChange) {
		t.Helper()
		if err := s.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{c}}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() []registry.Peer {
		t.Helper()
		st := loadSorted(t, watch)
		if len(st) == 0 {
			return nil
		}
		return st[0].Peers
	}

	newer := at(2, now.Add(-time.Second))
	apply(b, registry.PeerChange{InfoHash: h, Peer: newer})
	f.next()
	// An older state does not replace a newer one, and is not published.
	apply(a, registry.PeerChange{InfoHash: h, Peer: at(1, now.Add(-5*time.Second))})
	f.quiet()
	if got := stored(); !equalPeers(got, []registry.Peer{newer}) {
		t.Fatalf("after an older put: %+v", got)
	}

	// A expires the state it knew, seen 5s ago; B has seen the peer since:
	// refused, and B's state is published again so that A takes it back.
	apply(a, removedAt(now.Add(-5*time.Second)))
	got := f.next()
	if len(got.Peers) != 1 || got.Peers[0].Removed || !equalPeers([]registry.Peer{got.Peers[0].Peer}, []registry.Peer{newer}) {
		t.Fatalf("refused removal published %+v", got)
	}
	if got := stored(); !equalPeers(got, []registry.Peer{newer}) {
		t.Fatalf("after a refused removal: %+v", got)
	}

	// The peer stops on A after its announce to B: removed.
	apply(a, removedAt(now))
	if got := f.next(); len(got.Peers) != 1 || !got.Peers[0].Removed || !got.Peers[0].Peer.LastSeen.Equal(now) {
		t.Fatalf("stop published %+v", got)
	}
	if got := stored(); len(got) != 0 {
		t.Fatalf("after stop: %+v", got)
	}

	// A removal without a time always deletes.
	apply(b, registry.PeerChange{InfoHash: h, Peer: at(3, now)})
	f.next()
	apply(a, removal(h, addr))
	if got := f.next(); len(got.Peers) != 1 || !got.Peers[0].Removed {
		t.Fatalf("removal published %+v", got)
	}
	if got := stored(); len(got) != 0 {
		t.Fatalf("after removal: %+v", got)
	}
}

// TestRedisCatchUp checks what Follow reads after missing messages: peers
// seen since shortly before the loss, and completed counts without this
// process's own increments.
func TestRedisCatchUp(t *testing.T) {
	srv := redistest.Start(t)
	now := t0.Add(time.Hour)
	cfg := RedisConfig{Now: func() time.Time { return now }}
	a := openRedis(t, srv.URL(0), cfg)
	b := openRedis(t, srv.URL(0), cfg)
	if _, err := a.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := bt.InfoHash{4}
	old, fresh := peer(1, "10.0.0.1:1", 0), peer(2, "10.0.0.2:2", 3)
	old.LastSeen = now.Add(-catchUpSlack - time.Second)
	fresh.LastSeen = now.Add(-5 * time.Second)
	lost := now
	a.beginCatchUp()
	mustApply := func(s *Redis, b registry.Batch) {
		t.Helper()
		if err := s.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(b, registry.Batch{
		Peers:     []registry.PeerChange{{InfoHash: h, Peer: old}, {InfoHash: h, Peer: fresh}},
		Completed: []registry.CompletedChange{{InfoHash: h, Delta: 4}},
	})
	mustApply(a, registry.Batch{Completed: []registry.CompletedChange{{InfoHash: h, Delta: 1}}})
	var got []registry.Batch
	if err := a.catchUp(t.Context(), lost, func(b registry.Batch) { got = append(got, b) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("caught up with %d batches: %+v", len(got), got)
	}
	if len(got[0].Peers) != 1 || got[0].Peers[0].Peer.Addr != fresh.Addr {
		t.Errorf("caught up with peers %+v, want only the fresh one", got[0].Peers)
	}
	if len(got[0].Completed) != 1 || got[0].Completed[0].Delta != 4 {
		t.Errorf("caught up with completed %+v, want B's 4", got[0].Completed)
	}
	if a.own != nil || a.totals[h] != 5 {
		t.Errorf("after catching up: own %v, total %d", a.own, a.totals[h])
	}
}

// TestRedisOutage stops Redis under a following store: Apply fails with an
// error, Follow keeps retrying and picks up changes once Redis is back.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	a := openRedis(t, srv.URL(0), RedisConfig{})
	b := openRedis(t, srv.URL(0), RedisConfig{})
	if _, err := a.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := follow(t, a)
	h := bt.InfoHash{8}
	put := func(n byte) registry.Batch {
		return registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: peer(n, "10.0.0.1:1", int64(n))}}}
	}
	if err := b.Apply(t.Context(), put(1)); err != nil {
		t.Fatal(err)
	}
	f.next()

	srv.Stop()
	err := b.Apply(t.Context(), put(2))
	if err == nil || !strings.HasPrefix(err.Error(), "store: redis 127.0.0.1:") {
		t.Fatalf("apply with redis down: %v", err)
	}
	if _, err := b.Load(t.Context()); err == nil {
		t.Fatal("load with redis down succeeded")
	}
	time.Sleep(300 * time.Millisecond) // let Follow fail a few times
	srv.Restart()

	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := b.Apply(t.Context(), put(3)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-f.batches:
			if len(got.Peers) != 1 || got.Peers[0].Peer.Left != 3 {
				t.Fatalf("after the outage followed %+v", got)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("follow did not recover")
		}
	}
}

func TestRedisCloseEndsFollow(t *testing.T) {
	srv := redistest.Start(t)
	a, err := OpenRedis(t.Context(), srv.URL(0), RedisConfig{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Follow(t.Context(), func(registry.Batch) {}) }()
	time.Sleep(100 * time.Millisecond)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("follow on a closed store: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow did not end on close")
	}
	if err := a.Follow(t.Context(), func(registry.Batch) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("follow after close: %v", err)
	}
}

func TestRedisDatabasesApart(t *testing.T) {
	srv := redistest.Start(t)
	a := openRedis(t, srv.URL(1), RedisConfig{})
	b := openRedis(t, srv.URL(2), RedisConfig{})
	c := openRedis(t, srv.URL(1), RedisConfig{})
	loadSorted(t, a) // subscribes
	f := follow(t, a)
	h := bt.InfoHash{6}
	batch := registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: peer(1, "10.0.0.1:1", 0)}}}
	if err := b.Apply(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	f.quiet()
	if st := loadSorted(t, a); len(st) != 0 {
		t.Errorf("database 1 sees database 2: %+v", st)
	}
	if err := c.Apply(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	f.next()
}

func TestOpenRedisErrors(t *testing.T) {
	srv := redistest.Start(t)
	closed := redistest.FreePort(t)
	for _, tc := range []struct{ url, want string }{
		{"http://127.0.0.1:1/0", "store: redis url"},
		{"redis://127.0.0.1:6379/x", "store: redis url"},
		{"redis://127.0.0.1:" + strconv.Itoa(closed) + "/0", "store: redis 127.0.0.1:" + strconv.Itoa(closed) + " db 0: connect"},
		{srv.URL(99), "db 99: connect"},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		r, err := OpenRedis(ctx, tc.url, RedisConfig{})
		cancel()
		if err == nil {
			r.Close()
			t.Errorf("%s: opened", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestRedisApplyCancelled(t *testing.T) {
	srv := redistest.Start(t)
	s := openRedis(t, srv.URL(0), RedisConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := registry.Batch{Completed: []registry.CompletedChange{{InfoHash: bt.InfoHash{1}, Delta: 1}}}
	if err := s.Apply(ctx, b); err == nil {
		t.Error("apply with a cancelled context succeeded")
	}
	if err := s.Apply(t.Context(), registry.Batch{}); err != nil {
		t.Errorf("empty apply: %v", err)
	}
}
