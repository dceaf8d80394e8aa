package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

// ErrResumeInUse is matched (errors.Is) by the error OpenResume returns when
// another process holds the resume database.
var ErrResumeInUse = errors.New("storage: resume state is in use by another shoal process")

type inUseError struct{ path string }

func (e *inUseError) Error() string {
	return fmt.Sprintf("storage: resume state %s is in use by another shoal process", e.path)
}

func (e *inUseError) Is(target error) bool { return target == ErrResumeInUse }

var resumeBucket = []byte("shoal.resume.v1")

// ResumeOptions configure OpenResume.
type ResumeOptions struct {
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// FlushInterval is the longest a verified piece waits in memory before a
	// background flush records it. Zero means one second.
	FlushInterval time.Duration
	// LockTimeout is how long to wait for another process to release the
	// database. Zero means one second.
	LockTimeout time.Duration
	// NoSync skips fsync of data files and of the database. A process kill
	// is still safe; a power loss is not. For tests and benchmarks.
	NoSync bool
}

// Resume keeps the resume state of many torrents, keyed by info hash, in one
// bbolt database. Verified pieces are marked in memory and recorded in
// batches; see the package documentation for why this is safe.
type Resume struct {
	db       *bolt.DB
	path     string
	log      *slog.Logger
	interval time.Duration
	noSync   bool

	flushMu sync.Mutex // serialises flushes

	mu       sync.Mutex // guards torrents and the fields of each tracked
	torrents map[bt.InfoHash]*tracked
	closed   bool

	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// tracked is the in-memory state of one registered torrent.
type tracked struct {
	store  *Store
	have   *bitfield.Bitfield
	stamps []FileStamp // as last recorded; nil means stat every file
	dirty  bool        // have changed since the last record
}

// OpenResume opens or creates the resume database at path. If another
// process holds it, the error says so and matches ErrResumeInUse.
func OpenResume(path string, opts ResumeOptions) (*Resume, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	interval := opts.FlushInterval
	if interval <= 0 {
		interval = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoSync: opts.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &inUseError{path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open resume state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(resumeBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: open resume state %s: %w", path, err)
	}
	r := &Resume{
		db:       db,
		path:     path,
		log:      log,
		interval: interval,
		noSync:   opts.NoSync,
		torrents: make(map[bt.InfoHash]*tracked),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	r.wg.Go(r.loop)
	return r, nil
}

// loop flushes at most once per interval, and only after a piece was marked.
func (r *Resume) loop() {
	t := time.NewTimer(r.interval)
	t.Stop()
	for {
		select {
		case <-r.kick:
		case <-r.done:
			return
		}
		t.Reset(r.interval)
		select {
		case <-t.C:
		case <-r.done:
			t.Stop()
			return
		}
		if err := r.Flush(); err != nil {
			r.log.Error("storage: background resume flush failed", "err", err)
		}
	}
}

// Load reads the saved state of ih from the database (not the in-memory
// marks that are not yet flushed). ok is false if there is none. A record
// that cannot be used for numPieces pieces yields an error matching
// ErrBadResume.
func (r *Resume) Load(ih bt.InfoHash, numPieces int) (st State, ok bool, err error) {
	err = r.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(resumeBucket).Get(ih[:])
		if v == nil {
			return nil
		}
		st, err = parseRecord(v) // parseRecord copies out of v
		if err != nil {
			return err
		}
		if st.Have.Len() != numPieces {
			return fmt.Errorf("%w: %d pieces saved, want %d", ErrBadResume, st.Have.Len(), numPieces)
		}
		ok = true
		return nil
	})
	if err != nil {
		return State{}, false, fmt.Errorf("storage: load resume state %s: %w", ih, err)
	}
	return st, ok, nil
}

// Track registers the Store of ih so that MarkVerified records its pieces
// and flushes stamp its files. It starts from an empty set of pieces: the
// next flush replaces any saved state with what is marked from now on.
// Startup calls it with the checked pieces; call it directly only when the
// caller establishes the pieces itself. One Resume per Store.
func (r *Resume) Track(ih bt.InfoHash, s *Store) {
	r.track(ih, s, bitfield.New(s.NumPieces()), nil, false)
}

func (r *Resume) track(ih bt.InfoHash, s *Store, have *bitfield.Bitfield, stamps []FileStamp, dirty bool) {
	r.mu.Lock()
	r.torrents[ih] = &tracked{store: s, have: have, stamps: stamps, dirty: dirty}
	r.mu.Unlock()
}

// MarkVerified records that piece of ih was verified by SHA-1 and written.
// The caller must have finished writing it. The mark is kept in memory and
// recorded by a background flush within FlushInterval, or by Flush, Untrack
// or Close. Marks for an untracked torrent are dropped.
func (r *Resume) MarkVerified(ih bt.InfoHash, piece int) {
	r.mu.Lock()
	t := r.torrents[ih]
	if t == nil || r.closed {
		r.mu.Unlock()
		r.log.Warn("storage: piece marked for an untracked torrent", "infohash", ih, "piece", piece)
		return
	}
	if t.have.Set(piece) {
		t.dirty = true
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Have returns a copy of the pieces recorded or marked for ih, or nil if ih
// is not tracked.
func (r *Resume) Have(ih bt.InfoHash) *bitfield.Bitfield {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.torrents[ih]; t != nil {
		return t.have.Clone()
	}
	return nil
}

// Flush records every tracked torrent with new marks or written files: it
// syncs the files written since the last flush, stamps them, and commits
// all records in one transaction.
func (r *Resume) Flush() error {
	r.mu.Lock()
	ihs := make([]bt.InfoHash, 0, len(r.torrents))
	for ih := range r.torrents {
		ihs = append(ihs, ih)
	}
	r.mu.Unlock()
	return r.flush(ihs)
}

// Untrack flushes ih and stops tracking it. Call it after the last write to
// the torrent's Store and before closing that Store.
func (r *Resume) Untrack(ih bt.InfoHash) error {
	err := r.flush([]bt.InfoHash{ih})
	r.mu.Lock()
	delete(r.torrents, ih)
	r.mu.Unlock()
	return err
}

// Delete stops tracking ih and removes its saved state.
func (r *Resume) Delete(ih bt.InfoHash) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	delete(r.torrents, ih)
	r.mu.Unlock()
	err := r.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(resumeBucket).Delete(ih[:])
	})
	if err != nil {
		return fmt.Errorf("storage: delete resume state %s: %w", ih, err)
	}
	return nil
}

// Close stops the background flush, flushes everything and closes the
// database. Stores stay open; they belong to the caller.
func (r *Resume) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.done)
	r.wg.Wait()
	err := r.Flush()
	if cerr := r.db.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("storage: close resume state: %w", cerr))
	}
	return err
}

// pendingRecord is one torrent's record being flushed.
type pendingRecord struct {
	ih     bt.InfoHash
	t      *tracked
	have   *bitfield.Bitfield
	stamps []FileStamp
	files  []int // files whose dirty flag this flush consumed
	dirty  bool
}

// flush records the given torrents. The order of steps is what makes a
// recorded piece durable: snapshot the marks first, then consume the
// written-file flags and sync those files, then commit.
func (r *Resume) flush(ihs []bt.InfoHash) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()

	var recs []*pendingRecord
	r.mu.Lock()
	for _, ih := range ihs {
		t := r.torrents[ih]
		if t == nil || (!t.dirty && t.stamps != nil && !t.store.anyDirty.Load()) {
			continue
		}
		recs = append(recs, &pendingRecord{
			ih: ih, t: t, have: t.have.Clone(),
			stamps: append([]FileStamp(nil), t.stamps...),
			dirty:  t.dirty,
		})
		t.dirty = false
	}
	r.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}

	var errs []error
	ok := recs[:0]
	for _, rec := range recs {
		if err := r.prepare(rec); err != nil {
			r.restore(rec)
			errs = append(errs, fmt.Errorf("storage: flush resume state %s: %w", rec.ih, err))
			continue
		}
		ok = append(ok, rec)
	}
	if len(ok) > 0 {
		err := r.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(resumeBucket)
			for _, rec := range ok {
				if err := b.Put(rec.ih[:], appendRecord(nil, rec.have, rec.stamps)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for _, rec := range ok {
				r.restore(rec)
			}
			errs = append(errs, fmt.Errorf("storage: flush resume state: %w", err))
		} else {
			r.mu.Lock()
			for _, rec := range ok {
				rec.t.stamps = rec.stamps
			}
			r.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// prepare syncs and stamps the files of rec's Store written since the last
// flush, or stamps every file if none were stamped yet.
func (r *Resume) prepare(rec *pendingRecord) error {
	s := rec.t.store
	rec.files = s.takeDirty()
	if !r.noSync {
		for _, i := range rec.files {
			if err := s.syncFile(i); err != nil {
				return err
			}
		}
	}
	if len(rec.stamps) != len(s.files) {
		all, err := s.stamps()
		if err != nil {
			return err
		}
		rec.stamps = all
		return nil
	}
	for _, i := range rec.files {
		st, err := s.stamp(i)
		if err != nil {
			return err
		}
		rec.stamps[i] = st
	}
	return nil
}

// restore puts back what a failed flush consumed, so the next one retries.
func (r *Resume) restore(rec *pendingRecord) {
	for _, i := range rec.files {
		rec.t.store.markDirty(&rec.t.store.files[i])
	}
	if rec.dirty {
		r.mu.Lock()
		rec.t.dirty = true
		r.mu.Unlock()
	}
}
