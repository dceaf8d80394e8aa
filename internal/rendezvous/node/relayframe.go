package node

import (
	"encoding/binary"
	"errors"
	"io"

	"shoal/internal/rendezvous/proto"
)

// A relayed link carries its bytes in small frames, so that it can move
// to a direct socket in the middle of a stream: each side ends its relay
// stream with a switch frame and writes on the direct socket after it,
// and each side reads the relay up to the other's switch frame and the
// direct socket after it, so no byte is lost or read twice. A frame is a
// 4-byte big-endian header, the kind in the high byte and the body length
// in the low 24 bits, and the body.
const (
	rfData   = 0 // body: link bytes
	rfSwitch = 1 // body: the token of the direct link that follows

	rfHeaderLen = 4
	rfMaxData   = 64 << 10 // largest data body
)

var errRelayFrame = errors.New("node: malformed relay frame")

// appendRelayHeader appends the header of a frame of kind with n body bytes.
func appendRelayHeader(b []byte, kind byte, n int) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(kind)<<24|uint32(n))
}

// parseRelayHeader checks a header: data frames of at most rfMaxData
// bytes, switch frames of exactly one token.
func parseRelayHeader(h [rfHeaderLen]byte) (kind byte, n int, err error) {
	v := binary.BigEndian.Uint32(h[:])
	kind, n = byte(v>>24), int(v&(1<<24-1))
	switch {
	case kind == rfData && n <= rfMaxData:
	case kind == rfSwitch && n == len(proto.Token{}):
	default:
		return 0, 0, errRelayFrame
	}
	return kind, n, nil
}

// switchFrame is the frame that ends a side's relay stream.
func switchFrame(tok proto.Token) []byte {
	return append(appendRelayHeader(make([]byte, 0, rfHeaderLen+len(tok)), rfSwitch, len(tok)), tok[:]...)
}

// relayReader reads a link's bytes out of relay frames until the peer's
// switch frame, then from the direct socket. It keeps its place across
// reads that fail with a timeout.
type relayReader struct {
	src    io.Reader
	direct bool // src is the direct socket: no more frames
	state  uint8
	left   int // body bytes of the current data frame
	hdr    [rfHeaderLen]byte
	tok    proto.Token
	n      int   // bytes of hdr or tok read so far
	err    error // a framing error; the link is broken
}

const (
	rsHeader uint8 = iota
	rsData
	rsSwitch
	rsWait
)

// read reads into p. After the peer's switch frame it calls wait with its
// token for the reader of the direct socket.
func (r *relayReader) read(p []byte, wait func(proto.Token) (io.Reader, error)) (int, error) {
	for {
		if r.direct {
			return r.src.Read(p)
		}
		if r.err != nil {
			return 0, r.err
		}
		switch r.state {
		case rsHeader:
			if err := fill(r.src, r.hdr[:], &r.n); err != nil {
				return 0, err
			}
			r.n = 0
			kind, size, err := parseRelayHeader(r.hdr)
			if err != nil {
				r.err = err
				return 0, err
			}
			switch {
			case kind == rfSwitch:
				r.state = rsSwitch
			case size > 0:
				r.state, r.left = rsData, size
			}
		case rsData:
			if len(p) == 0 {
				return 0, nil
			}
			k, err := r.src.Read(p[:min(len(p), r.left)])
			r.left -= k
			if r.left == 0 {
				r.state = rsHeader
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return k, err
		case rsSwitch:
			if err := fill(r.src, r.tok[:], &r.n); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, err
			}
			r.n, r.state = 0, rsWait
		case rsWait:
			src, err := wait(r.tok)
			if err != nil {
				return 0, err
			}
			r.src, r.direct = src, true
		}
	}
}

// fill reads into b[*n:] until b is full; *n counts what has been read,
// so a fill that failed with a timeout can go on later.
func fill(src io.Reader, b []byte, n *int) error {
	for *n < len(b) {
		k, err := src.Read(b[*n:])
		*n += k
		if err != nil {
			if err == io.EOF && *n > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}
