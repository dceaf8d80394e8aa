package wire

// AppendCancel appends a cancel of an earlier request to b.
func AppendCancel(b []byte, index, begin, length uint32) []byte {
	return appendBlockRef(b, Cancel, index, begin, length)
}
