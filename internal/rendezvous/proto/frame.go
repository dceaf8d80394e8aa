package proto

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxFrameSize is the largest frame body (type byte included).
const MaxFrameSize = 64 << 10

// MaxText is the longest text of an Error frame.
const MaxText = 1024

// HeaderLen is the length prefix of every frame.
const HeaderLen = 4

// Type is a frame type.
type Type uint8

// The frame types.
const (
	TypeChallenge      Type = 1  // router -> peer or router: prove your key
	TypeRegister       Type = 2  // answer to a challenge
	TypeRegistered     Type = 3  // router -> peer: you are in
	TypeError          Type = 4  // either way, then close
	TypePing           Type = 5  // keep-alive and round-trip probe
	TypePong           Type = 6  // answer to Ping
	TypeConnectRequest Type = 7  // peer -> router: connect me to an ID
	TypeIncoming       Type = 8  // router -> target: someone wants you
	TypeAnswer         Type = 9  // target -> router: accept or decline
	TypeIntroduce      Type = 10 // router -> both peers: addresses and plan
	TypeConnectFail    Type = 11 // router -> requester: no introduction
	TypeDone           Type = 12 // peer -> router: the pair is linked directly
	TypeLookup         Type = 13 // router -> router: is this ID yours?
	TypeLookupReply    Type = 14 // answer to Lookup
	TypeForward        Type = 15 // router -> router: a connect for your peer
	TypeForwardReply   Type = 16 // answer to Forward
	TypeRelayBind      Type = 17 // first frame of a relay leg
	TypeLinkHello      Type = 18 // peer <-> peer: signed pair token
	TypeLinkSelect     Type = 19 // leader -> follower: this socket is the link
)

// Frame is one protocol message.
type Frame interface {
	Type() Type
	// appendBody appends the body (without length and type).
	appendBody(b []byte) []byte
}

// Errors of the codec.
var (
	ErrTooLarge  = errors.New("proto: frame too large")
	ErrMalformed = errors.New("proto: malformed frame")
	ErrUnknown   = errors.New("proto: unknown frame type")
)

// AppendFrame appends f with its length prefix.
func AppendFrame(b []byte, f Frame) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, byte(f.Type()))
	b = f.appendBody(b)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-HeaderLen))
	return b
}

// Decode parses one frame from its type byte and body (the bytes after the
// length prefix).
func Decode(b []byte) (Frame, error) {
	if len(b) == 0 {
		return nil, ErrMalformed
	}
	if len(b) > MaxFrameSize {
		return nil, ErrTooLarge
	}
	t := Type(b[0])
	p := &parser{b: b[1:]}
	var f Frame
	switch t {
	case TypeChallenge:
		f = parseChallenge(p)
	case TypeRegister:
		f = parseRegister(p)
	case TypeRegistered:
		f = parseRegistered(p)
	case TypeError:
		f = parseError(p)
	case TypePing:
		f = &Ping{Seq: p.u64()}
	case TypePong:
		f = &Pong{Seq: p.u64()}
	case TypeConnectRequest:
		f = parseConnectRequest(p)
	case TypeIncoming:
		f = parseIncoming(p)
	case TypeAnswer:
		f = parseAnswer(p)
	case TypeIntroduce:
		f = parseIntroduce(p)
	case TypeConnectFail:
		f = parseConnectFail(p)
	case TypeDone:
		f = parseDone(p)
	case TypeLookup:
		f = parseLookup(p)
	case TypeLookupReply:
		f = parseLookupReply(p)
	case TypeForward:
		f = parseForward(p)
	case TypeForwardReply:
		f = parseForwardReply(p)
	case TypeRelayBind:
		f = parseRelayBind(p)
	case TypeLinkHello:
		f = parseLinkHello(p)
	case TypeLinkSelect:
		f = parseLinkSelect(p)
	default:
		return nil, fmt.Errorf("%w %d", ErrUnknown, t)
	}
	if !p.end() {
		return nil, fmt.Errorf("%w: type %d", ErrMalformed, t)
	}
	return f, nil
}

// ReadFrame reads one frame from r; buf is reused for the body when it is
// large enough. A length of zero or above MaxFrameSize is an error. From a
// *bufio.Reader a frame that fits its buffer is decoded in place, without
// copying or allocating a buffer.
func ReadFrame(r io.Reader, buf []byte) (Frame, error) {
	if br, ok := r.(*bufio.Reader); ok {
		return readBuffered(br, buf)
	}
	var h [HeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	return readBody(r, binary.BigEndian.Uint32(h[:]), buf)
}

// readBuffered reads a frame from br, in place when br can hold it.
func readBuffered(br *bufio.Reader, buf []byte) (Frame, error) {
	h, err := br.Peek(HeaderLen)
	if err != nil {
		if errors.Is(err, io.EOF) && len(h) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(h)
	if n == 0 || n > MaxFrameSize || HeaderLen+int(n) > br.Size() {
		br.Discard(HeaderLen)
		return readBody(br, n, buf)
	}
	b, err := br.Peek(HeaderLen + int(n))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	f, err := Decode(b[HeaderLen:])
	br.Discard(len(b))
	return f, err
}

// readBody reads and decodes a body of n bytes.
func readBody(r io.Reader, n uint32, buf []byte) (Frame, error) {
	if n == 0 {
		return nil, ErrMalformed
	}
	if n > MaxFrameSize {
		return nil, ErrTooLarge
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return Decode(buf)
}

// writeBufs holds encode buffers of WriteFrame.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// WriteFrame writes f to w in one Write call.
func WriteFrame(w io.Writer, f Frame) error {
	bp := writeBufs.Get().(*[]byte)
	b := AppendFrame((*bp)[:0], f)
	_, err := w.Write(b)
	if cap(b) <= 4<<10 {
		*bp = b[:0]
		writeBufs.Put(bp)
	}
	return err
}
