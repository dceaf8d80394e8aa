package ringlab

import (
	"context"
	"fmt"

	"shoal/internal/bitfield"
	"shoal/internal/storage"
	"shoal/internal/wire"
)

// inQueue is how many received messages an upload holds before it stops
// reading from the connection.
const inQueue = 64

// errChoked reports a request from a peer that was never unchoked.
var errChoked = fmt.Errorf("%w: request while choked", wire.ErrProtocol)

// upload serves chunks to one downloader: it sends the chunk list it
// offers, then a have for each chunk that arrives on haves, unchokes the
// downloader when it is interested and answers its requests for chunks it
// was offered, until it is not interested any more.
type upload struct {
	self    Node
	c       *conn
	store   *storage.Store
	bounds  wire.Bounds
	offered *bitfield.Bitfield // chunks the downloader was told about
	haves   <-chan int         // chunks to announce; nil for none
	emit    func(Event)

	block []byte // read buffer of up to wire.MaxRequestLen bytes
	sent  int    // chunks whose last block went out
}

// request is what the reader goroutine passes on of a message.
type request struct {
	id                   wire.ID
	index, begin, length uint32
}

// run serves until the downloader says it is not interested (clean is
// true), the connection fails, or ctx is done. It closes the connection.
func (u *upload) run(ctx context.Context) (clean bool, err error) {
	in := make(chan request, inQueue)
	quit := make(chan struct{})
	readErr := make(chan error, 1)
	go func() { readErr <- u.read(in, quit) }()
	stop := context.AfterFunc(ctx, func() { u.c.nc.Close() })
	readDone := false
	defer func() {
		stop()
		close(quit)
		u.c.nc.Close()
		if !readDone {
			<-readErr
		}
	}()

	if err := u.c.send(func(b []byte) []byte { return wire.AppendBitfield(b, u.offered.Bytes()) }); err != nil {
		return false, u.fail(ctx, err)
	}
	u.emit(Event{Self: u.self, Kind: SentList, Peer: u.c.remote, Count: u.offered.Count(), Total: u.offered.Len()})
	if err := u.c.w.Flush(); err != nil {
		return false, u.fail(ctx, err)
	}
	unchoked := false
	for {
		select {
		case m, ok := <-in:
			if !ok {
				readDone = true
				return false, u.fail(ctx, <-readErr)
			}
			switch m.id {
			case wire.Interested:
				if !unchoked {
					unchoked = true
					err = u.c.send(func(b []byte) []byte { return wire.Message{ID: wire.Unchoke}.AppendTo(b) })
				}
			case wire.NotInterested:
				return true, u.fail(ctx, u.c.w.Flush())
			case wire.Request:
				if !unchoked {
					return false, errChoked
				}
				err = u.serve(m)
			}
		case c := <-u.haves:
			if u.offered.Set(c) {
				err = u.c.send(func(b []byte) []byte { return wire.AppendHave(b, uint32(c)) })
				u.emit(Event{Self: u.self, Kind: SentHave, Peer: u.c.remote, Chunk: c, Count: u.offered.Count(), Total: u.offered.Len()})
			}
		case <-ctx.Done():
			return false, context.Cause(ctx)
		}
		if err == nil && len(in) == 0 && len(u.haves) == 0 {
			err = u.c.w.Flush()
		}
		if err != nil {
			return false, u.fail(ctx, err)
		}
	}
}

// fail returns err, or the reason ctx ended if that closed the connection.
func (u *upload) fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("ringlab: %v to %v: %w", u.self, u.c.remote, err)
}

// serve answers a request with a piece message.
func (u *upload) serve(m request) error {
	c := int(m.index)
	if !u.offered.Has(c) {
		return fmt.Errorf("%w: request for chunk %d, which was not offered", wire.ErrProtocol, c)
	}
	if m.begin == 0 {
		u.emit(Event{Self: u.self, Kind: RecvRequest, Peer: u.c.remote, Chunk: c})
	}
	if cap(u.block) < int(m.length) {
		u.block = make([]byte, wire.MaxRequestLen)
	}
	block := u.block[:m.length]
	if err := u.store.ReadBlock(c, int64(m.begin), block); err != nil {
		return err
	}
	if err := u.c.send(func(b []byte) []byte { return wire.AppendPieceHeader(b, m.index, m.begin, m.length) }); err != nil {
		return err
	}
	if _, err := u.c.w.Write(block); err != nil {
		return err
	}
	if size := u.bounds.PieceSize(c); int64(m.begin)+int64(m.length) == size {
		u.sent++
		u.emit(Event{Self: u.self, Kind: SentChunk, Peer: u.c.remote, Chunk: c, Bytes: size})
	}
	return nil
}

// read passes the downloader's messages to in until the connection ends
// or quit is closed. It closes in when the connection ends and returns
// why; a clean end of stream is io.EOF.
func (u *upload) read(in chan<- request, quit <-chan struct{}) error {
	defer close(in)
	for {
		m, err := u.c.r.Next()
		if err != nil {
			return err
		}
		if err := u.bounds.Check(m); err != nil {
			return err
		}
		if m.Keepalive {
			continue
		}
		switch m.ID {
		case wire.Interested, wire.NotInterested, wire.Request:
		case wire.Piece:
			return fmt.Errorf("%w: piece from a downloader", wire.ErrProtocol)
		default:
			continue // have, bitfield, cancel and the rest do not concern an upload
		}
		select {
		case in <- request{id: m.ID, index: m.Index, begin: m.Begin, length: m.Length}:
		case <-quit:
			return nil
		}
	}
}
