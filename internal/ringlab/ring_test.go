package ringlab

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writeRandom writes size pseudo-random bytes to a new file in dir.
func writeRandom(t *testing.T, dir, name string, size int, seed uint64) string {
	t.Helper()
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(b)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunRing(t *testing.T) {
	const peers, chunk = 5, 100 << 10
	dir := t.TempDir()
	file := writeRandom(t, t.TempDir(), "data.bin", 12*chunk+12345, 1) // 13 chunks, the last short
	var (
		mu    sync.Mutex
		lines []string
	)
	res, err := RunRing(t.Context(), RingConfig{
		File: file, Chunk: chunk, Peers: peers, Dir: dir, ChunkFiles: true,
		Events: func(e Event) {
			mu.Lock()
			lines = append(lines, e.String())
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatalf("RunRing: %v\n%s", err, strings.Join(lines, "\n"))
	}
	want, err := FileSHA256(file)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(file)
	n := res.Torrent.Info.NumPieces()
	if n != 13 {
		t.Fatalf("%d chunks, want 13", n)
	}
	for i, p := range res.Peers {
		if p.SHA256 != want {
			t.Errorf("peer %d: sha256 %x, want %x", i, p.SHA256, want)
		}
		share := 0
		for c := range n {
			if OwnerShare(c, peers) == i {
				share++
			}
		}
		down, up := Neighbours(i, peers)
		if p.FromOwner != share || p.FromRing != n-share || p.Down != Node(down) || p.Up != Node(up) {
			t.Errorf("peer %d: %+v, want %d from owner and %d from peer %d, serving peer %d", i, p, share, n-share, down, up)
		}
		upShare, _ := Share(n, up, peers)
		if p.Sent != n-upShare.Count() {
			t.Errorf("peer %d sent %d chunks, want %d", i, p.Sent, n-upShare.Count())
		}
		pd := PeerDir(dir, i)
		sum, err := os.ReadFile(filepath.Join(pd, SummaryName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(sum, []byte("# peer ")) || strings.Count(string(sum), "\n") != n+1 {
			t.Errorf("peer %d: summary %q", i, sum)
		}
		for c := range n {
			b, err := os.ReadFile(filepath.Join(pd, ChunksDir, ChunkFileName(c, n)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, orig[c*chunk:min(len(orig), (c+1)*chunk)]) {
				t.Errorf("peer %d: chunk file %d differs", i, c)
			}
		}
	}
	if got := sum(res.Owner.Sent); got != n {
		t.Errorf("owner sent %d chunks, want %d (each once)", got, n)
	}
	seen := map[Kind]bool{}
	for _, l := range lines {
		e, err := ParseEvent(l)
		if err != nil {
			t.Errorf("%q: %v", l, err)
			continue
		}
		if e.String() != l {
			t.Errorf("ParseEvent(%q).String() = %q", l, e.String())
		}
		seen[e.Kind] = true
		if e.Kind == RecvChunk && e.Peer != Owner {
			if down, _ := Neighbours(int(e.Self), peers); e.Peer != Node(down) {
				t.Errorf("%q: not from the download neighbour", l)
			}
		}
		if e.Kind == Note {
			t.Errorf("unexpected note: %q", l)
		}
	}
	for _, k := range append(ProtocolKinds, Listening, Done) {
		if !seen[k] {
			t.Errorf("no %v event", k)
		}
	}
	if t.Failed() {
		t.Logf("events:\n%s", strings.Join(lines, "\n"))
	}
}

func sum(s []int) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}
