package wire

// AppendHaveAll appends a have all message (BEP 6) to b. Send it only to
// a peer that announced the fast extension, in place of a bitfield.
func AppendHaveAll(b []byte) []byte { return appendEmpty(b, HaveAll) }

// AppendHaveNone appends a have none message (BEP 6) to b. Send it only
// to a peer that announced the fast extension, in place of a bitfield.
func AppendHaveNone(b []byte) []byte { return appendEmpty(b, HaveNone) }
