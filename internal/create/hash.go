package create

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
)

// batchBytes is roughly how much content a worker claims at a time. Workers
// take consecutive batches, so the files are read close to sequentially.
const batchBytes = 4 << 20

// errChanged is wrapped when a file is shorter or longer than when it was
// listed.
var errChanged = errors.New("file changed while hashing")

// hasher computes the piece hashes of content laid out as files.
type hasher struct {
	files       []diskFile // offsets filled, zero-length files included
	total       int64
	pieceLength int64
	pieces      [][20]byte
	next        atomic.Int64 // next unclaimed piece
	hashed      atomic.Int64 // bytes hashed so far
}

func newHasher(files []diskFile, pieceLength int64) *hasher {
	h := &hasher{files: files, pieceLength: pieceLength}
	for i := range files {
		files[i].offset = h.total
		h.total += files[i].length
	}
	h.pieces = make([][20]byte, numPieces(h.total, pieceLength))
	return h
}

// run hashes all pieces with the given number of workers. It returns the
// first error; the others stop at their next piece.
func (h *hasher) run(ctx context.Context, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if err := h.work(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	err := context.Cause(ctx)
	if err == context.Canceled || err == context.DeadlineExceeded {
		return fmt.Errorf("create: %w", err)
	}
	return err
}

// checkSizes reports files whose size changed since they were listed.
func (h *hasher) checkSizes() error {
	for _, f := range h.files {
		st, err := os.Stat(f.path)
		if err != nil {
			return fmt.Errorf("create: %w", err)
		}
		if st.Size() != f.length {
			return fmt.Errorf("create: %s: %w (size %d, was %d)", f.path, errChanged, st.Size(), f.length)
		}
	}
	return nil
}

func (h *hasher) work(ctx context.Context) error {
	n := int64(len(h.pieces))
	batch := max(1, batchBytes/h.pieceLength)
	buf := make([]byte, h.pieceLength)
	r := reader{files: h.files}
	defer r.close()
	for {
		first := h.next.Add(batch) - batch
		if first >= n {
			return nil
		}
		for p := first; p < min(first+batch, n); p++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			off := p * h.pieceLength
			b := buf[:min(h.pieceLength, h.total-off)]
			if err := r.readAt(b, off); err != nil {
				return err
			}
			h.pieces[p] = sha1.Sum(b)
			h.hashed.Add(int64(len(b)))
		}
	}
}

// reader reads the concatenated content, keeping the current file open.
type reader struct {
	files []diskFile
	cur   int // index of the open file
	f     *os.File
}

func (r *reader) readAt(b []byte, off int64) error {
	// The first file that ends after off holds it.
	i := sort.Search(len(r.files), func(i int) bool {
		return r.files[i].offset+r.files[i].length > off
	})
	for len(b) > 0 {
		if i >= len(r.files) {
			return fmt.Errorf("create: read past end of content at %d", off)
		}
		df := &r.files[i]
		if df.length == 0 {
			i++
			continue
		}
		if err := r.open(i); err != nil {
			return err
		}
		n := min(int64(len(b)), df.offset+df.length-off)
		if _, err := r.f.ReadAt(b[:n], off-df.offset); err != nil {
			return fmt.Errorf("create: %s: %w (%w)", df.path, errChanged, err)
		}
		b = b[n:]
		off += n
		i++
	}
	return nil
}

func (r *reader) open(i int) error {
	if r.f != nil && r.cur == i {
		return nil
	}
	r.close()
	f, err := os.Open(r.files[i].path)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	r.f, r.cur = f, i
	return nil
}

func (r *reader) close() {
	if r.f != nil {
		_ = r.f.Close()
		r.f = nil
	}
}
