package wire

// AppendInterested appends an interested message to b.
func AppendInterested(b []byte) []byte { return appendEmpty(b, Interested) }

// AppendNotInterested appends a not interested message to b.
func AppendNotInterested(b []byte) []byte { return appendEmpty(b, NotInterested) }
