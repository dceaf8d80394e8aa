package picker

import "math/bits"

// bitset is a plain set of small integers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

func (b bitset) set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b bitset) clear(i int) { b[i>>6] &^= 1 << (uint(i) & 63) }

// each calls f for every member in increasing order until f returns false.
func (b bitset) each(f func(i int) bool) {
	for w, x := range b {
		for x != 0 {
			i := w<<6 | bits.TrailingZeros64(x)
			if !f(i) {
				return
			}
			x &= x - 1
		}
	}
}
