package ringlab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"shoal/internal/bt"
	"shoal/internal/wire"
)

// handshakeTimeout bounds the exchange of handshakes.
const handshakeTimeout = 10 * time.Second

// dialRetry is the pause between attempts to reach a node that is not
// listening yet.
const dialRetry = 50 * time.Millisecond

// conn is a ring connection after the handshakes.
type conn struct {
	nc     net.Conn
	r      *wire.Reader
	w      *bufio.Writer
	buf    []byte // scratch for encoding messages
	remote Node
}

// maxMessageLen is the largest message body a ring member accepts for a
// file of numChunks chunks: a full bitfield, or a piece message carrying
// one block of the size the ring requests.
func maxMessageLen(numChunks int) int {
	return max(1+(numChunks+7)/8, 9+bt.BlockSize)
}

// handshake exchanges handshakes on nc for the torrent ih and returns the
// connection to the ring member at the other end. It closes nc when it
// fails.
func handshake(ctx context.Context, nc net.Conn, ih bt.InfoHash, self Node, numChunks int) (*conn, error) {
	deadline := time.Now().Add(handshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := nc.SetDeadline(deadline); err != nil {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w", err)
	}
	h := wire.Handshake{InfoHash: ih, PeerID: self.PeerID()}
	if _, err := nc.Write(h.AppendTo(nil)); err != nil {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w", err)
	}
	theirs, err := wire.ReadHandshake(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w", err)
	}
	if theirs.InfoHash != ih {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w: info hash %v, want %v", wire.ErrProtocol, theirs.InfoHash, ih)
	}
	remote, err := NodeFromPeerID(theirs.PeerID)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w", err)
	}
	if !stop() || nc.SetDeadline(time.Time{}) != nil {
		nc.Close()
		return nil, fmt.Errorf("ringlab: handshake: %w", context.Cause(ctx))
	}
	return &conn{
		nc:     nc,
		r:      wire.NewReader(nc, maxMessageLen(numChunks)),
		w:      bufio.NewWriterSize(nc, 64<<10),
		buf:    make([]byte, 0, 64),
		remote: remote,
	}, nil
}

// send encodes a message with appendMsg and buffers it.
func (c *conn) send(appendMsg func([]byte) []byte) error {
	c.buf = appendMsg(c.buf[:0])
	_, err := c.w.Write(c.buf)
	return err
}

// dial connects to addr, trying again until it answers or ctx is done:
// the other nodes of a ring start in any order.
func dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	for {
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return nc, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ringlab: dial %s: %w", addr, errors.Join(context.Cause(ctx), err))
		}
		t := time.NewTimer(dialRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("ringlab: dial %s: %w", addr, errors.Join(context.Cause(ctx), err))
		case <-t.C:
		}
	}
}
