package magnet

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/engine"
	"shoal/internal/wire"
)

type nullStorage struct{}

func (nullStorage) ReadAt(p []byte, off int64) (int, error) { return len(p), nil }
func (nullStorage) WritePiece(int, []byte) error            { return nil }

// serve starts a session seeding a torrent whose metadata is meta and
// whose info hash is ih.
func serve(t *testing.T, ih bt.InfoHash, meta []byte) netip.AddrPort {
	t.Helper()
	lo := netip.MustParseAddr("127.0.0.1")
	s, err := engine.New(engine.Config{Port: -1, Bind: lo})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	have := bitfield.New(1)
	have.SetAll()
	if _, err := s.Add(engine.TorrentSpec{
		InfoHash: ih, Name: "x", PieceLength: 16384, TotalLength: 100,
		Hashes: make([][20]byte, 1), Storage: nullStorage{}, Have: have, Metadata: meta,
	}); err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(lo, uint16(s.Port()))
}

func dial(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", a.String())
}

func TestFetch(t *testing.T) {
	meta := make([]byte, 2*wire.MetadataPieceLen+777)
	rand.Read(meta)
	ih := bt.InfoHash(sha1.Sum(meta))
	addr := serve(t, ih, meta)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	got, err := Fetch(ctx, Config{InfoHash: ih, PeerID: bt.NewPeerID(), Port: 1, Peers: []netip.AddrPort{addr}, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(meta) {
		t.Fatal("fetched metadata differs")
	}
}

func TestFetchRejectsWrongMetadata(t *testing.T) {
	meta := make([]byte, 1000)
	rand.Read(meta)
	var ih bt.InfoHash
	rand.Read(ih[:]) // the peer serves metadata that does not hash to ih
	addr := serve(t, ih, meta)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, err := Fetch(ctx, Config{InfoHash: ih, PeerID: bt.NewPeerID(), Port: 1, Peers: []netip.AddrPort{addr}, Dial: dial})
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want a hash mismatch", err)
	}
}

func TestAssembler(t *testing.T) {
	var ih bt.InfoHash
	if _, err := newAssembler(ih, 0); err == nil {
		t.Fatal("empty metadata accepted")
	}
	if _, err := newAssembler(ih, wire.MaxMetadataSize+1); err == nil {
		t.Fatal("oversized metadata accepted")
	}
	a, err := newAssembler(ih, wire.MetadataPieceLen+1)
	if err != nil {
		t.Fatal(err)
	}
	bad := []wire.Metadata{
		{Type: wire.MetadataData, Piece: 0, TotalSize: 5, Data: make([]byte, 5)},
		{Type: wire.MetadataData, Piece: 1, TotalSize: wire.MetadataPieceLen + 1, Data: make([]byte, 2)},
		{Type: wire.MetadataData, Piece: 2, TotalSize: wire.MetadataPieceLen + 1, Data: make([]byte, 1)},
	}
	for _, m := range bad {
		if _, err := a.add(m); err == nil {
			t.Errorf("accepted %+v", m)
		}
	}
}
