package wire

// AppendReject appends a reject request message (BEP 6) to b: the
// request with these fields will not be served.
func AppendReject(b []byte, index, begin, length uint32) []byte {
	return appendBlockRef(b, Reject, index, begin, length)
}
