package peerconn

import (
	"context"
	"slices"
	"testing"
	"time"

	"shoal/internal/wire"
)

// waitQueued waits until n writers wait on s.
func waitQueued(t *testing.T, s *Scheduler, n int) {
	t.Helper()
	for range 5000 {
		s.mu.Lock()
		k := len(s.waiting)
		s.mu.Unlock()
		if k == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d writers never queued", n)
}

func TestSchedulerOrder(t *testing.T) {
	tests := []struct {
		name string
		left []int // in order of arrival
		want []int // indices into left, in order of turns
	}{
		{"fewest left first", []int{4, 1, 3, 2}, []int{1, 3, 2, 0}},
		{"ties by arrival", []int{2, 2, 1, 2}, []int{2, 0, 1, 3}},
		{"passed over at most maxPassed times", []int{4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Scheduler
			if err := s.acquire(t.Context(), newTurn(), 1); err != nil {
				t.Fatal(err)
			}
			got := make(chan int, len(tt.left))
			for i, left := range tt.left {
				go func() {
					if err := s.acquire(t.Context(), newTurn(), left); err != nil {
						t.Error(err)
						return
					}
					got <- i
				}()
				waitQueued(t, &s, i+1)
			}
			var order []int
			for range tt.left {
				s.release()
				order = append(order, <-got)
			}
			s.release()
			if !slices.Equal(order, tt.want) {
				t.Errorf("order %v, want %v", order, tt.want)
			}
			if s.busy || len(s.waiting) > 0 {
				t.Errorf("busy %v, %d waiting after the last release", s.busy, len(s.waiting))
			}
		})
	}
}

func TestSchedulerCancel(t *testing.T) {
	var s Scheduler
	if err := s.acquire(t.Context(), newTurn(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- s.acquire(ctx, newTurn(), 1) }()
	waitQueued(t, &s, 1)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("acquire with a cancelled context succeeded")
	}
	waitQueued(t, &s, 0)
	s.release()
	if err := s.acquire(t.Context(), newTurn(), 1); err != nil {
		t.Fatal(err)
	}
	s.release()
	if s.busy {
		t.Error("still busy")
	}
}

func TestPieceRun(t *testing.T) {
	req := func(idx ...uint32) []wire.Message {
		var q []wire.Message
		for _, i := range idx {
			q = append(q, wire.Message{Index: i})
		}
		return q
	}
	tests := []struct {
		q    []wire.Message
		want int
	}{
		{nil, 0},
		{req(3), 1},
		{req(3, 3, 3, 4, 3), 3},
		{req(make([]uint32, 100)...), 64},
	}
	for _, tt := range tests {
		if got := pieceRun(tt.q); got != tt.want {
			t.Errorf("pieceRun(%d requests) = %d, want %d", len(tt.q), got, tt.want)
		}
	}
}
