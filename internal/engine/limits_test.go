package engine

import (
	"math"
	"testing"
	"time"
)

// measureUpload returns the bytes leechers received from seeds over d,
// after a warm-up.
func measure(t *testing.T, d time.Duration, trs ...*Torrent) []float64 {
	t.Helper()
	time.Sleep(time.Second) // warm up: connections, unchokes, the burst
	start := make([]int64, len(trs))
	for i, tr := range trs {
		start[i] = tr.Stats(false).Downloaded
	}
	time.Sleep(d)
	rates := make([]float64, len(trs))
	for i, tr := range trs {
		rates[i] = float64(tr.Stats(false).Downloaded-start[i]) / d.Seconds()
	}
	return rates
}

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

func TestUploadLimitHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const limit = 1 << 20
	tt := newTestTorrent(t, 32<<20, 256<<10)
	seeder := newSession(t, Config{UpLimit: limit})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	leecher := newSession(t, Config{})
	lspec, _ := tt.spec(false, addr(seeder))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	got := measure(t, 4*time.Second, tr)[0]
	if !within(got, limit, 0.15) {
		t.Fatalf("download from a seeder limited to %d B/s ran at %.0f B/s", limit, got)
	}
	// The limit changes while running.
	seeder.SetLimits(0, 2*limit)
	got = measure(t, 4*time.Second, tr)[0]
	if !within(got, 2*limit, 0.15) {
		t.Fatalf("after raising the limit to %d B/s: %.0f B/s", 2*limit, got)
	}
}

func TestDownloadLimitHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const limit = 1 << 20
	tt := newTestTorrent(t, 32<<20, 256<<10)
	seeder := newSession(t, Config{})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	leecher := newSession(t, Config{DownLimit: limit})
	lspec, _ := tt.spec(false, addr(seeder))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	if got := measure(t, 4*time.Second, tr)[0]; !within(got, limit, 0.15) {
		t.Fatalf("download limited to %d B/s ran at %.0f B/s", limit, got)
	}
}

func TestUploadSharedAmongTorrents(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const limit = 2 << 20
	a := newTestTorrent(t, 32<<20, 256<<10)
	b := newTestTorrent(t, 32<<20, 256<<10)
	seeder := newSession(t, Config{UpLimit: limit})
	for _, tt := range []*testTorrent{a, b} {
		spec, _ := tt.spec(true)
		if _, err := seeder.Add(spec); err != nil {
			t.Fatal(err)
		}
	}
	leecher := newSession(t, Config{})
	as, _ := a.spec(false, addr(seeder))
	bs, _ := b.spec(false, addr(seeder))
	ta, err := leecher.Add(as)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := leecher.Add(bs)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	seeder.allocate() // as the 30 s tick would
	rates := measure(t, 4*time.Second, ta, tb)
	for i, r := range rates {
		if !within(r, limit/2, 0.15) {
			t.Errorf("torrent %d: %.0f B/s, want about %d (Umax/Fn with Fn=2)", i, r, limit/2)
		}
	}
	seeder.mu.Lock()
	var shares []int64
	for _, tr := range seeder.torrents {
		shares = append(shares, tr.UpLimit())
	}
	seeder.mu.Unlock()
	for _, s := range shares {
		if s != limit/2 {
			t.Errorf("share %d, want %d", s, limit/2)
		}
	}
}
