package bencode

// RawMessage is an encoded value kept as bytes. As the type of a field or
// element it receives a copy of the exact input bytes of that value when
// decoding, whatever their key order, and is written verbatim (after a
// validity check) when encoding. An empty RawMessage counts as absent.
type RawMessage []byte

// Marshaler is implemented by types that encode themselves. The result must
// be exactly one valid value.
type Marshaler interface {
	MarshalBencode() ([]byte, error)
}

// Unmarshaler is implemented by types that decode themselves. The argument
// is the exact encoding of one valid value; it aliases the input, so it must
// be copied if kept.
type Unmarshaler interface {
	UnmarshalBencode([]byte) error
}
