package store

import (
	"cmp"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func peer(n byte, addr string, left int64) registry.Peer {
	return registry.Peer{
		ID:         bt.PeerID{0: '-', 1: n},
		Addr:       netip.MustParseAddrPort(addr),
		Uploaded:   int64(n) * 1000,
		Downloaded: int64(n) * 10,
		Left:       left,
		LastSeen:   t0.Add(time.Duration(n) * time.Second),
		Completed:  left == 0,
	}
}

func sorted(st []registry.SwarmState) []registry.SwarmState {
	slices.SortFunc(st, func(a, b registry.SwarmState) int { return slices.Compare(a.InfoHash[:], b.InfoHash[:]) })
	for i := range st {
		slices.SortFunc(st[i].Peers, func(a, b registry.Peer) int { return cmp.Compare(a.Addr.String(), b.Addr.String()) })
	}
	return st
}

func equalPeers(a, b []registry.Peer) bool {
	return slices.EqualFunc(a, b, func(x, y registry.Peer) bool {
		return x.ID == y.ID && x.Addr == y.Addr && x.Uploaded == y.Uploaded && x.Downloaded == y.Downloaded &&
			x.Left == y.Left && x.LastSeen.Equal(y.LastSeen) && x.Completed == y.Completed &&
			x.Rendezvous == y.Rendezvous
	})
}

func TestBoltApplyLoadReopen(t *testing.T) {
	dir := t.TempDir()
	h1, h2 := bt.InfoHash{1}, bt.InfoHash{2}
	s, err := OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
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
				{InfoHash: h1, Peer: registry.Peer{Addr: netip.MustParseAddrPort("10.0.0.3:6881")}, Removed: true},
				{InfoHash: h2, Peer: registry.Peer{Addr: netip.MustParseAddrPort("10.0.0.4:6881")}, Removed: true},
				{InfoHash: h2, Peer: registry.Peer{Addr: netip.MustParseAddrPort("10.0.0.9:6881")}, Removed: true}, // unknown
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
	check := func(s *Bolt) {
		t.Helper()
		got, err := s.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got = sorted(got)
		if len(got) != len(want) {
			t.Fatalf("loaded %d swarms, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if got[i].InfoHash != want[i].InfoHash || got[i].Completed != want[i].Completed || !equalPeers(got[i].Peers, want[i].Peers) {
				t.Errorf("swarm %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}

	s, err = OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)

	// The file is locked while open.
	if _, err := OpenBolt(dir, nil); err == nil {
		t.Error("second open of a locked database succeeded")
	}
}

func TestBoltEmptyAndCancelled(t *testing.T) {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "a", "b"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Load(t.Context())
	if err != nil || len(got) != 0 {
		t.Errorf("empty load = %v, %v", got, err)
	}
	if err := s.Apply(t.Context(), registry.Batch{}); err != nil {
		t.Errorf("empty apply: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := registry.Batch{Completed: []registry.CompletedChange{{InfoHash: bt.InfoHash{1}, Delta: 1}}}
	if err := s.Apply(ctx, b); err == nil {
		t.Error("apply with a cancelled context succeeded")
	}
}

func TestOpenBoltBadDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(f, nil); err == nil {
		t.Error("opening a store under a regular file succeeded")
	}
}
