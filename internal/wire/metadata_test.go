package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestMetadataRoundTrip(t *testing.T) {
	cases := []Metadata{
		{Type: MetadataRequest, Piece: 3},
		{Type: MetadataReject, Piece: 0},
		{Type: MetadataData, Piece: 1, TotalSize: 20000, Data: bytes.Repeat([]byte{7}, 20000-MetadataPieceLen)},
	}
	for _, c := range cases {
		b := AppendMetadata(nil, c)
		got, err := ParseMetadata(b)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if got.Type != c.Type || got.Piece != c.Piece || got.TotalSize != c.TotalSize || !bytes.Equal(got.Data, c.Data) {
			t.Fatalf("round trip %+v -> %+v", c, got)
		}
		for i := range len(b) - len(c.Data) {
			if _, err := ParseMetadata(b[:i]); err == nil {
				t.Fatalf("%+v: prefix of %d bytes parsed", c, i)
			}
		}
	}
	if got := string(AppendMetadata(nil, Metadata{Type: MetadataRequest, Piece: 0})); got != "d8:msg_typei0e5:piecei0ee" {
		t.Fatalf("request encoding %q", got)
	}
}

func TestMetadataLimits(t *testing.T) {
	bad := []string{
		"d8:msg_typei0e5:piecei-1ee",
		"d8:msg_typei0e5:piecei99999999ee",
		"d8:msg_typei0e5:piecei0eeXX",
		"d8:msg_typei1e5:piecei0e10:total_sizei0ee",
		"d8:msg_typei1e5:piecei0e10:total_sizei999999999ee",
		"d8:msg_typei1e5:piecei0e10:total_sizei5eeXXXXX" + string(make([]byte, MetadataPieceLen)),
		"li1ee",
	}
	for _, b := range bad {
		if _, err := ParseMetadata([]byte(b)); !errors.Is(err, ErrProtocol) {
			t.Errorf("%.60q: err %v", b, err)
		}
	}
	if MetadataPieceSize(20000, 1) != 20000-MetadataPieceLen || MetadataPieceSize(20000, 2) != 0 || MetadataPieceSize(16384, 0) != 16384 {
		t.Fatal("MetadataPieceSize")
	}
}

func FuzzMetadata(f *testing.F) {
	f.Add([]byte("d8:msg_typei0e5:piecei0ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei0e10:total_sizei3eeabc"))
	f.Add([]byte("d8:msg_typei2e5:piecei1ee"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMetadata(b)
		if err != nil {
			return
		}
		again, err := ParseMetadata(AppendMetadata(nil, m))
		if err != nil && (m.Type == MetadataRequest || m.Type == MetadataData || m.Type == MetadataReject) {
			t.Fatalf("re-encoded %+v does not parse: %v", m, err)
		}
		if err == nil && (again.Type != m.Type || again.Piece != m.Piece || !bytes.Equal(again.Data, m.Data)) {
			t.Fatalf("round trip %+v -> %+v", m, again)
		}
	})
}
