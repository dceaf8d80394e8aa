package server

import (
	"encoding/binary"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/metainfo"
)

// makeTorrent returns a valid torrent named name and its encoding; seed
// varies the piece hashes, and so the info hash.
func makeTorrent(t testing.TB, name string, seed byte) (*metainfo.MetaInfo, []byte) {
	t.Helper()
	m := &metainfo.MetaInfo{Announce: "http://127.0.0.1:6969/announce"}
	info := metainfo.Info{Name: name, PieceLength: 16384, Length: 40000, Pieces: make([][20]byte, 3)}
	info.Pieces[0][0] = seed
	if err := m.SetInfo(info); err != nil {
		t.Fatal(err)
	}
	data, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

// writeTorrent saves a torrent into dir under file.
func writeTorrent(t testing.TB, dir, file, name string, seed byte) *metainfo.MetaInfo {
	t.Helper()
	m, data := makeTorrent(t, name, seed)
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func failureReason(d map[string]any) string {
	s, _ := d["failure reason"].(string)
	return s
}

func TestAllowListHTTP(t *testing.T) {
	dir := t.TempDir()
	known := writeTorrent(t, dir, "known.torrent", "known", 1).InfoHash
	writeTorrent(t, dir, ".hidden.torrent", "hidden", 2)
	if err := os.WriteFile(filepath.Join(dir, "junk.torrent"), []byte("not bencode"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", TorrentDir: dir, AllowList: true})
	if n := s.torrents.len(); n != 1 {
		t.Fatalf("%d torrents registered, want 1 (hidden and junk files skipped)", n)
	}
	other := ih(7)
	scrape := func(hashes ...bt.InfoHash) map[string]any {
		v := url.Values{}
		for _, h := range hashes {
			v.Add("info_hash", string(h[:]))
		}
		return get(t, s.AnnounceURL()[:len(s.AnnounceURL())-len("announce")]+"scrape?"+v.Encode())
	}

	if d := get(t, announceURLFor(s, announceValues(known, peerID(1), 6881, 0))); failureReason(d) != "" {
		t.Errorf("registered torrent refused: %v", d)
	}
	if d := get(t, announceURLFor(s, announceValues(other, peerID(1), 6881, 0))); failureReason(d) != reasonUnregistered {
		t.Errorf("unregistered announce: %v", d)
	}
	if d := scrape(known); failureReason(d) != "" {
		t.Errorf("registered scrape refused: %v", d)
	}
	for _, hs := range [][]bt.InfoHash{{other}, {known, other}} {
		if d := scrape(hs...); failureReason(d) != reasonUnregistered {
			t.Errorf("scrape of %d hashes with an unregistered one: %v", len(hs), d)
		}
	}

	// A file added later counts after a rescan; a file removed stops
	// counting.
	added := writeTorrent(t, dir, "added.torrent", "added", 3).InfoHash
	if err := s.Rescan(); err != nil {
		t.Fatal(err)
	}
	if d := get(t, announceURLFor(s, announceValues(added, peerID(2), 6882, 0))); failureReason(d) != "" {
		t.Errorf("torrent added by rescan refused: %v", d)
	}
	if err := os.Remove(filepath.Join(dir, "known.torrent")); err != nil {
		t.Fatal(err)
	}
	if err := s.Rescan(); err != nil {
		t.Fatal(err)
	}
	if d := get(t, announceURLFor(s, announceValues(known, peerID(1), 6881, 0))); failureReason(d) != reasonUnregistered {
		t.Errorf("removed torrent still answered: %v", d)
	}
}

func TestAllowListUDP(t *testing.T) {
	dir := t.TempDir()
	known := writeTorrent(t, dir, "known.TORRENT", "known", 1).InfoHash
	s := startServer(t, Config{UDPAddr: "127.0.0.1:0", TorrentDir: dir, AllowList: true})
	c := dialUDP(t, s)
	id := c.connect()
	announce := func(h bt.InfoHash, tx uint32) []byte {
		req := udpRequest{connID: id, txID: tx, infoHash: h, peerID: peerID(1), left: 1, numWant: -1, port: 6881}
		return c.roundTrip(appendAnnounceRequest(nil, req), 5*time.Second)
	}
	parseAnnounceReply(t, announce(known, 1), 1, 6)
	if msg := udpError(t, announce(ih(9), 2), 2); msg != reasonUnregistered {
		t.Errorf("unregistered announce: error %q", msg)
	}
	if reply := c.roundTrip(appendScrapeRequest(nil, id, 3, known), 5*time.Second); binary.BigEndian.Uint32(reply) != actionScrape {
		t.Errorf("registered scrape: %x", reply)
	}
	if msg := udpError(t, c.roundTrip(appendScrapeRequest(nil, id, 4, known, ih(9)), 5*time.Second), 4); msg != reasonUnregistered {
		t.Errorf("scrape with an unregistered hash: error %q", msg)
	}
}

func TestWithoutAllowListEverythingIsAnswered(t *testing.T) {
	dir := t.TempDir()
	writeTorrent(t, dir, "a.torrent", "a", 1)
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", TorrentDir: dir})
	if d := get(t, announceURLFor(s, announceValues(ih(5), peerID(1), 6881, 0))); failureReason(d) != "" {
		t.Errorf("unregistered torrent refused without --allow-list: %v", d)
	}
}

func TestRegister(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", AllowList: true})
	m, _ := makeTorrent(t, "embedded", 4)
	for i, want := range []bool{true, false} {
		added, err := s.Register(m)
		if err != nil || added != want {
			t.Fatalf("register %d: %v, %v; want %v", i, added, err, want)
		}
	}
	if d := get(t, announceURLFor(s, announceValues(m.InfoHash, peerID(1), 6881, 0))); failureReason(d) != "" {
		t.Errorf("registered torrent refused: %v", d)
	}
	if name, _ := s.torrents.lookup(m.InfoHash); name != "embedded" {
		t.Errorf("name %q", name)
	}
}

func TestTorrentDirErrors(t *testing.T) {
	s, err := New(Config{HTTPAddr: "127.0.0.1:0", TorrentDir: filepath.Join(t.TempDir(), "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err == nil {
		t.Error("started with a missing torrent folder")
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

func TestScanKeepsUnchangedFiles(t *testing.T) {
	dir := t.TempDir()
	m := writeTorrent(t, dir, "a.torrent", "a", 1)
	c := newCatalog()
	log := discard()
	if err := c.scan(dir, log); err != nil {
		t.Fatal(err)
	}
	// An unchanged file is not read again: make it unreadable in a way a
	// read would notice, keeping size and time.
	f := c.files["a.torrent"]
	f.name = "cached"
	c.files["a.torrent"] = f
	if err := c.scan(dir, log); err != nil {
		t.Fatal(err)
	}
	if name, ok := c.lookup(m.InfoHash); !ok || name != "cached" {
		t.Errorf("unchanged file was read again: %q, %v", name, ok)
	}
	// A changed file is.
	m2 := writeTorrent(t, dir, "a.torrent", "b", 2)
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "a.torrent"), future, future); err != nil {
		t.Fatal(err)
	}
	if err := c.scan(dir, log); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.lookup(m.InfoHash); ok {
		t.Error("old torrent still registered")
	}
	if name, _ := c.lookup(m2.InfoHash); name != "b" {
		t.Errorf("changed file: name %q", name)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", maxNameLen)
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{long, long[:maxNameLen] + "…"},
		{"x" + long, "x" + long[:maxNameLen-2] + "…"},
	}
	for _, tt := range tests {
		if got := cleanName(tt.in); got != tt.want {
			t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// registeredHash is a helper for tests that only need some registered
// torrent in a server.
func registeredHash(t *testing.T, s *Server, name string, seed byte) bt.InfoHash {
	t.Helper()
	m, _ := makeTorrent(t, name, seed)
	if _, err := s.Register(m); err != nil {
		t.Fatal(err)
	}
	return m.InfoHash
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
