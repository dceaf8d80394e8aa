package wire

// emptyBodyLen is the body length of the messages that are only an ID:
// choke, unchoke, interested, not interested, have all and have none.
const emptyBodyLen = 1

func appendEmpty(b []byte, id ID) []byte {
	return appendHeader(b, emptyBodyLen, id)
}
