package wire

// AppendChoke appends a choke message to b.
func AppendChoke(b []byte) []byte { return appendEmpty(b, Choke) }

// AppendUnchoke appends an unchoke message to b.
func AppendUnchoke(b []byte) []byte { return appendEmpty(b, Unchoke) }
