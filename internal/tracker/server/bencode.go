package server

import "strconv"

// Just enough bencode (BEP 3) to write tracker responses. Callers write
// dictionary keys in sorted order.

// appendBLen writes the length prefix of a string of n bytes.
func appendBLen(dst []byte, n int) []byte {
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, ':')
}

func appendBString(dst []byte, s string) []byte {
	return append(appendBLen(dst, len(s)), s...)
}

func appendBBytes(dst []byte, b []byte) []byte {
	return append(appendBLen(dst, len(b)), b...)
}

func appendBInt(dst []byte, n int64) []byte {
	dst = append(dst, 'i')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, 'e')
}

func appendBUint(dst []byte, n uint64) []byte {
	dst = append(dst, 'i')
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, 'e')
}

// appendFailure writes a complete failure response.
func appendFailure(dst []byte, reason string) []byte {
	dst = append(dst, "d14:failure reason"...)
	dst = appendBString(dst, reason)
	return append(dst, 'e')
}
