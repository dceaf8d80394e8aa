package wire

// AppendAllowedFast appends an allowed fast message (BEP 6) to b: the
// receiver may request piece index even while choked.
func AppendAllowedFast(b []byte, index uint32) []byte { return appendIndex(b, AllowedFast, index) }
