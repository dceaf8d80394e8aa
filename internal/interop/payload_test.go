package interop

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

// writeRandom writes size random bytes (unique to this call) to path.
func (h *harness) writeRandom(path string, size int64) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	f, err := os.Create(path)
	if err != nil {
		h.t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := io.CopyN(w, mrand.NewChaCha8(seed), size); err != nil {
		h.t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		h.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// fileSHA256 returns the hex SHA-256 of a file, or a description of why not.
func fileSHA256(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return "(" + err.Error() + ")"
	}
	return hex.EncodeToString(s.Sum(nil))
}

// regularFiles lists the regular files under root (relative, slash-separated),
// ignoring the state directories clients keep next to the data.
func regularFiles(root string) []string {
	var out []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (d.Name() == ".shoal" || d.Name() == ".lt") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && !strings.HasSuffix(d.Name(), ".aria2") {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// sameContent fails the test unless dst holds every file of src with the same
// SHA-256 (src and dst are either two files or two directory trees).
func (h *harness) sameContent(src, dst string) {
	h.t.Helper()
	st, err := os.Stat(src)
	if err != nil {
		h.t.Fatal(err)
	}
	if !st.IsDir() {
		want, got := fileSHA256(src), fileSHA256(dst)
		if want != got {
			h.fatalf("%s: SHA-256 of %s is %s, want %s (source %s)", h.t.Name(), dst, got, want, src)
		}
		return
	}
	files := regularFiles(src)
	var bad []string
	for _, rel := range files {
		want := fileSHA256(filepath.Join(src, rel))
		got := fileSHA256(filepath.Join(dst, rel))
		if want != got {
			bad = append(bad, fmt.Sprintf("%s: got %s, want %s", rel, got, want))
		}
	}
	if len(bad) > 0 {
		h.fatalf("%s: received tree %s differs from %s:\n%s\nreceived files: %v", h.t.Name(), dst, src,
			strings.Join(bad, "\n"), regularFiles(dst))
	}
	h.t.Logf("%s: SHA-256 of %d file(s) match", h.t.Name(), len(files))
}

// shoalCreate makes a torrent with `shoal create` and returns its path and parsed form.
func (h *harness) shoalCreate(payload, out string, args ...string) (string, torrentFile) {
	h.t.Helper()
	argv := append([]string{shoalBin(h.t), "create", payload, "-o", out}, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = h.dir
	b, err := cmd.CombinedOutput()
	if err != nil {
		h.fatalf("%s: %v\n%s", strings.Join(argv, " "), err, b)
	}
	tf, err := readTorrent(out)
	if err != nil {
		h.fatalf("reading torrent written by shoal create: %v\n%s", err, b)
	}
	return out, tf
}

// mktorrent makes a torrent with mktorrent (which insists on an announce URL).
func (h *harness) mktorrent(payload, out, announce string, pieceLog2 int) (string, torrentFile) {
	h.t.Helper()
	requireTool(h.t, "mktorrent")
	argv := []string{"mktorrent", "-l", fmt.Sprint(pieceLog2), "-a", announce, "-o", out, filepath.Base(payload)}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = filepath.Dir(payload)
	b, err := cmd.CombinedOutput()
	if err != nil {
		h.fatalf("%s: %v\n%s", strings.Join(argv, " "), err, b)
	}
	tf, err := readTorrent(out)
	if err != nil {
		h.fatalf("reading torrent written by mktorrent: %v", err)
	}
	return out, tf
}

// copyInto copies src's file or tree to dir/base(src), which is where a seeder
// looks for its data. A copy, not a link: a misbehaving seeder must not be able
// to change the source the received data is compared with.
func (h *harness) copyInto(src, dir string) {
	h.t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(src), p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		h.t.Fatal(err)
	}
}
