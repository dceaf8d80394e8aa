package wire

import "encoding/binary"

// portBodyLen is the body length of a port message.
const portBodyLen = 1 + 2

// AppendPort appends a port message (BEP 5) announcing the sender's DHT
// port to b.
func AppendPort(b []byte, port uint16) []byte {
	b = appendHeader(b, portBodyLen, Port)
	return binary.BigEndian.AppendUint16(b, port)
}

func parsePort(m *Message, body []byte) bool {
	if len(body) != portBodyLen {
		return false
	}
	m.Port = binary.BigEndian.Uint16(body[1:])
	return true
}
