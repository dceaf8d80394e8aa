package wire

// AppendRequest appends a request for length bytes at offset begin of
// piece index to b.
func AppendRequest(b []byte, index, begin, length uint32) []byte {
	return appendBlockRef(b, Request, index, begin, length)
}
