package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// minBufSize is the initial size of a Reader's buffer: room for several
// piece messages carrying 16 KiB blocks.
const minBufSize = 64 << 10

// maxKeptBufSize is the largest buffer a Reader keeps once it is empty.
// A larger one, grown for a big bitfield, is dropped so that idle
// connections do not each hold up to a megabyte.
const maxKeptBufSize = 256 << 10

// maxEmptyReads is how many reads returning no data and no error the
// Reader accepts in a row before giving up with io.ErrNoProgress.
const maxEmptyReads = 100

var errBadRead = errors.New("wire: reader returned an invalid count")

// Reader reads messages from a byte stream through one reusable buffer.
// After warming up it does not allocate. It is not safe for concurrent use.
type Reader struct {
	src    io.Reader
	maxLen int
	buf    []byte
	r, w   int   // buf[r:w] is buffered, unparsed data
	rerr   error // read error not yet returned
	fail   error // protocol error, returned by every later call
}

// NewReader returns a Reader of messages from r whose bodies are at most
// maxLen bytes; zero or less means DefaultMaxLen.
func NewReader(r io.Reader, maxLen int) *Reader {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	maxLen = min(maxLen, math.MaxInt-lenPrefixLen)
	return &Reader{src: r, maxLen: maxLen}
}

// Next returns the next message. Its Payload aliases the Reader's buffer
// and is valid only until the next call to Next.
//
// Next returns io.EOF if the stream ends cleanly between messages, and an
// error wrapping io.ErrUnexpectedEOF if it ends inside one. Messages
// with an unknown ID are returned, not refused, so the caller can skip
// them. A protocol error (wrapping ErrProtocol) is returned again by
// every later call. Other read errors are returned once, keeping the
// data already read, so a call after a read deadline expired resumes
// where the stream stopped.
func (r *Reader) Next() (Message, error) {
	if r.fail != nil {
		return Message{}, r.fail
	}
	if err := r.fill(lenPrefixLen); err != nil {
		return Message{}, err
	}
	n := binary.BigEndian.Uint32(r.buf[r.r:])
	if uint64(n) > uint64(r.maxLen) {
		r.fail = tooLong(n, r.maxLen)
		return Message{}, r.fail
	}
	end := lenPrefixLen + int(n)
	if err := r.fill(end); err != nil {
		return Message{}, err
	}
	body := r.buf[r.r+lenPrefixLen : r.r+end]
	r.r += end
	m, err := parseBody(body)
	if err != nil {
		r.fail = err
	}
	return m, err
}

// Buffered returns the number of bytes read from the stream but not yet
// returned as messages.
func (r *Reader) Buffered() int { return r.w - r.r }

// fill reads until at least need bytes are buffered.
func (r *Reader) fill(need int) error {
	if r.r == r.w {
		r.r, r.w = 0, 0
		if len(r.buf) > maxKeptBufSize {
			r.buf = nil
		}
	}
	empty := 0
	for r.w-r.r < need {
		if r.rerr != nil {
			err := r.rerr
			r.rerr = nil
			return r.readError(err)
		}
		if r.r+need > len(r.buf) {
			r.makeRoom(need)
		}
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.fail = errBadRead
			return r.fail
		}
		r.w += n
		if err != nil {
			r.rerr = err
			continue
		}
		if n > 0 {
			empty = 0
		} else if empty++; empty >= maxEmptyReads {
			return r.readError(io.ErrNoProgress)
		}
	}
	return nil
}

// readError turns an error from the stream into the error Next returns.
func (r *Reader) readError(err error) error {
	if err == io.EOF {
		if r.r == r.w {
			return io.EOF
		}
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("wire: read: %w", err)
}

// makeRoom moves the buffered data to the front of the buffer, growing
// it if it cannot hold need bytes.
func (r *Reader) makeRoom(need int) {
	if need > len(r.buf) {
		size := max(minBufSize, 2*len(r.buf))
		size = min(size, lenPrefixLen+r.maxLen)
		size = max(size, need)
		buf := make([]byte, size)
		r.w = copy(buf, r.buf[r.r:r.w])
		r.r = 0
		r.buf = buf
		return
	}
	r.w = copy(r.buf, r.buf[r.r:r.w])
	r.r = 0
}
