package wire

import (
	"encoding/binary"
	"fmt"
	"io"
)

// DefaultMaxLen is the default limit on a message body, in bytes. It is
// 1 MiB plus a little, which fits a bitfield of 2^23 pieces and a piece
// message carrying a 1 MiB block, far above the MaxRequestLen blocks
// that are actually requested.
const DefaultMaxLen = 1<<20 + 16

// lenPrefixLen is the length of the big-endian body length before every message.
const lenPrefixLen = 4

// Message is one decoded peer wire message. Check Keepalive first: a
// keep-alive has the zero ID, which is also Choke.
//
// Which fields are set depends on ID:
//
//	Have, Suggest, AllowedFast  Index
//	Request, Cancel, Reject     Index, Begin, Length
//	Piece                       Index, Begin, Payload (the block)
//	Bitfield                    Payload (the bitfield bytes)
//	Port                        Port
//	Extended                    ExtID, Payload (the extension message)
//	unknown IDs                 Payload (the body after the ID)
//
// A Payload returned by [Reader.Next] aliases the Reader's buffer and is
// valid only until the next call to Next.
type Message struct {
	Keepalive bool
	ID        ID
	Index     uint32
	Begin     uint32
	Length    uint32
	Port      uint16
	ExtID     uint8
	Payload   []byte
}

// String returns a short description for logs and test failures.
func (m Message) String() string {
	if m.Keepalive {
		return "keepalive"
	}
	switch m.ID {
	case Have, Suggest, AllowedFast:
		return fmt.Sprintf("%v %d", m.ID, m.Index)
	case Request, Cancel, Reject:
		return fmt.Sprintf("%v %d %d %d", m.ID, m.Index, m.Begin, m.Length)
	case Piece:
		return fmt.Sprintf("%v %d %d [%d bytes]", m.ID, m.Index, m.Begin, len(m.Payload))
	case Port:
		return fmt.Sprintf("%v %d", m.ID, m.Port)
	case Extended:
		return fmt.Sprintf("%v %d [%d bytes]", m.ID, m.ExtID, len(m.Payload))
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return m.ID.String()
	}
	return fmt.Sprintf("%v [%d bytes]", m.ID, len(m.Payload))
}

// Len returns the wire length of m, including the length prefix: the
// number of bytes AppendTo adds.
func (m Message) Len() int {
	if m.Keepalive {
		return keepaliveLen
	}
	return lenPrefixLen + m.bodyLen()
}

func (m Message) bodyLen() int {
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return emptyBodyLen
	case Have, Suggest, AllowedFast:
		return indexBodyLen
	case Request, Cancel, Reject:
		return blockRefBodyLen
	case Piece:
		return pieceHeaderBodyLen + len(m.Payload)
	case Port:
		return portBodyLen
	case Extended:
		return extendedHeaderBodyLen + len(m.Payload)
	}
	return 1 + len(m.Payload)
}

// AppendTo appends the encoded message to b. Fields that do not belong
// to the message's ID are ignored.
func (m Message) AppendTo(b []byte) []byte {
	if m.Keepalive {
		return AppendKeepalive(b)
	}
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return appendEmpty(b, m.ID)
	case Have, Suggest, AllowedFast:
		return appendIndex(b, m.ID, m.Index)
	case Request, Cancel, Reject:
		return appendBlockRef(b, m.ID, m.Index, m.Begin, m.Length)
	case Piece:
		return AppendPiece(b, m.Index, m.Begin, m.Payload)
	case Port:
		return AppendPort(b, m.Port)
	case Extended:
		return AppendExtended(b, m.ExtID, m.Payload)
	}
	b = appendHeader(b, 1+len(m.Payload), m.ID)
	return append(b, m.Payload...)
}

// appendHeader appends the length prefix of a body of bodyLen bytes and
// the message id.
func appendHeader(b []byte, bodyLen int, id ID) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(bodyLen))
	return append(b, byte(id))
}

// ParseMessage decodes the first message in b and returns it with the
// number of bytes it took. maxLen limits the body length; zero or less
// means DefaultMaxLen. If b holds only part of a message, the error
// wraps io.ErrUnexpectedEOF. The Payload aliases b.
func ParseMessage(b []byte, maxLen int) (Message, int, error) {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	if len(b) < lenPrefixLen {
		return Message{}, 0, fmt.Errorf("wire: %w", io.ErrUnexpectedEOF)
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(maxLen) {
		return Message{}, 0, tooLong(n, maxLen)
	}
	end := lenPrefixLen + int(n)
	if len(b) < end {
		return Message{}, 0, fmt.Errorf("wire: %w", io.ErrUnexpectedEOF)
	}
	m, err := parseBody(b[lenPrefixLen:end])
	if err != nil {
		return Message{}, 0, err
	}
	return m, end, nil
}

func tooLong(n uint32, maxLen int) error {
	return fmt.Errorf("%w: body of %d bytes, limit %d", ErrTooLong, n, maxLen)
}

// parseBody decodes a message body, the bytes after the length prefix.
func parseBody(body []byte) (Message, error) {
	if len(body) == 0 {
		return Message{Keepalive: true}, nil
	}
	m := Message{ID: ID(body[0])}
	ok := true
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		ok = len(body) == emptyBodyLen
	case Have, Suggest, AllowedFast:
		ok = parseIndex(&m, body)
	case Request, Cancel, Reject:
		ok = parseBlockRef(&m, body)
	case Piece:
		ok = parsePiece(&m, body)
	case Bitfield:
		m.Payload = body[1:]
	case Port:
		ok = parsePort(&m, body)
	case Extended:
		ok = parseExtended(&m, body)
	default:
		m.Payload = body[1:]
	}
	if !ok {
		return Message{}, fmt.Errorf("%w: %v with body of %d bytes", ErrBadLength, m.ID, len(body))
	}
	return m, nil
}
