package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	return c.r.Read(p[:min(len(p), c.n)])
}

// FuzzReader feeds arbitrary streams through a Reader and checks that it
// never panics, respects the limit, agrees with ParseMessage, and that
// every message it returns encodes back to the bytes it came from.
func FuzzReader(f *testing.F) {
	data, _ := stream(f)
	f.Add(data, uint16(0), uint8(0))
	f.Add(data, uint16(13), uint8(1))
	for _, c := range messageCases {
		f.Add(unhex(f, c.wire), uint16(0), uint8(3))
	}
	f.Add([]byte{0, 0, 0, 1}, uint16(0), uint8(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1}, uint16(0), uint8(0))
	f.Add(reframe([]byte{byte(Request), 1, 2}), uint16(0), uint8(0))

	f.Fuzz(func(t *testing.T, data []byte, maxLen uint16, chunk uint8) {
		var src io.Reader = bytes.NewReader(data)
		if chunk > 0 {
			src = chunkReader{src, int(chunk)}
		}
		limit := int(maxLen)
		if limit == 0 {
			limit = DefaultMaxLen
		}
		r := NewReader(src, int(maxLen))
		off := 0
		for {
			m, err := r.Next()
			pm, n, perr := ParseMessage(data[off:], int(maxLen))
			if err != nil {
				switch {
				case err == io.EOF:
					if off != len(data) {
						t.Fatalf("io.EOF at offset %d of %d", off, len(data))
					}
				case errors.Is(err, io.ErrUnexpectedEOF):
					if !errors.Is(perr, io.ErrUnexpectedEOF) {
						t.Fatalf("Reader: %v; ParseMessage: %v", err, perr)
					}
				case errors.Is(err, ErrProtocol):
					if !errors.Is(perr, ErrProtocol) {
						t.Fatalf("Reader: %v; ParseMessage: %v", err, perr)
					}
				default:
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if perr != nil {
				t.Fatalf("Reader returned %v; ParseMessage: %v", m, perr)
			}
			if !equalMessage(m, pm) {
				t.Fatalf("Reader returned %v; ParseMessage %v", m, pm)
			}
			if m.Len() != n || n > lenPrefixLen+limit {
				t.Fatalf("%v: Len %d, consumed %d, limit %d", m, m.Len(), n, limit)
			}
			if enc := m.AppendTo(nil); !bytes.Equal(enc, data[off:off+n]) {
				t.Fatalf("%v encodes to %x, read from %x", m, enc, data[off:off+n])
			}
			off += n
		}
	})
}
