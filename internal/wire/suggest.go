package wire

// AppendSuggest appends a suggest piece message (BEP 6) to b.
func AppendSuggest(b []byte, index uint32) []byte { return appendIndex(b, Suggest, index) }
