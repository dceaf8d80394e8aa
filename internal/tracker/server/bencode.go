package server

import "shoal/internal/bencode"

// appendFailure writes a complete failure response (BEP 3).
func appendFailure(dst []byte, reason string) []byte {
	dst = append(dst, "d14:failure reason"...)
	dst = bencode.AppendString(dst, reason)
	return append(dst, 'e')
}
