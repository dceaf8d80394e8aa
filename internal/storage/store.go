package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by a Store after Close.
var ErrClosed = errors.New("storage: store is closed")

// ErrReadOnly is returned by writes to a Store opened with Options.ReadOnly.
var ErrReadOnly = errors.New("storage: store is read-only")

// Options configure Open.
type Options struct {
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// ReadOnly opens files for reading only (seeding). The Store never
	// creates, truncates or writes anything, and the root must exist.
	ReadOnly bool
}

// Store holds the data of one torrent in files under a root directory.
//
// Files are created lazily on first write, opened once and kept open; all
// I/O is positioned (pread/pwrite), so any number of goroutines may call the
// read and write methods at the same time. The hot path takes no lock shared
// by the whole Store: an open file is one atomic load away.
type Store struct {
	root     *os.Root
	rootPath string
	layout   Layout
	total    int64
	readOnly bool
	log      *slog.Logger
	files    []fileSlot
	closed   atomic.Bool
	anyDirty atomic.Bool // some file was written since the last takeDirty
}

// fileSlot is one file of the layout and its lazily opened handle.
type fileSlot struct {
	path   string
	offset int64 // torrent-global offset of the first byte
	length int64
	f      atomic.Pointer[os.File]
	dirty  atomic.Bool // written (or created) since the last takeDirty

	mu     sync.Mutex // serialises opening and closing; never held during I/O
	closed bool
}

// Open prepares the Store of layout l under root. It validates the layout,
// makes sure every file path resolves under root (following symbolic links
// only while they stay inside it) and that nothing but regular files stands
// where files belong. It opens no data file; files are opened on first use.
// Unless opts.ReadOnly, root itself is created if missing.
func Open(root string, l Layout, opts Options) (*Store, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(root, 0o777); err != nil {
			return nil, fmt.Errorf("storage: create root: %w", err)
		}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("storage: open root: %w", err)
	}
	s := &Store{
		root:     r,
		rootPath: root,
		layout:   l,
		total:    l.TotalLength(),
		readOnly: opts.ReadOnly,
		log:      log,
		files:    make([]fileSlot, len(l.Files)),
	}
	var off int64
	for i, f := range l.Files {
		s.files[i].path = f.Path
		s.files[i].offset = off
		s.files[i].length = f.Length
		off += f.Length
		fi, err := r.Stat(f.Path)
		switch {
		case err == nil && !fi.Mode().IsRegular():
			r.Close()
			return nil, fmt.Errorf("storage: open %s: %q is not a regular file", root, f.Path)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			r.Close()
			return nil, fmt.Errorf("storage: open %s: %w", root, err)
		}
	}
	return s, nil
}

// Layout returns the layout the Store was opened with. The caller must not
// modify its slices.
func (s *Store) Layout() Layout { return s.layout }

// Root returns the root directory as given to Open.
func (s *Store) Root() string { return s.rootPath }

// ReadOnly reports whether the Store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// find returns the index of the file holding torrent-global offset off, which
// must be in [0, total). Zero-length files are never returned.
func (s *Store) find(off int64) int {
	return sort.Search(len(s.files), func(i int) bool {
		return s.files[i].offset+s.files[i].length > off
	})
}

// file returns the open handle of slot fs, opening it on first use. With
// create, missing parent directories and the file itself are created.
func (s *Store) file(fs *fileSlot, create bool) (*os.File, error) {
	if f := fs.f.Load(); f != nil {
		return f, nil
	}
	return s.openSlow(fs, create)
}

func (s *Store) openSlow(slot *fileSlot, create bool) (*os.File, error) {
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.closed {
		return nil, ErrClosed
	}
	if f := slot.f.Load(); f != nil {
		return f, nil
	}
	flag := os.O_RDWR
	if s.readOnly {
		flag = os.O_RDONLY
	}
	if create && !s.readOnly {
		flag |= os.O_CREATE
		if dir := filepath.Dir(slot.path); dir != "." {
			if err := s.root.MkdirAll(dir, 0o777); err != nil {
				return nil, fmt.Errorf("storage: create directory: %w", err)
			}
		}
	}
	f, err := s.root.OpenFile(slot.path, flag, 0o666)
	if err != nil && !create && !s.readOnly && errors.Is(err, fs.ErrPermission) {
		// A file we may read but not write (seeding someone else's data
		// without ReadOnly): serve reads; writes to it will fail.
		f, err = s.root.OpenFile(slot.path, os.O_RDONLY, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: open file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("storage: open file %q: not a regular file", slot.path)
	}
	if create {
		s.markDirty(slot)
	}
	slot.f.Store(f)
	return f, nil
}

// markDirty records that slot changed. It must run after the change is
// complete: a flush that consumes the flag then syncs everything before it.
func (s *Store) markDirty(slot *fileSlot) {
	if !slot.dirty.Load() {
		slot.dirty.Store(true)
	}
	if !s.anyDirty.Load() {
		s.anyDirty.Store(true)
	}
}

// CreateEmpty creates the zero-length files of the layout (and their
// directories), which no write ever touches. Call it when the torrent
// completes. It does nothing on a read-only Store.
func (s *Store) CreateEmpty() error {
	if s.readOnly {
		return nil
	}
	if s.closed.Load() {
		return ErrClosed
	}
	for i := range s.files {
		if s.files[i].length != 0 {
			continue
		}
		if _, err := s.file(&s.files[i], true); err != nil {
			return err
		}
	}
	return nil
}

// Sync flushes every open file to stable storage.
func (s *Store) Sync() error {
	var errs []error
	for i := range s.files {
		if f := s.files[i].f.Load(); f != nil {
			if err := f.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("storage: sync %s: %w", s.files[i].path, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Close closes all files. Reads and writes in flight may fail; later calls
// return ErrClosed. Close does not sync; page-cache data survives a process
// exit, and Resume syncs what it records. Closing twice is harmless.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	for i := range s.files {
		slot := &s.files[i]
		slot.mu.Lock()
		slot.closed = true
		if f := slot.f.Swap(nil); f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, fmt.Errorf("storage: close %s: %w", slot.path, err))
			}
		}
		slot.mu.Unlock()
	}
	if err := s.root.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage: close root: %w", err))
	}
	return errors.Join(errs...)
}

// absent reports whether err means the bytes are simply not there yet: a
// missing file or a file shorter than the layout says.
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, io.ErrUnexpectedEOF)
}

// takeDirty returns the files written since the last call and clears their
// flags.
func (s *Store) takeDirty() []int {
	if !s.anyDirty.Swap(false) {
		return nil
	}
	var idx []int
	for i := range s.files {
		if s.files[i].dirty.Load() && s.files[i].dirty.Swap(false) {
			idx = append(idx, i)
		}
	}
	return idx
}

// syncFile fsyncs file i if it is open.
func (s *Store) syncFile(i int) error {
	if f := s.files[i].f.Load(); f != nil {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("storage: sync %s: %w", s.files[i].path, err)
		}
	}
	return nil
}

// stamp returns the size and modification time of file i; Size -1 if it
// does not exist.
func (s *Store) stamp(i int) (FileStamp, error) {
	slot := &s.files[i]
	var (
		fi  fs.FileInfo
		err error
	)
	if f := slot.f.Load(); f != nil {
		fi, err = f.Stat()
	} else {
		fi, err = s.root.Stat(slot.path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return FileStamp{Size: -1}, nil
	}
	if err != nil {
		return FileStamp{}, fmt.Errorf("storage: stat %s: %w", slot.path, err)
	}
	return FileStamp{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// stamps returns the stamp of every file.
func (s *Store) stamps() ([]FileStamp, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	out := make([]FileStamp, len(s.files))
	for i := range s.files {
		st, err := s.stamp(i)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}
