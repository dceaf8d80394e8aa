package wire

import "encoding/binary"

// blockRefBodyLen is the body length of the messages that name a block
// by index, begin and length: request, cancel and reject.
const blockRefBodyLen = 1 + 4 + 4 + 4

func appendBlockRef(b []byte, id ID, index, begin, length uint32) []byte {
	b = appendHeader(b, blockRefBodyLen, id)
	b = binary.BigEndian.AppendUint32(b, index)
	b = binary.BigEndian.AppendUint32(b, begin)
	return binary.BigEndian.AppendUint32(b, length)
}

func parseBlockRef(m *Message, body []byte) bool {
	if len(body) != blockRefBodyLen {
		return false
	}
	m.Index = binary.BigEndian.Uint32(body[1:])
	m.Begin = binary.BigEndian.Uint32(body[5:])
	m.Length = binary.BigEndian.Uint32(body[9:])
	return true
}
