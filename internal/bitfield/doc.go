// Package bitfield is a fixed-length bit set in the wire form of the BEP 3
// bitfield message: bit 0 is the high bit of byte 0, and spare bits in the
// last byte are zero.
package bitfield
