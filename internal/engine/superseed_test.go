package engine

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

// superSeedRun has a seed with a slow uplink give a file to four
// leechers with fast ones and returns what the seed uploaded.
func superSeedRun(t *testing.T, super bool) int64 {
	const size = 2 << 20
	tt := newTestTorrent(t, size, 32<<10)
	seeder := newSession(t, Config{UpLimit: 512 << 10, LimitBurst: 64 << 10, Bind: netip.MustParseAddr("127.0.0.2")})
	spec, _ := tt.spec(true)
	spec.SuperSeed = super
	st, err := seeder.Add(spec)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stats(false).SuperSeeding != super {
		t.Fatalf("super-seeding %v, want %v", !super, super)
	}
	addrs := []netip.AddrPort{addr(seeder)}
	ip := netip.MustParseAddr("127.0.0.3")
	type leecher struct {
		t  *Torrent
		st *memStorage
	}
	var ls []leecher
	for range 4 {
		s := newSession(t, Config{Bind: ip})
		ip = ip.Next()
		spec, store := tt.spec(false, addrs...)
		tr, err := s.Add(spec)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, addr(s))
		ls = append(ls, leecher{tr, store})
	}
	for _, l := range ls {
		waitDone(t, l.t, time.Minute)
		if !bytes.Equal(l.st.data, tt.data) {
			t.Fatal("leecher completed with wrong data")
		}
	}
	stats := st.Stats(false)
	if super && (stats.SuperSeeding || stats.SuperSeedUploaded <= 0) {
		t.Errorf("super-seeding %v, %d bytes uploaded while super-seeding", stats.SuperSeeding, stats.SuperSeedUploaded)
	}
	t.Logf("super-seed %v: seed uploaded %.2f copies (%.2f while super-seeding)", super,
		float64(stats.Uploaded)/size, float64(stats.SuperSeedUploaded)/size)
	return stats.Uploaded
}

// TestSuperSeed: a super-seed with a slow uplink uploads about one copy
// of the file to four leechers; a normal seed uploads noticeably more.
func TestSuperSeed(t *testing.T) {
	const size = 2 << 20
	super := superSeedRun(t, true)
	normal := superSeedRun(t, false)
	if float64(super) > 1.25*size {
		t.Errorf("super-seed uploaded %.2f copies", float64(super)/size)
	}
	if super >= normal {
		t.Errorf("super-seed uploaded %d bytes, normal seed %d", super, normal)
	}
}
