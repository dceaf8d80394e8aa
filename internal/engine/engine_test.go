package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

// memStorage keeps a torrent's data in memory.
type memStorage struct {
	mu      sync.Mutex
	data    []byte
	pl      int64
	corrupt bool // serve garbage
}

func (m *memStorage) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := copy(p, m.data[off:])
	if m.corrupt {
		for i := range p[:n] {
			p[i] ^= 0x5a
		}
	}
	return n, nil
}

func (m *memStorage) WritePiece(piece int, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	copy(m.data[int64(piece)*m.pl:], data)
	return nil
}

type testTorrent struct {
	data   []byte
	pl     int64
	hashes [][20]byte
	ih     bt.InfoHash
}

func newTestTorrent(t *testing.T, size int, pl int64) *testTorrent {
	t.Helper()
	tt := &testTorrent{data: make([]byte, size), pl: pl}
	rand.Read(tt.data)
	for off := 0; off < size; off += int(pl) {
		tt.hashes = append(tt.hashes, sha1.Sum(tt.data[off:min(size, off+int(pl))]))
	}
	rand.Read(tt.ih[:])
	return tt
}

func (tt *testTorrent) spec(seed bool, peers ...netip.AddrPort) (TorrentSpec, *memStorage) {
	st := &memStorage{data: make([]byte, len(tt.data)), pl: tt.pl}
	have := bitfield.New(len(tt.hashes))
	if seed {
		copy(st.data, tt.data)
		have.SetAll()
	}
	return TorrentSpec{
		InfoHash:    tt.ih,
		Name:        "test",
		PieceLength: tt.pl,
		TotalLength: int64(len(tt.data)),
		Hashes:      tt.hashes,
		Storage:     st,
		Have:        have,
		Peers:       peers,
	}, st
}

var loopback = netip.MustParseAddr("127.0.0.1")

func newSession(t *testing.T, cfg Config) *Session {
	t.Helper()
	cfg.Port = -1
	if !cfg.Bind.IsValid() {
		cfg.Bind = netip.MustParseAddr("127.0.0.1")
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func addr(s *Session) netip.AddrPort {
	return netip.AddrPortFrom(s.cfg.Bind, uint16(s.Port()))
}

func waitDone(t *testing.T, tr *Torrent, d time.Duration) {
	t.Helper()
	select {
	case <-tr.Done():
	case <-time.After(d):
		st := tr.Stats(true)
		t.Fatalf("not complete after %v: %d/%d pieces, %d peers, err %v", d, st.Pieces, st.NumPieces, st.Connected, st.Err)
	}
}

func TestTransferTwoPeers(t *testing.T) {
	tt := newTestTorrent(t, 5<<20+12345, 256<<10)
	seeder := newSession(t, Config{})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	leecher := newSession(t, Config{})
	lspec, lst := tt.spec(false, addr(seeder))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr, 30*time.Second)
	if !bytes.Equal(lst.data, tt.data) {
		t.Fatal("downloaded data differs")
	}
}

func TestThreePeersTrade(t *testing.T) {
	tt := newTestTorrent(t, 4<<20, 64<<10)
	seeder := newSession(t, Config{UpLimit: 1 << 20})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	a := newSession(t, Config{})
	b := newSession(t, Config{})
	aspec, ast := tt.spec(false, addr(seeder), addr(b))
	bspec, bst := tt.spec(false, addr(seeder), addr(a))
	ta, err := a.Add(aspec)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Add(bspec)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, ta, 60*time.Second)
	waitDone(t, tb, 60*time.Second)
	if !bytes.Equal(ast.data, tt.data) || !bytes.Equal(bst.data, tt.data) {
		t.Fatal("downloaded data differs")
	}
	// Together the leechers received 8 MiB while the seeder could send at
	// most ~1 MiB/s: most of it came from each other.
	sa, sb := ta.Stats(false), tb.Stats(false)
	if sa.Uploaded == 0 || sb.Uploaded == 0 {
		t.Fatalf("leechers did not trade: uploaded %d and %d", sa.Uploaded, sb.Uploaded)
	}
}

func TestBadPeerBanned(t *testing.T) {
	tt := newTestTorrent(t, 2<<20, 64<<10)
	bad := newSession(t, Config{Bind: netip.MustParseAddr("127.0.0.2")})
	bspec, bst := tt.spec(true)
	bst.corrupt = true
	if _, err := bad.Add(bspec); err != nil {
		t.Fatal(err)
	}
	good := newSession(t, Config{Bind: netip.MustParseAddr("127.0.0.3"), UpLimit: 512 << 10})
	gspec, _ := tt.spec(true)
	if _, err := good.Add(gspec); err != nil {
		t.Fatal(err)
	}
	leecher := newSession(t, Config{})
	lspec, lst := tt.spec(false, addr(bad), addr(good))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr, 60*time.Second)
	if !bytes.Equal(lst.data, tt.data) {
		t.Fatal("downloaded data differs")
	}
	tr.mu.Lock()
	banned := tr.banned[netip.MustParseAddr("127.0.0.2")]
	tr.mu.Unlock()
	if !banned {
		t.Fatal("the corrupting peer was not banned")
	}
}

func TestEventLog(t *testing.T) {
	tt := newTestTorrent(t, 1<<20, 64<<10)
	seeder := newSession(t, Config{})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	kinds := map[string]bool{}
	leecher := newSession(t, Config{OnEvent: func(e Event) {
		dir := "recv "
		if e.Sent {
			dir = "sent "
		}
		word, _, _ := strings.Cut(e.Msg, " ")
		mu.Lock()
		kinds[dir+word] = true
		mu.Unlock()
	}})
	lspec, _ := tt.spec(false, addr(seeder))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr, 30*time.Second)
	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{"recv piece", "sent request", "sent interested", "recv unchoke", "recv have", "sent have"} {
		if !kinds[k] {
			t.Errorf("no %q event; got %v", k, kinds)
		}
	}
}

func TestPauseResume(t *testing.T) {
	tt := newTestTorrent(t, 8<<20, 256<<10)
	seeder := newSession(t, Config{UpLimit: 2 << 20})
	spec, _ := tt.spec(true)
	if _, err := seeder.Add(spec); err != nil {
		t.Fatal(err)
	}
	leecher := newSession(t, Config{})
	lspec, lst := tt.spec(false, addr(seeder))
	tr, err := leecher.Add(lspec)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	tr.Pause()
	time.Sleep(300 * time.Millisecond)
	before := tr.Stats(false)
	time.Sleep(time.Second)
	after := tr.Stats(false)
	if !after.Paused || after.Connected != 0 || after.Downloaded != before.Downloaded {
		t.Fatalf("paused torrent: connected %d, downloaded %d -> %d", after.Connected, before.Downloaded, after.Downloaded)
	}
	tr.Resume()
	waitDone(t, tr, 30*time.Second)
	if !bytes.Equal(lst.data, tt.data) {
		t.Fatal("data differs")
	}
}

func TestOutgoingPortsAndAddWhileRunning(t *testing.T) {
	a := newTestTorrent(t, 2<<20, 64<<10)
	b := newTestTorrent(t, 2<<20, 64<<10)
	seeder := newSession(t, Config{})
	for _, tt := range []*testTorrent{a, b} {
		spec, _ := tt.spec(true)
		if _, err := seeder.Add(spec); err != nil {
			t.Fatal(err)
		}
	}
	lo := 20000 + int(time.Now().UnixNano()%20000)
	leecher := newSession(t, Config{OutgoingPortLo: lo, OutgoingPortHi: lo + 9})
	as, ast := a.spec(false, addr(seeder))
	ta, err := leecher.Add(as)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, ta, 30*time.Second)
	// A second torrent joins the running session; the first leaves.
	bs, bst := b.spec(false, addr(seeder))
	tb, err := leecher.Add(bs)
	if err != nil {
		t.Fatal(err)
	}
	leecher.Remove(t.Context(), ta)
	waitDone(t, tb, 30*time.Second)
	if !bytes.Equal(ast.data, a.data) || !bytes.Equal(bst.data, b.data) {
		t.Fatal("data differs")
	}
	for _, p := range seeder.Torrent(b.ih).Stats(true).Peers {
		if int(p.Addr.Port()) < lo || int(p.Addr.Port()) > lo+9 {
			t.Errorf("leecher connected from port %d, outside %d-%d", p.Addr.Port(), lo, lo+9)
		}
	}
	if len(leecher.Torrents()) != 1 {
		t.Fatalf("%d torrents after removing one", len(leecher.Torrents()))
	}
}

func TestGlobalConnectionLimit(t *testing.T) {
	tt := newTestTorrent(t, 1<<20, 64<<10)
	hub := newSession(t, Config{GlobalMaxConns: 1})
	spec, _ := tt.spec(true)
	if _, err := hub.Add(spec); err != nil {
		t.Fatal(err)
	}
	var trs []*Torrent
	for range 3 {
		l := newSession(t, Config{})
		ls, _ := tt.spec(false, addr(hub))
		tr, err := l.Add(ls)
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	time.Sleep(500 * time.Millisecond)
	if n := hub.Conns(); n > 1 {
		t.Fatalf("%d connections with a global limit of 1", n)
	}
	_ = trs
}
