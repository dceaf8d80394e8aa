package engine

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkTransfer moves a torrent held in memory between two sessions
// over loopback: the engine's own cost, without disk.
func BenchmarkTransfer(b *testing.B) {
	const size = 256 << 20
	tt := newTestTorrent(&testing.T{}, size, 1<<20)
	b.SetBytes(size)
	for b.Loop() {
		t := &testing.T{}
		seeder := newSessionB(b)
		spec, _ := tt.spec(true)
		if _, err := seeder.Add(spec); err != nil {
			b.Fatal(err)
		}
		leecher := newSessionB(b)
		lspec, lst := tt.spec(false, addr(seeder))
		tr, err := leecher.Add(lspec)
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-tr.Done():
		case <-time.After(120 * time.Second):
			b.Fatal("timeout")
		}
		_ = t
		if !bytes.Equal(lst.data, tt.data) {
			b.Fatal("data differs")
		}
	}
}

func newSessionB(b *testing.B) *Session {
	b.Helper()
	s, err := New(Config{Port: -1, Bind: loopback})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(b.Context()) })
	return s
}
