package bencode

import (
	"bytes"
	"math"
	"slices"
)

// MaxDepth is the deepest nesting of lists and dictionaries accepted by the
// decoder and produced by the encoder.
const MaxDepth = 64

// decodeState is a cursor over one input. All token readers check bounds and
// never allocate; the reflect and generic decoders are built on top.
type decodeState struct {
	data  []byte
	pos   int
	depth int
	// keys holds the offsets of the keys of every open dictionary, so that
	// duplicates can be found in dictionaries whose keys are out of order.
	keys []int
	// unsorted records that some dictionary had keys out of order.
	unsorted bool
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// peek returns the next byte without consuming it.
func (d *decodeState) peek() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, errorAt(d.pos, "unexpected end of input")
	}
	return d.data[d.pos], nil
}

// readIntToken reads "i<digits>e" at d.pos and returns its sign and
// magnitude. Magnitudes beyond uint64 are an overflow.
func (d *decodeState) readIntToken() (neg bool, mag uint64, err error) {
	data := d.data
	start := d.pos
	p := start + 1 // past 'i'
	if p < len(data) && data[p] == '-' {
		neg = true
		p++
	}
	digits := p
	for p < len(data) && isDigit(data[p]) {
		c := uint64(data[p] - '0')
		if mag > (math.MaxUint64-c)/10 {
			return false, 0, errorAt(start, "integer overflow")
		}
		mag = mag*10 + c
		p++
	}
	switch {
	case p >= len(data):
		return false, 0, errorAt(p, "unexpected end of input in integer")
	case data[p] != 'e':
		return false, 0, errorAt(p, "invalid byte %q in integer", data[p])
	case p == digits:
		return false, 0, errorAt(start, "integer without digits")
	case data[digits] == '0' && p-digits > 1:
		return false, 0, errorAt(start, "integer with leading zero")
	case neg && mag == 0:
		return false, 0, errorAt(start, "negative zero")
	}
	d.pos = p + 1
	return neg, mag, nil
}

// readInt64 reads an integer that must fit an int64.
func (d *decodeState) readInt64() (int64, error) {
	start := d.pos
	neg, mag, err := d.readIntToken()
	if err != nil {
		return 0, err
	}
	if neg {
		if mag > 1<<63 {
			return 0, errorAt(start, "integer overflow")
		}
		return -int64(mag), nil // wraps correctly for math.MinInt64
	}
	if mag > math.MaxInt64 {
		return 0, errorAt(start, "integer overflow")
	}
	return int64(mag), nil
}

// readString reads "<len>:<bytes>" at d.pos and returns the bytes as a
// sub-slice of the input (capacity clipped), without copying.
func (d *decodeState) readString() ([]byte, error) {
	data := d.data
	start := d.pos
	p := start
	n := 0
	for p < len(data) && isDigit(data[p]) {
		n = n*10 + int(data[p]-'0')
		if n > len(data) {
			return nil, errorAt(start, "string length exceeds input")
		}
		p++
	}
	switch {
	case p == start:
		return nil, errorAt(start, "expected string length")
	case p >= len(data):
		return nil, errorAt(p, "unexpected end of input in string length")
	case data[p] != ':':
		return nil, errorAt(p, "invalid byte %q in string length", data[p])
	case data[start] == '0' && p-start > 1:
		return nil, errorAt(start, "string length with leading zero")
	}
	p++
	if n > len(data)-p {
		return nil, errorAt(start, "string length %d exceeds remaining input %d", n, len(data)-p)
	}
	d.pos = p + n
	return data[p : p+n : p+n], nil
}

// open consumes the 'l' or 'd' at d.pos and enters one nesting level.
func (d *decodeState) open() error {
	if d.depth >= MaxDepth {
		return errorAt(d.pos, "nesting deeper than %d", MaxDepth)
	}
	d.depth++
	d.pos++
	return nil
}

// more reports whether the open list has another element; at its end it
// consumes the 'e' and leaves the nesting level.
func (d *decodeState) more() (bool, error) {
	c, err := d.peek()
	if err != nil {
		return false, err
	}
	if c == 'e' {
		d.pos++
		d.depth--
		return false, nil
	}
	return true, nil
}

// dictState tracks the keys of one open dictionary.
type dictState struct {
	base   int    // start of this dictionary's entries in decodeState.keys
	prev   []byte // previous key
	sorted bool   // all keys so far in strictly increasing order
}

// openDict consumes the 'd' at d.pos.
func (d *decodeState) openDict() (dictState, error) {
	if err := d.open(); err != nil {
		return dictState{}, err
	}
	return dictState{base: len(d.keys), sorted: true}, nil
}

// nextKey returns the next key of the open dictionary, or ok == false at its
// end, after checking that no key repeats.
func (d *decodeState) nextKey(ds *dictState) (key []byte, ok bool, err error) {
	c, err := d.peek()
	if err != nil {
		return nil, false, err
	}
	if c == 'e' {
		if err := d.closeDict(ds); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	if !isDigit(c) {
		return nil, false, errorAt(d.pos, "dictionary key must be a string, found %q", c)
	}
	off := d.pos
	key, err = d.readString()
	if err != nil {
		return nil, false, err
	}
	if len(d.keys) > ds.base {
		switch bytes.Compare(ds.prev, key) {
		case 0:
			return nil, false, errorAt(off, "duplicate dictionary key %q", key)
		case 1:
			ds.sorted = false
			d.unsorted = true
		}
	}
	ds.prev = key
	d.keys = append(d.keys, off)
	return key, true, nil
}

// closeDict consumes the 'e' of the open dictionary. Keys that arrived out
// of order are sorted here to look for duplicates.
func (d *decodeState) closeDict(ds *dictState) error {
	end := d.pos
	offs := d.keys[ds.base:]
	d.keys = d.keys[:ds.base]
	d.pos++
	d.depth--
	if ds.sorted {
		return nil
	}
	type keyAt struct {
		off int
		key []byte
	}
	ks := make([]keyAt, len(offs))
	for i, off := range offs {
		sub := decodeState{data: d.data[:end], pos: off}
		k, err := sub.readString()
		if err != nil {
			return err // cannot happen: the key was read before
		}
		ks[i] = keyAt{off, k}
	}
	slices.SortFunc(ks, func(a, b keyAt) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.off - b.off
	})
	for i := 1; i < len(ks); i++ {
		if bytes.Equal(ks[i-1].key, ks[i].key) {
			return errorAt(ks[i].off, "duplicate dictionary key %q", ks[i].key)
		}
	}
	return nil
}

// skip reads and validates one value without building it.
func (d *decodeState) skip() error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	switch {
	case c == 'i':
		_, err := d.readInt64()
		return err
	case isDigit(c):
		_, err := d.readString()
		return err
	case c == 'l':
		if err := d.open(); err != nil {
			return err
		}
		for {
			ok, err := d.more()
			if err != nil || !ok {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == 'd':
		ds, err := d.openDict()
		if err != nil {
			return err
		}
		for {
			_, ok, err := d.nextKey(&ds)
			if err != nil || !ok {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	default:
		return errorAt(d.pos, "invalid byte %q at start of value", c)
	}
}

// end checks that the whole input was consumed.
func (d *decodeState) end() error {
	if d.pos != len(d.data) {
		return errorAt(d.pos, "%d trailing bytes after value", len(d.data)-d.pos)
	}
	return nil
}

// Valid reports whether data is exactly one well-formed value under the
// strict rules of this package. The error says where and why it is not.
func Valid(data []byte) error {
	d := decodeState{data: data}
	if err := d.skip(); err != nil {
		return err
	}
	return d.end()
}
