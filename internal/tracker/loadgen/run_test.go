package loadgen

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func mustPopulation(t *testing.T, torrents, peers int) *Population {
	t.Helper()
	p, err := NewPopulation(torrents, peers)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRun(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstError != "" && res.Timeouts == 0 {
		t.Logf("first error: %s", res.FirstError)
	}
	return res
}

func TestRunUDPPopulateRandomScrape(t *testing.T) {
	f := newFakeTracker()
	target := f.serveUDP(t, false)
	pop := mustPopulation(t, 20, 1000)
	res := mustRun(t, Config{Target: target, Population: pop, Mode: ModePopulate, Workers: 8})
	if res.Announces != 1000 || res.Failures+res.Timeouts+res.Errors != 0 || res.Connections != 8 {
		t.Fatalf("populate: %s", res)
	}
	peers, _, started := f.seen()
	if len(peers) != 1000 || started != 1000 || res.Peers != 3000 {
		t.Fatalf("tracker saw %d peers, %d started; %d peers returned", len(peers), started, res.Peers)
	}
	for p, id := range peers {
		pe := pop.Peer(int(p.addr.Port()-firstPort)*20 + indexOf(pop, p.hash))
		if pe.ID != id {
			t.Fatalf("peer %v announced id %q, want %q", p, id, pe.ID)
		}
	}
	res = mustRun(t, Config{Target: target, Population: pop, Workers: 4, Count: 500})
	peers, _, started = f.seen()
	if res.Announces != 500 || len(peers) != 1000 || started != 1000 || res.Latency.Count() != 500 {
		t.Fatalf("random: %s; tracker has %d peers", res, len(peers))
	}
	counts, err := Scrape(t.Context(), target, pop, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range counts {
		if c.Leechers != 50 {
			t.Fatalf("torrent %d has %d peers", i, c.Leechers)
		}
	}
	if len(counts) != 20 {
		t.Fatalf("%d counts", len(counts))
	}
}

func indexOf(p *Population, h [20]byte) int {
	for t := range p.Torrents() {
		if p.InfoHash(t) == h {
			return t
		}
	}
	return -1
}

func TestRunHTTP(t *testing.T) {
	tests := []struct {
		name        string
		closing     bool
		noKeepAlive bool
		wantConns   int64
	}{
		{"keep-alive", false, false, 4},
		{"no keep-alive", false, true, 300},
		{"server closes", true, false, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTracker()
			target := f.serveHTTP(t)
			peersPer := int64(2)
			if tt.closing {
				target = f.serveClosingHTTP(t)
				peersPer = 1
			}
			res := mustRun(t, Config{Target: target, Population: mustPopulation(t, 10, 100), Workers: 4, Count: 300, NoKeepAlive: tt.noKeepAlive})
			if res.Announces != 300 || res.Failures+res.Timeouts+res.Errors != 0 || res.Peers != 300*peersPer {
				t.Fatalf("%s (%s)", res, res.FirstError)
			}
			if _, n, _ := f.seen(); res.Connections != tt.wantConns || n != 300 {
				t.Errorf("%d connections, tracker saw %d announces", res.Connections, n)
			}
		})
	}
}

func TestRunTimeoutsEndTheRun(t *testing.T) {
	f := newFakeTracker()
	target := f.serveUDP(t, true)
	start := time.Now()
	res := mustRun(t, Config{Target: target, Population: mustPopulation(t, 1, 10), Workers: 2, Count: 4, Timeout: 50 * time.Millisecond})
	if res.Timeouts != 4 || res.Announces != 0 || res.FirstError == "" {
		t.Errorf("%s", res)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
}

func TestRunRateAndDuration(t *testing.T) {
	f := newFakeTracker()
	target := f.serveUDP(t, false)
	res := mustRun(t, Config{Target: target, Population: mustPopulation(t, 5, 100), Workers: 2, Rate: 1000, Duration: 300 * time.Millisecond})
	if res.Announces < 200 || res.Announces > 302 {
		t.Errorf("%d announces at 1000/s in 300ms", res.Announces)
	}
	if res.Elapsed < 300*time.Millisecond || res.Elapsed > time.Second {
		t.Errorf("elapsed %v", res.Elapsed)
	}
}

func TestRunSources(t *testing.T) {
	for _, tc := range []struct{ workers, sources int }{{4, 2}, {2, 8}} {
		t.Run(fmt.Sprintf("%d workers, %d sources", tc.workers, tc.sources), func(t *testing.T) {
			f := newFakeTracker()
			target := f.serveUDP(t, false)
			var src []netip.Addr
			for a := netip.MustParseAddr("127.0.0.1"); len(src) < tc.sources; a = a.Next() {
				src = append(src, a)
			}
			pop := mustPopulation(t, 3, 60)
			res := mustRun(t, Config{Target: target, Population: pop, Mode: ModePopulate, Workers: tc.workers, Sources: src})
			if res.Announces != 60 || res.Connections != int64(max(tc.workers, tc.sources)) {
				t.Fatalf("%s (%s)", res, res.FirstError)
			}
			peers, _, _ := f.seen()
			for p := range peers {
				slot := int(p.addr.Port() - firstPort)
				i := slot*3 + indexOf(pop, p.hash)
				if p.addr.Addr() != src[i%len(src)] {
					t.Errorf("peer %d came from %v", i, p.addr.Addr())
				}
			}
		})
	}
}

func TestConfigChecks(t *testing.T) {
	pop := mustPopulation(t, 1, 1)
	ok := Config{Target: "udp://127.0.0.1:1", Population: pop, Count: 1}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no target", func(c *Config) { c.Target = "" }},
		{"no port", func(c *Config) { c.Target = "udp://127.0.0.1" }},
		{"bad scheme", func(c *Config) { c.Target = "https://127.0.0.1:1/announce" }},
		{"no population", func(c *Config) { c.Population = nil }},
		{"unbounded", func(c *Config) { c.Count = 0 }},
		{"workers", func(c *Config) { c.Workers = MaxWorkers + 1 }},
		{"numwant", func(c *Config) { c.NumWant = -1 }},
		{"sources", func(c *Config) {
			c.Workers = 3
			c.Sources = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}
		}},
		{"sources 2", func(c *Config) {
			c.Workers = 2
			c.Sources = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
		}},
		{"mode", func(c *Config) { c.Mode = 7 }},
		{"rate", func(c *Config) { c.Rate = -1 }},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		if _, err := Run(t.Context(), c); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	c := ok
	c.Mode, c.Count = ModePopulate, 0
	if _, _, err := c.withDefaults(); err != nil {
		t.Errorf("populate without a count: %v", err)
	}
}
