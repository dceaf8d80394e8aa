package wire

// extendedHeaderBodyLen is the body length of an extended message
// without its payload: the message id and the extension id.
const extendedHeaderBodyLen = 1 + 1

// ExtHandshakeID is the extension id of the extension handshake (BEP 10).
const ExtHandshakeID = 0

// AppendExtended appends an extended message (BEP 10) to b. extID is
// ExtHandshakeID for the handshake, or the id the receiving peer
// assigned to the extension in its handshake.
func AppendExtended(b []byte, extID uint8, payload []byte) []byte {
	b = appendHeader(b, extendedHeaderBodyLen+len(payload), Extended)
	b = append(b, extID)
	return append(b, payload...)
}

func parseExtended(m *Message, body []byte) bool {
	if len(body) < extendedHeaderBodyLen {
		return false
	}
	m.ExtID = body[1]
	m.Payload = body[extendedHeaderBodyLen:]
	return true
}
