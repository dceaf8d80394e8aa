package wire

// AppendBitfield appends a bitfield message carrying bits to b, the
// high bit of the first byte standing for piece 0.
func AppendBitfield(b []byte, bits []byte) []byte {
	b = appendHeader(b, 1+len(bits), Bitfield)
	return append(b, bits...)
}
