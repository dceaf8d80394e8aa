package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"shoal/internal/bitfield"
)

// Check re-verifies every piece from disk with workers goroutines (at least
// one) and returns the pieces whose SHA-1 matches. Missing and short files
// make their pieces absent, not an error; other I/O errors stop the check.
// Workers take pieces in increasing order, so the disk sees a nearly
// sequential read. Each worker holds one piece-sized buffer.
//
// progress, if not nil, is called with (0, total) first and then after each
// piece, from the worker goroutines but never concurrently, with done
// increasing; it should return quickly.
func (s *Store) Check(ctx context.Context, workers int, progress func(done, total int)) (*bitfield.Bitfield, error) {
	n := s.NumPieces()
	have := bitfield.New(n)
	if progress != nil {
		progress(0, n)
	}
	if n == 0 {
		return have, nil
	}
	workers = max(1, min(workers, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		next     atomic.Int64
		mu       sync.Mutex // guards have, done, firstErr and progress calls
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			buf := make([]byte, s.layout.PieceLength)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				ok, err := s.VerifyPiece(i, buf)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("storage: check piece %d: %w", i, err)
					}
					mu.Unlock()
					cancel()
					return
				}
				if ok {
					have.Set(i)
				}
				done++
				if progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil && done < n {
		return nil, fmt.Errorf("storage: check: %w", err)
	}
	return have, nil
}
