package peerconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/wire"
)

// Timeouts of an established connection.
const (
	// KeepaliveInterval is how long the writer stays silent before sending
	// a keep-alive.
	KeepaliveInterval = 90 * time.Second
	// WriteTimeout bounds one socket write.
	WriteTimeout = 2 * time.Minute
)

// DefaultMaxServe is the default bound on queued block requests of a peer.
const DefaultMaxServe = 2048

// maxBatch is the most blocks the writer reads into one socket write.
const maxBatch = 16

// limitedWait is how long a wait on the upload limits must last to show
// that they hold the connection back.
const limitedWait = time.Millisecond

// ErrClosed is the error of a connection closed by us without a reason.
var ErrClosed = errors.New("peerconn: closed")

// BlockSource reads torrent data by global byte offset.
type BlockSource interface {
	ReadAt(p []byte, off int64) (int, error)
}

// Limiter delays the sending of n bytes; golang.org/x/time/rate's Limiter
// satisfies it.
type Limiter interface {
	WaitN(ctx context.Context, n int) error
}

// Config configures the writer side of a connection.
type Config struct {
	// Source serves requested blocks.
	Source BlockSource
	// PieceLength maps (index, begin) to a byte offset.
	PieceLength int64
	// UpLimits are waited on, in order, before each block is sent.
	UpLimits []Limiter
	// MaxServe bounds the queue of requests we serve (default 2048).
	MaxServe int
	// OnSent is called from the writer goroutine with the number of block
	// bytes in each socket write.
	OnSent func(n int)
	// OnBlock, if set, is called from the writer goroutine for every
	// block sent.
	OnBlock func(index, begin, length uint32)
	// Scheduler, if set, orders the blocks of the connections sharing it
	// while UpLimits hold them back (see Scheduler).
	Scheduler *Scheduler
}

// Conn is an established peer connection after the handshake.
type Conn struct {
	nc  net.Conn
	cfg Config

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	mu     sync.Mutex
	ctrl   []byte
	serve  []wire.Message
	err    error
	closed bool

	sent atomic.Int64 // all bytes written

	// limited is true while the upload limits hold the writer back; it
	// then sends one block at a time, each as soon as the limits allow,
	// and leaves the other requests queued where a cancel still reaches
	// them. Only the writer goroutine uses it.
	limited bool
	turn    *turn
}

// New starts the writer of an established connection.
func New(nc net.Conn, cfg Config) *Conn {
	if cfg.MaxServe <= 0 {
		cfg.MaxServe = DefaultMaxServe
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		nc:     nc,
		cfg:    cfg,
		ctx:    ctx,
		cancel: cancel,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		turn:   newTurn(),
	}
	go c.writeLoop()
	return c
}

// NetConn returns the underlying connection, for reading.
func (c *Conn) NetConn() net.Conn { return c.nc }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Sent is the number of bytes written so far.
func (c *Conn) Sent() int64 { return c.sent.Load() }

// Done is closed when the writer has stopped.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is the reason the connection closed, once Done is closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Send queues a message without a block payload (any payload it has, such
// as a bitfield, is copied).
func (c *Conn) Send(m wire.Message) {
	c.mu.Lock()
	if !c.closed {
		c.ctrl = m.AppendTo(c.ctrl)
	}
	c.mu.Unlock()
	c.signal()
}

// Serve queues a request (m.Index, m.Begin, m.Length) to be answered with a
// piece message. It returns false if the queue is full.
func (c *Conn) Serve(m wire.Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return true
	}
	if len(c.serve) >= c.cfg.MaxServe {
		return false
	}
	c.serve = append(c.serve, wire.Message{ID: wire.Piece, Index: m.Index, Begin: m.Begin, Length: m.Length})
	c.signal()
	return true
}

// Unserve drops a queued request if it has not been sent yet.
func (c *Conn) Unserve(index, begin, length uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, q := range c.serve {
		if q.Index == index && q.Begin == begin && q.Length == length {
			c.serve = append(c.serve[:i], c.serve[i+1:]...)
			return
		}
	}
}

// UnserveAll drops every queued request and returns them appended to dst.
func (c *Conn) UnserveAll(dst []wire.Message) []wire.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	dst = append(dst, c.serve...)
	c.serve = c.serve[:0]
	return dst
}

// Close closes the connection with a reason (nil means ErrClosed). Only
// the first reason is kept.
func (c *Conn) Close(reason error) {
	if reason == nil {
		reason = ErrClosed
	}
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		c.err = reason
		c.ctrl = nil
		c.serve = nil
	}
	c.mu.Unlock()
	c.cancel()
	c.nc.Close()
}

func (c *Conn) writeLoop() {
	defer close(c.done)
	buf := make([]byte, 0, (maxBatch+1)*(16<<10+64))
	batch := make([]wire.Message, 0, maxBatch)
	idle := time.NewTimer(KeepaliveInterval)
	defer idle.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		case <-idle.C:
			c.mu.Lock()
			c.ctrl = wire.AppendKeepalive(c.ctrl)
			c.mu.Unlock()
		}
		for {
			if c.limited {
				var more bool
				var err error
				buf, more, err = c.sendLimited(buf)
				if err != nil {
					c.Close(err)
					return
				}
				if !more {
					break
				}
				continue
			}
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				return
			}
			buf = append(buf[:0], c.ctrl...)
			c.ctrl = c.ctrl[:0]
			n := min(len(c.serve), maxBatch)
			batch = append(batch[:0], c.serve[:n]...)
			c.serve = c.serve[:copy(c.serve, c.serve[n:])]
			c.mu.Unlock()
			if len(buf) == 0 && len(batch) == 0 {
				break
			}
			var err error
			var blocks, used int
			buf, blocks, used, err = c.appendBlocks(buf, batch)
			if used < len(batch) {
				c.requeue(batch[used:])
				batch = batch[:used]
			}
			if err == nil && len(buf) > 0 {
				err = c.write(buf)
			}
			if err != nil {
				c.Close(err)
				return
			}
			if blocks > 0 && c.cfg.OnSent != nil {
				c.cfg.OnSent(blocks)
			}
			if c.cfg.OnBlock != nil {
				for _, m := range batch {
					c.cfg.OnBlock(m.Index, m.Begin, m.Length)
				}
			}
		}
		idle.Reset(KeepaliveInterval)
	}
}

// appendBlocks appends a piece message for each request, waiting on the
// upload limits first, and returns the block bytes appended and how many
// requests it used. Once the upload limits hold it back it stops after
// that block; the caller queues the rest again.
func (c *Conn) appendBlocks(buf []byte, batch []wire.Message) ([]byte, int, int, error) {
	var total int
	for i, m := range batch {
		if i > 0 && c.limited {
			return buf, total, i, nil
		}
		waited := time.Now()
		if err := c.waitLimits(int(m.Length), 0); err != nil {
			return buf, total, i, err
		}
		c.limited = time.Since(waited) >= limitedWait
		var err error
		if buf, err = c.appendBlock(buf, m); err != nil {
			return buf, total, i, err
		}
		total += int(m.Length)
	}
	return buf, total, len(batch), nil
}

// sendLimited writes the queued control messages, then waits for the
// scheduler and the upload limits and sends the request then first in the
// queue. Until then that request stays queued, where a cancel still
// reaches it. It reports whether it did anything, and so whether the queue
// may hold more.
func (c *Conn) sendLimited(buf []byte) ([]byte, bool, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return buf, false, ErrClosed
	}
	buf = append(buf[:0], c.ctrl...)
	c.ctrl = c.ctrl[:0]
	var head wire.Message
	left := pieceRun(c.serve)
	if left > 0 {
		head = c.serve[0]
	}
	c.mu.Unlock()
	if len(buf) > 0 {
		// Control messages (have, choke...) need not wait for the
		// upload limit.
		if err := c.write(buf); err != nil {
			return buf, false, err
		}
	}
	if left == 0 {
		return buf, len(buf) > 0, nil
	}
	waited := time.Now()
	if err := c.waitLimits(int(head.Length), left); err != nil {
		return buf, false, err
	}
	c.limited = time.Since(waited) >= limitedWait
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return buf, false, ErrClosed
	}
	buf = append(buf[:0], c.ctrl...)
	c.ctrl = c.ctrl[:0]
	ok := len(c.serve) > 0
	var m wire.Message
	if ok {
		// Usually head; if that was cancelled meanwhile, the next one
		// uses the bytes the limits granted.
		m = c.serve[0]
		c.serve = c.serve[:copy(c.serve, c.serve[1:])]
	}
	c.mu.Unlock()
	if ok {
		var err error
		if buf, err = c.appendBlock(buf, m); err != nil {
			return buf, false, err
		}
	}
	if len(buf) > 0 {
		if err := c.write(buf); err != nil {
			return buf, false, err
		}
	}
	if ok {
		if c.cfg.OnSent != nil {
			c.cfg.OnSent(int(m.Length))
		}
		if c.cfg.OnBlock != nil {
			c.cfg.OnBlock(m.Index, m.Begin, m.Length)
		}
	}
	return buf, true, nil
}

// pieceRun is how many requests at the front of q are for the piece of the
// first one, counting at most maxRun.
func pieceRun(q []wire.Message) int {
	const maxRun = 64
	n := 0
	for n < len(q) && n < maxRun && q[n].Index == q[0].Index {
		n++
	}
	return n
}

// waitLimits waits until n bytes may be sent: for the scheduler's turn if
// left (blocks of the piece still queued) is positive, then on the upload
// limits.
func (c *Conn) waitLimits(n, left int) error {
	if s := c.cfg.Scheduler; s != nil && left > 0 {
		if err := s.acquire(c.ctx, c.turn, left); err != nil {
			return fmt.Errorf("peerconn: upload turn: %w", err)
		}
		defer s.release()
	}
	for _, l := range c.cfg.UpLimits {
		if err := l.WaitN(c.ctx, n); err != nil {
			return fmt.Errorf("peerconn: upload limit: %w", err)
		}
	}
	return nil
}

// appendBlock appends a piece message for m, reading the block from
// storage straight into buf.
func (c *Conn) appendBlock(buf []byte, m wire.Message) ([]byte, error) {
	n := int(m.Length)
	buf = wire.AppendPieceHeader(buf, m.Index, m.Begin, m.Length)
	start := len(buf)
	buf = grow(buf, n)
	off := int64(m.Index)*c.cfg.PieceLength + int64(m.Begin)
	if _, err := c.cfg.Source.ReadAt(buf[start:start+n], off); err != nil {
		return buf, fmt.Errorf("peerconn: read block %d+%d: %w", m.Index, m.Begin, err)
	}
	return buf, nil
}

// requeue puts requests taken but not sent back at the front of the queue.
func (c *Conn) requeue(ms []wire.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.serve = slices.Insert(c.serve, 0, ms...)
	}
}

func (c *Conn) write(b []byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return fmt.Errorf("peerconn: %w", err)
	}
	n, err := c.nc.Write(b)
	c.sent.Add(int64(n))
	if err != nil {
		return fmt.Errorf("peerconn: write: %w", err)
	}
	return nil
}

// grow extends b by n bytes, reallocating if needed.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*cap(b)+n)
	copy(nb, b)
	return nb
}
