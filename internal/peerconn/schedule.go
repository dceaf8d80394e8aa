package peerconn

import (
	"context"
	"sync"
)

// maxPassed is how many blocks of other connections may go before a
// waiting connection, however many blocks its piece still needs.
const maxPassed = 8

// Scheduler orders the blocks of connections that share upload limits.
// While the limits hold the writers back, each writer waits for its turn
// before it waits on the limits, and the turn goes to the connection whose
// next block belongs to the piece with the fewest blocks left in its
// queue; ties go to the connection that has waited longest. A peer thus
// gets a piece whole and soon, and can pass it on, instead of every
// unchoked peer getting a share of many pieces at once. No connection is
// passed over more than maxPassed times in a row.
//
// The zero value is ready to use. A Scheduler may be shared by any number
// of connections.
type Scheduler struct {
	mu      sync.Mutex
	busy    bool // a writer holds the turn
	seq     uint64
	waiting []*turn
}

// turn is one writer's place in the scheduler; each Conn has one.
type turn struct {
	ready  chan struct{} // receives the turn; buffered
	left   int           // blocks of the piece still queued
	seq    uint64        // order of arrival
	passed int           // turns given to others while waiting
}

func newTurn() *turn { return &turn{ready: make(chan struct{}, 1)} }

// acquire waits until w may wait on the upload limits. left is the number
// of blocks of w's next piece still queued, the one about to go included.
func (s *Scheduler) acquire(ctx context.Context, w *turn, left int) error {
	s.mu.Lock()
	if !s.busy {
		s.busy = true
		s.mu.Unlock()
		return nil
	}
	s.seq++
	w.left, w.seq, w.passed = left, s.seq, 0
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for i, x := range s.waiting {
		if x == w {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			s.mu.Unlock()
			return ctx.Err()
		}
	}
	s.mu.Unlock()
	// The turn came while we gave up: pass it on.
	<-w.ready
	s.release()
	return ctx.Err()
}

// release gives the turn to the best waiting writer, if any.
func (s *Scheduler) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) == 0 {
		s.busy = false
		return
	}
	best := 0
	for i, w := range s.waiting[1:] {
		if before(w, s.waiting[best]) {
			best = i + 1
		}
	}
	w := s.waiting[best]
	s.waiting = append(s.waiting[:best], s.waiting[best+1:]...)
	for _, x := range s.waiting {
		x.passed++
	}
	w.ready <- struct{}{}
}

// before reports whether a goes before b.
func before(a, b *turn) bool {
	if ap, bp := a.passed >= maxPassed, b.passed >= maxPassed; ap != bp {
		return ap
	} else if !ap && a.left != b.left {
		return a.left < b.left
	}
	return a.seq < b.seq
}
