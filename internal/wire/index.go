package wire

import "encoding/binary"

// indexBodyLen is the body length of the messages that carry one piece
// index: have, suggest and allowed fast.
const indexBodyLen = 1 + 4

func appendIndex(b []byte, id ID, index uint32) []byte {
	b = appendHeader(b, indexBodyLen, id)
	return binary.BigEndian.AppendUint32(b, index)
}

func parseIndex(m *Message, body []byte) bool {
	if len(body) != indexBodyLen {
		return false
	}
	m.Index = binary.BigEndian.Uint32(body[1:])
	return true
}
