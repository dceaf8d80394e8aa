package create

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"shoal/internal/metainfo"
)

func TestAutoPieceLength(t *testing.T) {
	const KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
	cases := []struct{ total, want int64 }{
		{1, 64 * KiB},
		{2000 * 64 * KiB, 64 * KiB},
		{2000*64*KiB + 1, 128 * KiB},
		{100 * MiB, 64 * KiB},
		{700 * MiB, 512 * KiB},
		{GiB, MiB},
		{4 * GiB, 4 * MiB},
		{10 * GiB, 8 * MiB},
		{100 * GiB, 16 * MiB},
		{1 << 50, 16 * MiB},
	}
	for _, tc := range cases {
		if got := AutoPieceLength(tc.total); got != tc.want {
			t.Errorf("AutoPieceLength(%d) = %d, want %d", tc.total, got, tc.want)
		}
	}
	for total := int64(1); total < 1<<40; total = total*3 + 7 {
		pl := AutoPieceLength(total)
		n := numPieces(total, pl)
		if checkPieceLength(pl) != nil || (n > targetPieces && pl != maxAutoPieceLength) ||
			(pl > minAutoPieceLength && n <= targetPieces/2) {
			t.Errorf("AutoPieceLength(%d) = %d (%d pieces)", total, pl, n)
		}
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// slowPieces hashes the concatenation of the files, read one after another.
func slowPieces(t *testing.T, paths []string, pieceLength int64) [][20]byte {
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	var out [][20]byte
	for len(all) > 0 {
		n := min(int64(len(all)), pieceLength)
		out = append(out, sha1.Sum(all[:n]))
		all = all[n:]
	}
	return out
}

// reparse checks that the torrent survives Encode and Parse unchanged.
func reparse(t *testing.T, m *metainfo.MetaInfo) *metainfo.MetaInfo {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := metainfo.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if m2.InfoHash != m.InfoHash || !reflect.DeepEqual(m, m2) {
		t.Fatalf("Parse(Encode()) differs:\n%+v\n%+v", m, m2)
	}
	return m2
}

func TestCreateSingleFile(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	data := randomBytes(r, 100_000)
	path := filepath.Join(dir, "file.bin")
	writeFile(t, path, data)
	date := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var calls []int64
	m, err := Create(t.Context(), path, Options{
		PieceLength: 32 << 10,
		Trackers:    []string{"http://127.0.0.1:1/announce"},
		WebSeeds:    []string{"http://127.0.0.1:2/"},
		Private:     true, Comment: "c", CreatedBy: "shoal", CreationDate: date,
		Progress: func(hashed, total int64) {
			if total != int64(len(data)) {
				t.Errorf("total %d", total)
			}
			calls = append(calls, hashed)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reparse(t, m)
	i := m.Info
	if i.Name != "file.bin" || i.IsMultiFile() || i.Length != 100_000 || !i.Private || i.PieceLength != 32<<10 {
		t.Fatalf("info %+v", i)
	}
	if !reflect.DeepEqual(i.Pieces, slowPieces(t, []string{path}, 32<<10)) {
		t.Fatal("piece hashes differ")
	}
	if m.Announce != "http://127.0.0.1:1/announce" || m.AnnounceList != nil || m.Comment != "c" ||
		m.CreatedBy != "shoal" || m.CreationDate != date.Unix() || m.URLList[0] != "http://127.0.0.1:2/" {
		t.Fatalf("metainfo %+v", m)
	}
	if len(calls) == 0 || calls[len(calls)-1] != int64(len(data)) {
		t.Fatalf("progress calls %v", calls)
	}
	for k := 1; k < len(calls); k++ {
		if calls[k] < calls[k-1] {
			t.Fatalf("progress went back: %v", calls)
		}
	}
}

func TestCreateFolder(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "album")
	r := rand.New(rand.NewPCG(3, 4))
	writeFile(t, filepath.Join(root, "b.txt"), randomBytes(r, 5000))
	writeFile(t, filepath.Join(root, "a", "z.bin"), randomBytes(r, 40000))
	writeFile(t, filepath.Join(root, "a.txt"), nil)
	writeFile(t, filepath.Join(root, "a", "sub", "y"), randomBytes(r, 20000))
	if err := os.Mkdir(filepath.Join(root, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "b.txt"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	m, err := Create(t.Context(), root, Options{
		Trackers: []string{"http://a/announce", "udp://b:1"},
		Workers:  3,
	})
	if err != nil {
		t.Fatal(err)
	}
	reparse(t, m)
	var got []string
	for _, f := range m.Info.FileList() {
		got = append(got, strings.Join(f.Path, "/"))
	}
	want := []string{"album/a/sub/y", "album/a/z.bin", "album/a.txt", "album/b.txt"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	paths := []string{"a/sub/y", "a/z.bin", "a.txt", "b.txt"}
	for i := range paths {
		paths[i] = filepath.Join(root, paths[i])
	}
	if m.Info.PieceLength != minAutoPieceLength || !reflect.DeepEqual(m.Info.Pieces, slowPieces(t, paths, minAutoPieceLength)) {
		t.Fatal("piece hashes differ")
	}
	if !reflect.DeepEqual(m.AnnounceList, [][]string{{"http://a/announce"}, {"udp://b:1"}}) || m.Announce != "http://a/announce" {
		t.Fatalf("trackers %q %q", m.Announce, m.AnnounceList)
	}
	if m.CreationDate != 0 || m.Info.Private {
		t.Fatal("unexpected optional fields")
	}

	t.Chdir(root)
	m2, err := Create(t.Context(), ".", Options{Trackers: []string{"http://a/announce", "udp://b:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if m2.InfoHash != m.InfoHash {
		t.Fatalf("Create(\".\") named %q", m2.Info.Name)
	}
}

// The parallel hasher must agree with sequential hashing of the
// concatenated files on random layouts.
func TestCreateRandomLayouts(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 30 {
		root := filepath.Join(t.TempDir(), "root")
		nfiles := 1 + r.IntN(12)
		var paths []string
		var total int
		for i := range nfiles {
			n := 0
			switch r.IntN(4) {
			case 0: // empty
			case 1:
				n = 1 + r.IntN(100)
			default:
				n = r.IntN(3 * MinPieceLength)
			}
			depth := r.IntN(3)
			p := root
			for d := range depth {
				p = filepath.Join(p, string(rune('a'+r.IntN(3)))+"dir"+string(rune('0'+d)))
			}
			p = filepath.Join(p, "f"+string(rune('a'+i)))
			writeFile(t, p, randomBytes(r, n))
			paths = append(paths, p)
			total += n
		}
		if total == 0 {
			continue
		}
		pl := int64(MinPieceLength) << r.IntN(3)
		m, err := Create(t.Context(), root, Options{PieceLength: pl, Workers: 1 + r.IntN(5)})
		if err != nil {
			t.Fatal(err)
		}
		reparse(t, m)
		var sorted []string
		for _, f := range m.Info.FileList() {
			sorted = append(sorted, filepath.Join(append([]string{filepath.Dir(root)}, f.Path...)...))
		}
		if len(sorted) != len(paths) {
			t.Fatalf("round %d: %d files, want %d", round, len(sorted), len(paths))
		}
		if !reflect.DeepEqual(m.Info.Pieces, slowPieces(t, sorted, pl)) {
			t.Fatalf("round %d: piece hashes differ", round)
		}
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "empty.bin"), nil)
	writeFile(t, filepath.Join(dir, "zeros", "a"), nil)
	writeFile(t, filepath.Join(dir, "zeros", "b", "c"), nil)
	if err := os.MkdirAll(filepath.Join(dir, "nothing", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "links", "target"), []byte("x"))
	if err := os.MkdirAll(filepath.Join(dir, "links", "only"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../target", filepath.Join(dir, "links", "only", "l")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bad", `back\slash`), []byte("x"))
	writeFile(t, filepath.Join(dir, "ctl", "a\x01"), []byte("x"))
	writeFile(t, filepath.Join(dir, "ok"), []byte("x"))
	cases := []struct {
		path string
		opt  Options
		msg  string
	}{
		{"missing", Options{}, "no such file"},
		{"empty.bin", Options{}, "is empty"},
		{"zeros", Options{}, "all files"},
		{"nothing", Options{}, "no regular files"},
		{"links/only", Options{}, "no regular files"},
		{"bad", Options{}, "unsafe path"},
		{"ctl", Options{}, "unsafe path"},
		{"ok", Options{PieceLength: 1000}, "power of two"},
		{"ok", Options{PieceLength: 8 << 10}, "power of two"},
		{"ok", Options{PieceLength: 128 << 20}, "power of two"},
		{"ok", Options{PieceLength: 3 << 20}, "power of two"},
	}
	for _, tc := range cases {
		_, err := Create(t.Context(), filepath.Join(dir, tc.path), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "create: ") {
			t.Errorf("Create(%s) = %v, want %q", tc.path, err, tc.msg)
		}
	}
	_, err := Create(t.Context(), filepath.Join(dir, "bad"), Options{})
	if !errors.Is(err, metainfo.ErrUnsafePath) {
		t.Errorf("unsafe name error %v does not wrap ErrUnsafePath", err)
	}
}

func TestCreateCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	writeFile(t, path, bytes.Repeat([]byte("x"), 1<<20))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Create(ctx, path, Options{})
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "create: ") {
		t.Fatalf("Create(cancelled) = %v", err)
	}
	_, err = Create(ctx, path, Options{Progress: func(int64, int64) {}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Create(cancelled, progress) = %v", err)
	}
}

// A file that is shorter than listed fails cleanly.
func TestHashShortFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	writeFile(t, path, make([]byte, 1000))
	h := newHasher([]diskFile{{path: path, length: 5000}}, MinPieceLength)
	err := h.run(t.Context(), 2)
	if !errors.Is(err, errChanged) {
		t.Fatalf("run = %v", err)
	}
	if err := h.checkSizes(); !errors.Is(err, errChanged) {
		t.Fatalf("checkSizes = %v", err)
	}
}
