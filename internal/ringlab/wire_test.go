package ringlab

import (
	"bufio"
	"crypto/sha1"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/leakcheck"
	"shoal/internal/storage"
	"shoal/internal/wire"
)

func TestMain(m *testing.M) { leakcheck.Main(m, "ringlab.") }

// testChunks is a small file for protocol tests: 5 chunks of 20000 bytes
// (two blocks each), the last 10000 bytes.
func testChunks() ([]byte, wire.Bounds, [][20]byte) {
	b := wire.Bounds{NumPieces: 5, PieceLength: 20000, TotalLength: 90000}
	data := make([]byte, b.TotalLength)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var hashes [][20]byte
	for c := range b.NumPieces {
		off := int64(c) * b.PieceLength
		hashes = append(hashes, sha1.Sum(data[off:off+b.PieceSize(c)]))
	}
	return data, b, hashes
}

// FuzzDownload feeds a download arbitrary messages from an uploader: it
// must fail cleanly or store only chunks that match their SHA-1.
func FuzzDownload(f *testing.F) {
	data, b, hashes := testChunks()
	var seed []byte
	seed = wire.AppendBitfield(seed, []byte{0xf8})
	seed = wire.Message{ID: wire.Unchoke}.AppendTo(seed)
	seed = wire.AppendPiece(seed, 0, 0, data[:bt.BlockSize])
	seed = wire.AppendPiece(seed, 0, bt.BlockSize, data[bt.BlockSize:20000])
	seed = wire.AppendHave(seed, 4)
	f.Add(seed)
	f.Add(wire.AppendPiece(nil, 0, 0, data[:100]))
	f.Add(wire.AppendHave(wire.Message{ID: wire.Unchoke}.AppendTo(nil), 9))
	f.Add(wire.AppendBitfield(nil, []byte{0xff}))
	f.Fuzz(func(t *testing.T, in []byte) {
		have := bitfield.New(b.NumPieces)
		d := &download{
			self: 1, c: &conn{w: bufio.NewWriter(io.Discard), remote: 0}, bounds: b, hashes: hashes,
			have: have, untilFull: true, emit: func(Event) {},
			accept: func(c int, got []byte, _ Node) error {
				off := int64(c) * b.PieceLength
				if string(got) != string(data[off:off+b.PieceSize(c)]) {
					t.Fatalf("chunk %d accepted with wrong data", c)
				}
				have.Set(c)
				return nil
			},
		}
		d.theirs, d.pending = bitfield.New(b.NumPieces), bitfield.New(b.NumPieces)
		for first := true; len(in) > 0; first = false {
			m, n, err := wire.ParseMessage(in, maxMessageLen(b.NumPieces))
			if err != nil {
				return
			}
			in = in[n:]
			if err := d.handle(m, first); err != nil {
				return
			}
			if err := d.fill(); err != nil {
				t.Fatal(err)
			}
			if d.inflight < 0 || d.inflight > maxInflight {
				t.Fatalf("%d requests in flight", d.inflight)
			}
		}
	})
}

// TestUploadRefuses checks that an upload ends the connection of a
// downloader that breaks the protocol.
func TestUploadRefuses(t *testing.T) {
	data, b, hashes := testChunks()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(dir, storage.Layout{PieceLength: b.PieceLength, Files: []storage.File{{Path: "f", Length: b.TotalLength}}, Hashes: hashes},
		storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	interested := wire.Message{ID: wire.Interested}.AppendTo(nil)
	for _, tc := range []struct {
		name string
		send []byte
		want error // nil: any error
	}{
		{"request while choked", wire.AppendRequest(nil, 0, 0, 100), errChoked},
		{"request not offered", wire.AppendRequest(interested, 1, 0, 100), wire.ErrProtocol},
		{"request beyond the chunk", wire.AppendRequest(interested, 0, 19990, 100), wire.ErrProtocol},
		{"request too long", wire.AppendRequest(interested, 0, 0, wire.MaxRequestLen+1), wire.ErrProtocol},
		{"piece", wire.AppendPiece(interested, 0, 0, []byte{1}), wire.ErrProtocol},
		{"huge message", []byte{0x7f, 0, 0, 0, 5}, wire.ErrProtocol},
		{"hang up", interested, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, z := net.Pipe()
			defer z.Close()
			go func() {
				// The downloader: send, then read everything until the upload closes.
				z.Write(tc.send)
				if tc.want == nil {
					z.Close()
				}
				io.Copy(io.Discard, z)
			}()
			u := &upload{self: 0, c: &conn{nc: a, r: wire.NewReader(a, maxMessageLen(b.NumPieces)), w: bufio.NewWriter(a), remote: 1},
				store: st, bounds: b, offered: bitfield.New(b.NumPieces), emit: func(Event) {}}
			u.offered.Set(0)
			clean, err := u.run(t.Context())
			if clean || err == nil {
				t.Fatalf("run = %v, %v; want an error", clean, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("run: %v, want %v", err, tc.want)
			}
		})
	}
}
