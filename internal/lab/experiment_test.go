package lab

import (
	"testing"
	"time"
)

// A tiny real run: two peers, 2 MiB, on loopback with enforced limits.
func TestRunTwoPeers(t *testing.T) {
	tests := []struct {
		mode  Mode
		bound float64
	}{
		{ClientServer, 4}, // 2·2 MiB / 1 MiB/s
		{PeerToPeer, 2},   // max(2 MiB / 1 MiB/s, 2·2 MiB / 2 MiB/s)
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			res, err := Run(t.Context(), Config{
				Mode:     tt.mode,
				Peers:    2,
				FileSize: 2 << 20,
				SeedUp:   1 << 20,
				PeerUp:   []int64{512 << 10},
				Seed:     1,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !near(res.Bound, tt.bound) {
				t.Fatalf("bound %.3f s, want %.3f s", res.Bound, tt.bound)
			}
			if r := res.Ratio(); r < 0.9 || r > 1.5 {
				t.Errorf("took %v against a bound of %.1f s: ratio %.3f", res.Total, res.Bound, r)
			}
			for _, p := range res.Peers {
				if p.Done <= 0 || p.Done > res.Total {
					t.Errorf("peer %s done at %v, total %v", p.Name, p.Done, res.Total)
				}
			}
			var up int64
			for _, p := range res.Peers {
				up += p.Uploaded
			}
			switch {
			case tt.mode == ClientServer && up != 0:
				t.Errorf("client-server: the peers uploaded %d bytes", up)
			case tt.mode == PeerToPeer && up == 0:
				t.Error("peer-to-peer: the peers uploaded nothing")
			}
			row := res.Row()
			if row.N != 2 || row.First <= 0 || row.Median < row.First || row.Util <= 0 || row.Util > 1.05 {
				t.Errorf("row %+v", row)
			}
			t.Logf("%s: %v (bound %.1f s, ratio %.3f, util %.2f)", tt.mode, res.Total.Round(time.Millisecond), res.Bound, res.Ratio(), res.Util())
		})
	}
}

func TestConfigChecked(t *testing.T) {
	ok := Config{Peers: 2, FileSize: 1 << 20, SeedUp: 1 << 20, PeerUp: []int64{1 << 20}}
	bad := []func(*Config){
		func(c *Config) { c.Peers = 0 },
		func(c *Config) { c.FileSize = 0 },
		func(c *Config) { c.PieceLength = 1000 },
		func(c *Config) { c.SeedUp = 0 },
		func(c *Config) { c.PeerUp = nil },
		func(c *Config) { c.PeerUp = []int64{1, 0} },
		func(c *Config) { c.Tracker = true },
		func(c *Config) { c.Burst = 100 },
	}
	for i, f := range bad {
		c := ok
		f(&c)
		if _, err := Start(t.Context(), c); err == nil {
			t.Errorf("case %d: Start accepted %+v", i, c)
		}
	}
}

func TestCloseBeforeDone(t *testing.T) {
	e, err := Start(t.Context(), Config{Mode: PeerToPeer, Peers: 2, FileSize: 4 << 20, SeedUp: 256 << 10, PeerUp: []int64{128 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	if s := e.Snapshot(); len(s.Nodes) != 3 || !s.Nodes[0].Seed || s.NumPieces != 64 {
		t.Errorf("snapshot %+v", s)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Wait(t.Context()); err == nil {
		t.Error("Wait after Close reported no error")
	}
}
