package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

func openResume(t testing.TB, path string, opts ResumeOptions) *Resume {
	t.Helper()
	r, err := OpenResume(path, opts)
	if err != nil {
		t.Fatalf("OpenResume: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// crash abandons r the way kill -9 would: no final flush.
func crash(t testing.TB, r *Resume) {
	t.Helper()
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	close(r.done)
	r.wg.Wait()
	if err := r.db.Close(); err != nil {
		t.Fatal(err)
	}
}

func writePiece(t testing.TB, s *Store, tr torrent, i int) {
	t.Helper()
	off := int64(i) * tr.layout.PieceLength
	if err := s.WritePiece(i, tr.data[off:off+tr.layout.PieceSize(i)]); err != nil {
		t.Fatalf("WritePiece(%d): %v", i, err)
	}
}

func pieces(b *bitfield.Bitfield) []int {
	var out []int
	for i := range b.Len() {
		if b.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

func samePieces(a []int, b ...int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var ih1 = bt.InfoHash{1}

func TestResumeLoadMissing(t *testing.T) {
	r := openResume(t, filepath.Join(t.TempDir(), "resume.db"), ResumeOptions{})
	st, ok, err := r.Load(ih1, 10)
	if ok || err != nil || st.Have != nil {
		t.Fatalf("Load = %v, %v, %v", st, ok, err)
	}
}

func TestResumeRoundTrip(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40, 0, 30)
	dbPath := filepath.Join(t.TempDir(), "resume.db")
	root := t.TempDir()
	s := openStore(t, root, tr.layout, Options{})
	r := openResume(t, dbPath, ResumeOptions{FlushInterval: time.Hour})
	have, fast, err := Startup(t.Context(), s, r, ih1, 2, nil)
	if err != nil || fast || have.Count() != 0 {
		t.Fatalf("Startup = %v, %v, %v", have, fast, err)
	}
	writePiece(t, s, tr, 1)
	writePiece(t, s, tr, 4)
	r.MarkVerified(ih1, 1)
	r.MarkVerified(ih1, 4)
	r.MarkVerified(bt.InfoHash{9}, 1) // untracked: dropped

	// Batched: nothing recorded until a flush.
	st, ok, err := r.Load(ih1, 5)
	if err != nil || !ok || st.Have.Count() != 0 {
		t.Fatalf("before flush: %v, %v, %v", st.Have, ok, err)
	}
	if got := pieces(r.Have(ih1)); !samePieces(got, 1, 4) {
		t.Fatalf("Have = %v", got)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	st, ok, err = r.Load(ih1, 5)
	if err != nil || !ok || !samePieces(pieces(st.Have), 1, 4) {
		t.Fatalf("after flush: %v, %v, %v", st.Have, ok, err)
	}
	if len(st.Files) != 3 || st.Files[0].Size != 32 || st.Files[1].Size != -1 {
		t.Fatalf("stamps = %v", st.Files)
	}
	if _, _, err := r.Load(ih1, 6); !errors.Is(err, ErrBadResume) {
		t.Fatalf("Load with wrong piece count: %v", err)
	}
	if _, ok, _ := r.Load(bt.InfoHash{9}, 5); ok {
		t.Fatal("untracked torrent was recorded")
	}

	// Clean shutdown, restart: fast path with the same pieces.
	if err := r.Untrack(ih1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, root, tr.layout, Options{})
	r = openResume(t, dbPath, ResumeOptions{})
	have, fast, err = Startup(t.Context(), s, r, ih1, 2, nil)
	if err != nil || !fast || !samePieces(pieces(have), 1, 4) {
		t.Fatalf("restart: %v, %v, %v", pieces(have), fast, err)
	}

	if err := r.Delete(ih1); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.Load(ih1, 5); ok {
		t.Fatal("Delete left the record")
	}
}

func TestResumeBackgroundFlush(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 64)
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	r := openResume(t, filepath.Join(t.TempDir(), "resume.db"), ResumeOptions{FlushInterval: 20 * time.Millisecond})
	if _, _, err := Startup(t.Context(), s, r, ih1, 1, nil); err != nil {
		t.Fatal(err)
	}
	writePiece(t, s, tr, 2)
	r.MarkVerified(ih1, 2)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, ok, err := r.Load(ih1, 4)
		if err != nil {
			t.Fatal(err)
		}
		if ok && st.Have.Has(2) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("background flush did not record the piece")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStartupFastAndFull covers what forces a full check and what it finds.
func TestStartupFastAndFull(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, root string, l Layout)
		fast   bool
		want   []int
	}{
		{"unchanged", func(*testing.T, string, Layout) {}, true, []int{0, 1, 2, 3, 4, 5}},
		{"touched", func(t *testing.T, root string, l Layout) {
			p := filepath.Join(root, l.Files[0].Path)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			mt := fi.ModTime().Add(time.Second)
			if err := os.Chtimes(p, mt, mt); err != nil {
				t.Fatal(err)
			}
		}, false, []int{0, 1, 2, 3, 4, 5}},
		{"corrupted keeping size and mtime", func(t *testing.T, root string, l Layout) {
			// Undetectable by stamps by design: the saved state is trusted.
			p := filepath.Join(root, l.Files[0].Path)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, true, []int{0, 1, 2, 3, 4, 5}},
		{"truncated", func(t *testing.T, root string, l Layout) {
			if err := os.Truncate(filepath.Join(root, l.Files[2].Path), 10); err != nil {
				t.Fatal(err)
			}
		}, false, []int{0, 1, 2}},
		{"deleted", func(t *testing.T, root string, l Layout) {
			mustRemove(t, filepath.Join(root, l.Files[0].Path))
		}, false, []int{3, 4, 5}},
		{"empty file created", func(t *testing.T, root string, l Layout) {
			p := filepath.Join(root, l.Files[1].Path)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, []int{0, 1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			// 6 pieces of 16: file 0 = pieces 0-2 (and a byte of 3), file 2 = rest.
			tr := newTorrent(rng, 16, 40, 0, 56)
			l := tr.layout
			root, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "resume.db")

			s := openStore(t, root, l, Options{})
			r := openResume(t, dbPath, ResumeOptions{NoSync: true})
			if _, _, err := Startup(t.Context(), s, r, ih1, 2, nil); err != nil {
				t.Fatal(err)
			}
			for i := range l.Hashes {
				writePiece(t, s, tr, i)
				r.MarkVerified(ih1, i)
			}
			if err := r.Untrack(ih1); err != nil {
				t.Fatal(err)
			}
			s.Close()
			r.Close()

			tt.change(t, root, l)

			s = openStore(t, root, l, Options{})
			r = openResume(t, dbPath, ResumeOptions{NoSync: true})
			have, fast, err := Startup(t.Context(), s, r, ih1, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fast != tt.fast || !samePieces(pieces(have), tt.want...) {
				t.Fatalf("Startup = %v fast=%v, want %v fast=%v", pieces(have), fast, tt.want, tt.fast)
			}
			// A full check records its result: the next start is fast.
			r.Untrack(ih1)
			s.Close()
			r.Close()
			s = openStore(t, root, l, Options{})
			r = openResume(t, dbPath, ResumeOptions{NoSync: true})
			have, fast, err = Startup(t.Context(), s, r, ih1, 2, nil)
			if err != nil || !fast || !samePieces(pieces(have), tt.want...) {
				t.Fatalf("second Startup = %v fast=%v err=%v", pieces(have), fast, err)
			}
		})
	}
}

// TestStartupAfterKill simulates kill -9 after some pieces were recorded and
// more were written: the recorded ones are trusted only if nothing changed,
// and the re-check finds the unrecorded ones.
func TestStartupAfterKill(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 100, 60)
	l := tr.layout
	root, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "resume.db")
	s := openStore(t, root, l, Options{})
	r, err := OpenResume(dbPath, ResumeOptions{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Startup(t.Context(), s, r, ih1, 2, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		writePiece(t, s, tr, i)
		r.MarkVerified(ih1, i)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	// Written and marked but never flushed; written but never marked; and a
	// half-written piece. Writing in order grows the files, so their sizes
	// no longer match the stamps.
	for i := 4; i < 8; i++ {
		writePiece(t, s, tr, i)
		if i%2 == 0 {
			r.MarkVerified(ih1, i)
		}
	}
	if _, err := s.WriteAt(tr.data[8*16:8*16+5], 8*16); err != nil {
		t.Fatal(err)
	}
	crash(t, r)
	s.Close()

	s = openStore(t, root, l, Options{})
	r = openResume(t, dbPath, ResumeOptions{})
	have, fast, err := Startup(t.Context(), s, r, ih1, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fast || !samePieces(pieces(have), 0, 1, 2, 3, 4, 5, 6, 7) {
		t.Fatalf("after kill: %v fast=%v", pieces(have), fast)
	}
}

func TestStartupIgnoresBadRecord(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40)
	root, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "resume.db")
	s := openStore(t, root, tr.layout, Options{})
	writeAll(t, s, tr)
	r := openResume(t, dbPath, ResumeOptions{})
	err := r.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(resumeBucket).Put(ih1[:], []byte{1, 0xff})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Load(ih1, 3); !errors.Is(err, ErrBadResume) {
		t.Fatalf("Load = %v, want ErrBadResume", err)
	}
	have, fast, err := Startup(t.Context(), s, r, ih1, 2, nil)
	if err != nil || fast || !have.Full() {
		t.Fatalf("Startup = %v, %v, %v", pieces(have), fast, err)
	}
}

func TestStartupWithoutResume(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40)
	s := openStore(t, t.TempDir(), tr.layout, Options{})
	writeAll(t, s, tr)
	have, fast, err := Startup(t.Context(), s, nil, ih1, 1, nil)
	if err != nil || fast || !have.Full() {
		t.Fatalf("Startup = %v, %v, %v", pieces(have), fast, err)
	}
}

func TestResumeLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resume.db")
	openResume(t, path, ResumeOptions{})
	start := time.Now()
	_, err := OpenResume(path, ResumeOptions{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrResumeInUse) {
		t.Fatalf("second OpenResume = %v, want ErrResumeInUse", err)
	}
	if want := "storage: resume state " + path + " is in use by another shoal process"; err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("lock timeout not honoured")
	}
}

func TestResumeCloseIdempotent(t *testing.T) {
	r := openResume(t, filepath.Join(t.TempDir(), "resume.db"), ResumeOptions{})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.MarkVerified(ih1, 0) // dropped, no panic
}

func TestResumeManyTorrents(t *testing.T) {
	rng := newRand(t)
	r := openResume(t, filepath.Join(t.TempDir(), "resume.db"), ResumeOptions{FlushInterval: time.Hour, NoSync: true})
	trs := make([]torrent, 5)
	for k := range trs {
		trs[k] = newTorrent(rng, 8, int64(20+k))
		s := openStore(t, t.TempDir(), trs[k].layout, Options{})
		ih := bt.InfoHash{byte(k)}
		if _, _, err := Startup(t.Context(), s, r, ih, 1, nil); err != nil {
			t.Fatal(err)
		}
		writePiece(t, s, trs[k], k%3)
		r.MarkVerified(ih, k%3)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	for k, tr := range trs {
		st, ok, err := r.Load(bt.InfoHash{byte(k)}, tr.layout.NumPieces())
		if err != nil || !ok || !samePieces(pieces(st.Have), k%3) {
			t.Fatalf("torrent %d: %v, %v, %v", k, st.Have, ok, err)
		}
	}
}

// TestCreateEmptyKeepsFastPath: files created by the Store are stamped by the
// next flush, so a clean restart stays fast.
func TestCreateEmptyKeepsFastPath(t *testing.T) {
	rng := newRand(t)
	tr := newTorrent(rng, 16, 40, 0)
	root, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "resume.db")
	s := openStore(t, root, tr.layout, Options{})
	r := openResume(t, dbPath, ResumeOptions{NoSync: true})
	if _, _, err := Startup(t.Context(), s, r, ih1, 1, nil); err != nil {
		t.Fatal(err)
	}
	writeAll(t, s, tr)
	if err := s.CreateEmpty(); err != nil {
		t.Fatal(err)
	}
	if err := r.Untrack(ih1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	r.Close()
	s = openStore(t, root, tr.layout, Options{})
	r = openResume(t, dbPath, ResumeOptions{NoSync: true})
	have, fast, err := Startup(t.Context(), s, r, ih1, 1, nil)
	if err != nil || !fast || have.Count() != 0 {
		// No piece was marked: fast, and nothing trusted that was not marked.
		t.Fatalf("Startup = %v fast=%v err=%v", pieces(have), fast, err)
	}
}
