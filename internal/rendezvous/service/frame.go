package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxPayload is the largest frame payload.
const MaxPayload = 64 << 10

// Kind is a frame type.
type Kind uint8

// The frame types.
const (
	KindMessage Kind = 1 // text; answered by Reply
	KindReply   Kind = 2 // text
	KindFile    Kind = 3 // size (8 bytes) and name; followed by size raw bytes
	KindReceipt Kind = 4 // size (8 bytes) and SHA-256 of what was stored
	KindFail    Kind = 5 // text: why a request failed
)

const headerLen = 13

// Frame is one service frame.
type Frame struct {
	Kind    Kind
	Seq     uint64
	Payload []byte
}

// Errors of the codec.
var (
	ErrMalformed = errors.New("service: malformed frame")
	ErrTooLarge  = errors.New("service: frame too large")
)

// AppendFrame appends f.
func AppendFrame(b []byte, f Frame) []byte {
	b = append(b, byte(f.Kind))
	b = binary.BigEndian.AppendUint64(b, f.Seq)
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Payload)))
	return append(b, f.Payload...)
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (Frame, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{Kind: Kind(h[0]), Seq: binary.BigEndian.Uint64(h[1:9])}
	if f.Kind < KindMessage || f.Kind > KindFail {
		return Frame{}, fmt.Errorf("%w: kind %d", ErrMalformed, h[0])
	}
	n := binary.BigEndian.Uint32(h[9:])
	if n > MaxPayload {
		return Frame{}, ErrTooLarge
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return f, nil
}

// fileHeader is the payload of a File frame.
func fileHeader(size int64, name string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(size)), name...)
}

// parseFileHeader splits a File payload; names are 1 to 255 bytes.
func parseFileHeader(p []byte) (int64, string, error) {
	if len(p) < 9 || len(p) > 8+255 {
		return 0, "", ErrMalformed
	}
	size := binary.BigEndian.Uint64(p)
	if size > 1<<62 {
		return 0, "", ErrMalformed
	}
	return int64(size), string(p[8:]), nil
}

// Receipt is what the receiver stored.
type Receipt struct {
	Size   int64
	SHA256 [32]byte
}

func (r Receipt) payload() []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(r.Size)), r.SHA256[:]...)
}

func parseReceipt(p []byte) (Receipt, error) {
	if len(p) != 40 {
		return Receipt{}, ErrMalformed
	}
	var r Receipt
	r.Size = int64(binary.BigEndian.Uint64(p))
	copy(r.SHA256[:], p[8:])
	return r, nil
}
