package wire

// keepaliveLen is the wire length of a keep-alive: a zero length prefix.
const keepaliveLen = lenPrefixLen

// AppendKeepalive appends a keep-alive message to b.
func AppendKeepalive(b []byte) []byte {
	return append(b, 0, 0, 0, 0)
}
