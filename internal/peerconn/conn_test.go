package peerconn

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"shoal/internal/wire"
)

// gate is a Limiter that lets one block through per token the test sends,
// and reports each wait on waits.
type gate struct {
	waits  chan int
	tokens chan struct{}
}

func (g *gate) WaitN(ctx context.Context, n int) error {
	g.waits <- n
	select {
	case <-g.tokens:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestCancelWhileLimited checks that a request waiting for the upload
// limits can still be cancelled: the bytes the limits grant go to the next
// request instead.
func TestCancelWhileLimited(t *testing.T) {
	data := make([]byte, 4*16<<10)
	for i := range data {
		data[i] = byte(i / (16 << 10))
	}
	ours, theirs := net.Pipe()
	defer theirs.Close()
	g := &gate{waits: make(chan int, 1), tokens: make(chan struct{})}
	c := New(ours, Config{
		Source:      bytes.NewReader(data),
		PieceLength: int64(len(data)),
		UpLimits:    []Limiter{g},
		Scheduler:   &Scheduler{},
	})
	defer func() {
		c.Close(nil)
		<-c.Done()
	}()
	for b := range 3 {
		c.Serve(wire.Message{ID: wire.Request, Index: 0, Begin: uint32(b * 16 << 10), Length: 16 << 10})
	}
	r := wire.NewReader(theirs, 0)
	next := func() wire.Message {
		t.Helper()
		m, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// The first block waits long enough to count as limited.
	<-g.waits
	time.Sleep(5 * limitedWait)
	g.tokens <- struct{}{}
	if m := next(); m.ID != wire.Piece || m.Begin != 0 {
		t.Fatalf("first message %v, want block 0", m)
	}
	// The second block now waits in the queue; cancel it.
	<-g.waits
	time.Sleep(5 * limitedWait)
	c.Unserve(0, 16<<10, 16<<10)
	g.tokens <- struct{}{}
	m := next()
	if m.ID != wire.Piece || m.Begin != 32<<10 || m.Payload[0] != 2 {
		t.Fatalf("second message %v, want block 2", m)
	}
}
