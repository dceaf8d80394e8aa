package server

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/tracker/registry"
	"shoal/internal/tracker/store"
)

func scrapeOne(t *testing.T, s *Server, h [20]byte) map[string]any {
	t.Helper()
	u := strings.TrimSuffix(s.AnnounceURL(), "/announce") + "/scrape?" + url.Values{"info_hash": {string(h[:])}}.Encode()
	d := get(t, u)
	f, _ := d["files"].(map[string]any)[string(h[:])].(map[string]any)
	return f
}

func TestRestartKeepsSwarms(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	h := ih(1)
	cfg := Config{HTTPAddr: "127.0.0.1:0", Now: clk.Now, Interval: time.Minute}

	st, err := store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	v := announceValues(h, peerID(1), 6001, 0)
	v.Set("event", "completed")
	get(t, announceURLFor(s, v))
	get(t, announceURLFor(s, announceValues(h, peerID(2), 6002, 50)))
	clk.Advance(30 * time.Second)
	get(t, announceURLFor(s, announceValues(h, peerID(2), 6002, 40)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	s = startServer(t, cfg)
	f := scrapeOne(t, s, h)
	if f["complete"] != int64(1) || f["incomplete"] != int64(1) || f["downloaded"] != int64(1) {
		t.Fatalf("after restart: %v", f)
	}
	d := get(t, announceURLFor(s, announceValues(h, peerID(3), 6003, 50)))
	if p := compactPeers(t, d["peers"], 6); len(p) != 2 {
		t.Errorf("after restart a new peer sees %v", p)
	}

	// Restored peers keep their last-seen times: peer 1 (seen at t0) expires
	// before peer 2 (seen 30s later).
	ttl := 2*time.Minute + peerGrace
	clk.Advance(ttl - 30*time.Second)
	s.reg.Expire(clk.Now())
	if f := scrapeOne(t, s, h); f["complete"] != int64(0) || f["incomplete"] != int64(2) || f["downloaded"] != int64(1) {
		t.Errorf("after expiry: %v", f)
	}
}

func TestStartExpiresStalePeers(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := ih(2)
	err = st.Apply(t.Context(), registry.Batch{Peers: []registry.PeerChange{
		{InfoHash: h, Peer: registry.Peer{Addr: netip.MustParseAddrPort("192.0.2.1:1"), LastSeen: t0.Add(-2 * time.Hour)}},
		{InfoHash: h, Peer: registry.Peer{Addr: netip.MustParseAddrPort("192.0.2.2:1"), LastSeen: t0.Add(-time.Minute), Left: 5}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	s := startServer(t, Config{Store: st, Now: clk.Now, HTTPAddr: "127.0.0.1:0"})
	if f := scrapeOne(t, s, h); f["complete"] != int64(0) || f["incomplete"] != int64(1) {
		t.Errorf("loaded %v", f)
	}
}

// memStore is a Store and Follower in memory.
type memStore struct {
	mu      sync.Mutex
	batches []registry.Batch
	applied chan struct{}
	follow  chan registry.Batch
	fail    error
}

func newMemStore() *memStore {
	return &memStore{applied: make(chan struct{}, 100), follow: make(chan registry.Batch)}
}

func (m *memStore) Load(context.Context) ([]registry.SwarmState, error) { return nil, m.fail }

func (m *memStore) Apply(_ context.Context, b registry.Batch) error {
	m.mu.Lock()
	m.batches = append(m.batches, b)
	m.mu.Unlock()
	select {
	case m.applied <- struct{}{}:
	default:
	}
	return nil
}

func (m *memStore) Close() error { return nil }

func (m *memStore) Follow(ctx context.Context, apply func(registry.Batch)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-m.follow:
			apply(b)
		}
	}
}

func TestBackgroundFlushAndFollow(t *testing.T) {
	ms := newMemStore()
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", Store: ms, FlushInterval: 10 * time.Millisecond})
	h := ih(3)
	get(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 5)))
	select {
	case <-ms.applied:
	case <-time.After(5 * time.Second):
		t.Fatal("no flush within 5s")
	}
	ms.mu.Lock()
	b := ms.batches[0]
	ms.mu.Unlock()
	if len(b.Peers) != 1 || b.Peers[0].Peer.Addr != netip.MustParseAddrPort("127.0.0.1:6001") {
		t.Errorf("flushed %+v", b)
	}

	// A change made by another process shows up here.
	remote := registry.Batch{Peers: []registry.PeerChange{{InfoHash: h, Peer: registry.Peer{
		Addr: netip.MustParseAddrPort("198.51.100.1:7000"), Left: 0, LastSeen: time.Now(),
	}}}}
	select {
	case ms.follow <- remote:
	case <-time.After(5 * time.Second):
		t.Fatal("server is not following the store")
	}
	// The follower applies the batch after taking it from the channel.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := get(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 5)))
		if d["complete"] == int64(1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("remote seeder not merged: %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStartErrors(t *testing.T) {
	ms := newMemStore()
	ms.fail = errors.New("disk on fire")
	s, err := New(Config{Store: ms})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Start with a failing store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}

	busy := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	s, err = New(Config{UDPAddr: "127.0.0.1:0", HTTPAddr: busy.HTTPAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err == nil {
		t.Error("Start on a busy port succeeded")
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if err := busy.Start(t.Context()); err == nil {
		t.Error("second Start succeeded")
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval != 30*time.Minute || c.MinInterval != 15*time.Minute || c.PeerTTL != 61*time.Minute ||
		c.NumWant != 50 || c.MaxNumWant != 200 || len(c.Secret) != 32 || c.Now == nil || c.Logger == nil {
		t.Errorf("defaults %+v", c)
	}
	c, _ = Config{Interval: time.Minute}.withDefaults()
	if c.PeerTTL != 3*time.Minute {
		t.Errorf("embedded TTL %v", c.PeerTTL)
	}
	for _, bad := range []Config{
		{Interval: time.Millisecond},
		{Interval: time.Minute, MinInterval: 2 * time.Minute},
		{Interval: time.Minute, PeerTTL: time.Second},
		{MaxNumWant: -1},
		{TrustedProxies: []netip.Prefix{{}}},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) succeeded", bad)
		}
	}
}

func TestRun(t *testing.T) {
	s, err := New(Config{HTTPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for s.HTTPAddr() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	get(t, announceURLFor(s, announceValues(ih(1), peerID(1), 1, 1)))
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestCrashKeepsFlushedSwarms copies the database file while the tracker is
// still running, as a kill -9 would leave it, and starts a new tracker on
// the copy.
func TestCrashKeepsFlushedSwarms(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", Store: st, FlushInterval: 10 * time.Millisecond})
	h := ih(4)
	get(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 0)))
	get(t, announceURLFor(s, announceValues(h, peerID(2), 6002, 7)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := st.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && len(got[0].Peers) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not flushed: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	crashed := t.TempDir()
	data, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(crashed, store.FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	st2, err := store.OpenBolt(crashed, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	s2 := startServer(t, Config{HTTPAddr: "127.0.0.1:0", Store: st2})
	if f := scrapeOne(t, s2, h); f["complete"] != int64(1) || f["incomplete"] != int64(1) {
		t.Errorf("after crash: %v", f)
	}
}
