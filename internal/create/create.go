package create

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"shoal/internal/metainfo"
)

// Options control Create.
type Options struct {
	// PieceLength is a power of two from MinPieceLength to MaxPieceLength;
	// 0 chooses AutoPieceLength.
	PieceLength int64
	// Trackers are announce URLs. The first becomes announce; if there are
	// several, announce-list has one tier per tracker, in order.
	Trackers  []string
	WebSeeds  []string // BEP 19 url-list
	Private   bool     // BEP 27
	Comment   string
	CreatedBy string
	// CreationDate is stored in Unix seconds; the zero time omits it.
	CreationDate time.Time
	// Workers is the number of hashing goroutines; 0 means runtime.NumCPU().
	Workers int
	// Progress, if not nil, is called with the bytes hashed so far and the
	// total: about every 50 ms, and once at the end with hashed == total.
	// All calls are made from the goroutine that called Create.
	Progress func(hashed, total int64)
}

// progressInterval is the time between Progress calls.
const progressInterval = 50 * time.Millisecond

// Create builds the metainfo for the file or folder at path. Its name is the
// last element of path. It fails if the content is empty, if a name would be
// unsafe in a torrent (see metainfo.ErrUnsafePath), if a file changes size
// while it is read, or when ctx is done.
func Create(ctx context.Context, path string, opt Options) (*metainfo.MetaInfo, error) {
	if opt.PieceLength != 0 {
		if err := checkPieceLength(opt.PieceLength); err != nil {
			return nil, err
		}
	}
	name, files, err := list(path)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.length
	}
	pl := opt.PieceLength
	if pl == 0 {
		pl = AutoPieceLength(total)
	}

	h := newHasher(files, pl)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(h.pieces))
	if err := hashWithProgress(ctx, h, workers, opt.Progress); err != nil {
		return nil, err
	}
	if err := h.checkSizes(); err != nil {
		return nil, err
	}

	info := metainfo.Info{Name: name, PieceLength: pl, Pieces: h.pieces, Private: opt.Private}
	if len(files) == 1 && files[0].elems == nil {
		info.Length = files[0].length
	} else {
		info.Files = make([]metainfo.File, len(files))
		for i, f := range files {
			info.Files[i] = metainfo.File{Path: f.elems, Length: f.length}
		}
	}
	m := &metainfo.MetaInfo{
		Comment:   opt.Comment,
		CreatedBy: opt.CreatedBy,
		URLList:   opt.WebSeeds,
	}
	if len(opt.Trackers) > 0 {
		m.Announce = opt.Trackers[0]
	}
	if len(opt.Trackers) > 1 {
		for _, t := range opt.Trackers {
			m.AnnounceList = append(m.AnnounceList, []string{t})
		}
	}
	if !opt.CreationDate.IsZero() {
		m.CreationDate = opt.CreationDate.Unix()
	}
	if err := m.SetInfo(info); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	return m, nil
}

// hashWithProgress runs the hasher and reports progress from this
// goroutine until it is done.
func hashWithProgress(ctx context.Context, h *hasher, workers int, progress func(hashed, total int64)) error {
	if progress == nil {
		return h.run(ctx, workers)
	}
	done := make(chan error, 1)
	go func() { done <- h.run(ctx, workers) }()
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				progress(h.total, h.total)
			}
			return err
		case <-tick.C:
			progress(h.hashed.Load(), h.total)
		}
	}
}
