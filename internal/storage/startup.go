package storage

import (
	"context"
	"errors"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
)

// Startup establishes which pieces of ih are on disk when a torrent starts.
//
// If r holds state for ih and every file's size and modification time match
// the saved stamps, the saved pieces are trusted and returned with fast set.
// Otherwise every piece is checked from disk (Store.Check with workers and
// progress) and the result is recorded at once. Either way the torrent ends
// up tracked by r, so MarkVerified works afterwards. r may be nil: then
// Startup is a full Check.
func Startup(ctx context.Context, s *Store, r *Resume, ih bt.InfoHash, workers int, progress func(done, total int)) (have *bitfield.Bitfield, fast bool, err error) {
	if r != nil {
		st, ok, err := r.Load(ih, s.NumPieces())
		switch {
		case errors.Is(err, ErrBadResume):
			s.log.Warn("storage: ignoring saved resume state", "infohash", ih, "err", err)
		case err != nil:
			return nil, false, err
		case ok:
			cur, err := s.stamps()
			if err != nil {
				return nil, false, err
			}
			if sameStamps(cur, st.Files) {
				s.log.Debug("storage: files unchanged, trusting resume state", "infohash", ih, "pieces", st.Have.Count())
				r.track(ih, s, st.Have.Clone(), cur, false)
				return st.Have, true, nil
			}
			s.log.Info("storage: files changed since last run, checking all pieces", "infohash", ih)
		}
	}
	// Stamp before reading: a change made during the check then shows up as
	// a mismatch next time instead of being blessed.
	before, err := s.stamps()
	if err != nil {
		return nil, false, err
	}
	have, err = s.Check(ctx, workers, progress)
	if err != nil {
		return nil, false, err
	}
	if r != nil {
		r.track(ih, s, have.Clone(), before, true)
		if err := r.flush([]bt.InfoHash{ih}); err != nil {
			return nil, false, err
		}
	}
	return have, false, nil
}
