package bitfield

import (
	"errors"
	"math/bits"
)

// ErrSpareBits reports a wire bitfield with bits set past its length.
var ErrSpareBits = errors.New("bitfield: spare bits set")

// ErrLength reports a wire bitfield of the wrong byte length.
var ErrLength = errors.New("bitfield: wrong length")

// Bitfield is a set of n bits. The zero value is an empty set of length 0.
type Bitfield struct {
	b     []byte
	n     int
	count int
}

// New returns an all-clear bitfield of n bits.
func New(n int) *Bitfield {
	return &Bitfield{b: make([]byte, (n+7)/8), n: n}
}

// FromBytes parses the wire form for n bits. It copies b.
func FromBytes(b []byte, n int) (*Bitfield, error) {
	if len(b) != (n+7)/8 {
		return nil, ErrLength
	}
	f := &Bitfield{b: append([]byte(nil), b...), n: n}
	if n%8 != 0 && f.b[len(f.b)-1]&(0xff>>(n%8)) != 0 {
		return nil, ErrSpareBits
	}
	for _, x := range f.b {
		f.count += bits.OnesCount8(x)
	}
	return f, nil
}

// Len is the number of bits.
func (f *Bitfield) Len() int { return f.n }

// Count is the number of set bits.
func (f *Bitfield) Count() int { return f.count }

// Full reports whether every bit is set.
func (f *Bitfield) Full() bool { return f.count == f.n }

// Has reports whether bit i is set; out-of-range bits are clear.
func (f *Bitfield) Has(i int) bool {
	if i < 0 || i >= f.n {
		return false
	}
	return f.b[i>>3]&(0x80>>(i&7)) != 0
}

// Set sets bit i and reports whether it changed. Out-of-range i is ignored.
func (f *Bitfield) Set(i int) bool {
	if i < 0 || i >= f.n || f.Has(i) {
		return false
	}
	f.b[i>>3] |= 0x80 >> (i & 7)
	f.count++
	return true
}

// Clear clears bit i and reports whether it changed.
func (f *Bitfield) Clear(i int) bool {
	if !f.Has(i) {
		return false
	}
	f.b[i>>3] &^= 0x80 >> (i & 7)
	f.count--
	return true
}

// SetAll sets every bit.
func (f *Bitfield) SetAll() {
	for i := range f.b {
		f.b[i] = 0xff
	}
	if f.n%8 != 0 {
		f.b[len(f.b)-1] = 0xff << (8 - f.n%8)
	}
	f.count = f.n
}

// Bytes returns the wire form. The caller must not modify it.
func (f *Bitfield) Bytes() []byte { return f.b }

// Clone returns an independent copy.
func (f *Bitfield) Clone() *Bitfield {
	return &Bitfield{b: append([]byte(nil), f.b...), n: f.n, count: f.count}
}
