package wire

// AppendHave appends a have message for piece index to b.
func AppendHave(b []byte, index uint32) []byte { return appendIndex(b, Have, index) }
