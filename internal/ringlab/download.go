package ringlab

import (
	"context"
	"crypto/sha1"
	"fmt"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/wire"
)

// maxInflight is how many block requests a download keeps outstanding.
const maxInflight = 32

// maxBadChunks is how many chunks failing their SHA-1 check a download
// accepts from one uploader before it gives up on it.
const maxBadChunks = 3

// download fetches chunks from one uploader: the chunks it offers that
// have lacks, in increasing order, each in blocks of up to bt.BlockSize
// bytes, checked against its SHA-1 before accept stores it.
type download struct {
	self   Node
	c      *conn
	bounds wire.Bounds
	hashes [][20]byte
	have   *bitfield.Bitfield // written only by accept, on this goroutine
	// untilFull keeps the download going until have is full; otherwise it
	// ends once it has every chunk the uploader offered when it unchoked.
	untilFull bool
	// accept stores a verified chunk and sets it in have.
	accept func(c int, data []byte, from Node) error
	emit   func(Event)

	theirs   *bitfield.Bitfield
	pending  *bitfield.Bitfield // chunks being fetched
	active   []*chunkBuf
	free     []*chunkBuf
	inflight int
	unchoked bool
	gotList  bool
	got      int // chunks accepted
	bad      int // chunks that failed their check
}

// chunkBuf collects the blocks of one chunk.
type chunkBuf struct {
	index int
	size  int64
	data  []byte
	next  int64  // offset of the next block to request
	recv  []bool // blocks received
	left  int    // blocks not received
}

// run fetches until the goal is reached, the connection fails, or ctx is
// done. It closes the connection.
func (d *download) run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { d.c.nc.Close() })
	defer func() {
		stop()
		d.c.nc.Close()
	}()
	n := d.have.Len()
	d.theirs = bitfield.New(n)
	d.pending = bitfield.New(n)
	if d.untilFull && d.have.Full() {
		return d.fail(ctx, d.finish())
	}
	if err := d.c.send(func(b []byte) []byte { return wire.Message{ID: wire.Interested}.AppendTo(b) }); err != nil {
		return d.fail(ctx, err)
	}
	if err := d.c.w.Flush(); err != nil {
		return d.fail(ctx, err)
	}
	first := true
	for {
		m, err := d.c.r.Next()
		if err != nil {
			return d.fail(ctx, err)
		}
		if err := d.handle(m, first); err != nil {
			return d.fail(ctx, err)
		}
		first = false
		if d.reached() {
			return d.fail(ctx, d.finish())
		}
		if err := d.fill(); err != nil {
			return d.fail(ctx, err)
		}
		if d.c.r.Buffered() == 0 {
			if err := d.c.w.Flush(); err != nil {
				return d.fail(ctx, err)
			}
		}
	}
}

// fail returns err, or the reason ctx ended if that closed the connection.
func (d *download) fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("ringlab: %v from %v: %w", d.self, d.c.remote, err)
}

// reached reports whether the download has what it came for.
func (d *download) reached() bool {
	if d.untilFull {
		return d.have.Full()
	}
	return d.unchoked && d.inflight == 0 && Covers(d.have, d.theirs)
}

// finish tells the uploader the download is over.
func (d *download) finish() error {
	if err := d.c.send(func(b []byte) []byte { return wire.Message{ID: wire.NotInterested}.AppendTo(b) }); err != nil {
		return err
	}
	return d.c.w.Flush()
}

// handle processes one message from the uploader.
func (d *download) handle(m wire.Message, first bool) error {
	if err := d.bounds.Check(m); err != nil {
		return err
	}
	if m.Keepalive {
		return nil
	}
	switch m.ID {
	case wire.Bitfield:
		if !first {
			return fmt.Errorf("%w: bitfield after other messages", wire.ErrProtocol)
		}
		b, err := bitfield.FromBytes(m.Payload, d.have.Len())
		if err != nil {
			return fmt.Errorf("%w: bitfield: %v", wire.ErrProtocol, err)
		}
		d.theirs, d.gotList = b, true
		d.emit(Event{Self: d.self, Kind: RecvList, Peer: d.c.remote, Count: b.Count(), Total: b.Len()})
	case wire.Have:
		if d.theirs.Set(int(m.Index)) {
			d.emit(Event{Self: d.self, Kind: RecvHave, Peer: d.c.remote, Chunk: int(m.Index), Count: d.theirs.Count(), Total: d.theirs.Len()})
		}
	case wire.Unchoke:
		d.unchoked = true
	case wire.Choke:
		d.unchoked = false
		for _, cb := range d.active {
			d.pending.Clear(cb.index)
			d.free = append(d.free, cb)
		}
		d.active, d.inflight = d.active[:0], 0
	case wire.Piece:
		return d.piece(m)
	case wire.Request:
		return fmt.Errorf("%w: request from an uploader", wire.ErrProtocol)
	}
	return nil
}

// piece stores a block and completes its chunk when it is the last.
func (d *download) piece(m wire.Message) error {
	var cb *chunkBuf
	at := -1
	for i, a := range d.active {
		if a.index == int(m.Index) {
			cb, at = a, i
			break
		}
	}
	blk := int(m.Begin / bt.BlockSize)
	if cb == nil || m.Begin%bt.BlockSize != 0 || int64(m.Begin) >= cb.next || cb.recv[blk] ||
		int64(len(m.Payload)) != min(bt.BlockSize, cb.size-int64(m.Begin)) {
		return fmt.Errorf("%w: piece %d+%d of %d bytes was not requested", wire.ErrProtocol, m.Index, m.Begin, len(m.Payload))
	}
	copy(cb.data[m.Begin:], m.Payload)
	cb.recv[blk] = true
	cb.left--
	d.inflight--
	if cb.left > 0 {
		return nil
	}
	d.active = append(d.active[:at], d.active[at+1:]...)
	d.free = append(d.free, cb)
	d.pending.Clear(cb.index)
	if sha1.Sum(cb.data[:cb.size]) != d.hashes[cb.index] {
		d.bad++
		d.emit(Event{Self: d.self, Kind: Note, Text: fmt.Sprintf("chunk %d from %v failed its SHA-1 check", cb.index, d.c.remote)})
		if d.bad >= maxBadChunks {
			return fmt.Errorf("%d chunks failed their SHA-1 check", d.bad)
		}
		return nil
	}
	if err := d.accept(cb.index, cb.data[:cb.size], d.c.remote); err != nil {
		return err
	}
	d.got++
	return nil
}

// fill sends requests until maxInflight blocks are outstanding or there is
// nothing more to ask for.
func (d *download) fill() error {
	if !d.unchoked {
		return nil
	}
	for d.inflight < maxInflight {
		var cb *chunkBuf
		for _, a := range d.active {
			if a.next < a.size {
				cb = a
				break
			}
		}
		if cb == nil {
			c := NextChunk(d.have, d.pending, d.theirs)
			if c < 0 {
				return nil
			}
			cb = d.start(c)
			d.emit(Event{Self: d.self, Kind: SentRequest, Peer: d.c.remote, Chunk: c})
		}
		length := min(bt.BlockSize, cb.size-cb.next)
		if err := d.c.send(func(b []byte) []byte {
			return wire.AppendRequest(b, uint32(cb.index), uint32(cb.next), uint32(length))
		}); err != nil {
			return err
		}
		cb.next += length
		d.inflight++
	}
	return nil
}

// start makes chunk c active, reusing a buffer if one is free.
func (d *download) start(c int) *chunkBuf {
	var cb *chunkBuf
	if k := len(d.free); k > 0 {
		cb, d.free = d.free[k-1], d.free[:k-1]
	} else {
		cb = &chunkBuf{}
	}
	size := d.bounds.PieceSize(c)
	blocks := Blocks(size, bt.BlockSize)
	if int64(cap(cb.data)) < size {
		cb.data = make([]byte, d.bounds.PieceLength)
	}
	if cap(cb.recv) < blocks {
		cb.recv = make([]bool, Blocks(d.bounds.PieceLength, bt.BlockSize))
	}
	cb.index, cb.size, cb.next, cb.left = c, size, 0, blocks
	cb.data = cb.data[:size]
	cb.recv = cb.recv[:blocks]
	clear(cb.recv)
	d.pending.Set(c)
	d.active = append(d.active, cb)
	return cb
}
