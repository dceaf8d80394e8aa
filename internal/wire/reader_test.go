package wire

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

// stream returns all whole test messages, one after another.
func stream(t testing.TB) ([]byte, []Message) {
	var (
		b    []byte
		msgs []Message
	)
	for _, c := range wholeCases() {
		b = append(b, unhex(t, c.wire)...)
		msgs = append(msgs, c.msg)
	}
	return b, msgs
}

func TestReaderStream(t *testing.T) {
	data, want := stream(t)
	readers := []struct {
		name string
		r    func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(data) }},
		{"one byte", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }},
		{"half", func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
	}
	for _, tt := range readers {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.r(), 0)
			for i, w := range want {
				m, err := r.Next()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !equalMessage(m, w) {
					t.Fatalf("message %d = %v, want %v", i, m, w)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the last message: err = %v, want io.EOF", err)
			}
			if r.Buffered() != 0 {
				t.Errorf("Buffered = %d after EOF", r.Buffered())
			}
		})
	}
}

func TestReaderMaxLen(t *testing.T) {
	var data []byte
	data = AppendRequest(data, 1, 2, 3)           // body of 13 bytes
	data = AppendBitfield(data, make([]byte, 13)) // body of 14 bytes
	data = AppendHave(data, 1)
	r := NewReader(bytes.NewReader(data), blockRefBodyLen)
	if _, err := r.Next(); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	for range 2 { // the error sticks
		_, err := r.Next()
		if !errors.Is(err, ErrTooLong) || !errors.Is(err, ErrProtocol) {
			t.Fatalf("over the limit: err = %v, want ErrTooLong", err)
		}
	}
}

func TestReaderBadLengthSticks(t *testing.T) {
	data := reframe([]byte{byte(Have), 0, 0, 1})
	data = AppendHave(data, 1)
	r := NewReader(bytes.NewReader(data), 0)
	for range 2 {
		if _, err := r.Next(); !errors.Is(err, ErrBadLength) {
			t.Fatalf("err = %v, want ErrBadLength", err)
		}
	}
}

// TestReaderLarge checks messages longer than the initial buffer, and
// small ones on either side of them.
func TestReaderLarge(t *testing.T) {
	big := bytes.Repeat([]byte{0xa5}, 3*minBufSize+7)
	var data []byte
	data = AppendHave(data, 1)
	data = AppendBitfield(data, big)
	data = AppendPiece(data, 4, 0, big[:minBufSize-3])
	data = AppendHave(data, 2)
	for _, name := range []string{"whole", "half"} {
		t.Run(name, func(t *testing.T) {
			var src io.Reader = bytes.NewReader(data)
			if name == "half" {
				src = iotest.HalfReader(src)
			}
			r := NewReader(src, len(big)+1)
			want := []Message{
				{ID: Have, Index: 1},
				{ID: Bitfield, Payload: big},
				{ID: Piece, Index: 4, Payload: big[:minBufSize-3]},
				{ID: Have, Index: 2},
			}
			for i, w := range want {
				m, err := r.Next()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !equalMessage(m, w) {
					t.Fatalf("message %d = %v, want %v", i, m, w)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("err = %v, want io.EOF", err)
			}
		})
	}
}

// scriptedReader returns its steps in order, then io.EOF.
type scriptedReader struct {
	steps []step
}

type step struct {
	data []byte
	n    int // overrides the count returned if nonzero
	err  error
}

func (s *scriptedReader) Read(p []byte) (int, error) {
	if len(s.steps) == 0 {
		return 0, io.EOF
	}
	st := s.steps[0]
	n := copy(p, st.data)
	if n < len(st.data) {
		s.steps[0].data = st.data[n:]
		return n, nil
	}
	s.steps = s.steps[1:]
	if st.n != 0 {
		n = st.n
	}
	return n, st.err
}

// TestReaderResumes checks that a read error such as an expired
// deadline is returned once and loses no data.
func TestReaderResumes(t *testing.T) {
	msg := AppendRequest(nil, 7, 8, 9)
	src := &scriptedReader{steps: []step{
		{data: msg[:2], err: os.ErrDeadlineExceeded},
		{data: msg[2:6]},
		{err: os.ErrDeadlineExceeded},
		{data: msg[6:]},
	}}
	r := NewReader(src, 0)
	for range 2 {
		if _, err := r.Next(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
	}
	m, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Message{ID: Request, Index: 7, Begin: 8, Length: 9}); !equalMessage(m, want) {
		t.Fatalf("got %v, want %v", m, want)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
}

func TestReaderMisbehavingSource(t *testing.T) {
	tests := []struct {
		name string
		src  io.Reader
		want error
	}{
		{"no progress", &scriptedReader{steps: make([]step, maxEmptyReads)}, io.ErrNoProgress},
		{"negative count", &scriptedReader{steps: []step{{n: -1}}}, errBadRead},
		{"count too large", &scriptedReader{steps: []step{{n: 1 << 30}}}, errBadRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewReader(tt.src, 0).Next(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// loopReader returns its data over and over.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func pieceStream(n, blockLen int) []byte {
	block := bytes.Repeat([]byte{0x5a}, blockLen)
	var data []byte
	for i := range n {
		data = AppendPiece(data, uint32(i), 0, block)
	}
	return data
}

func TestReaderAllocs(t *testing.T) {
	data := pieceStream(7, 16<<10)
	data = AppendRequest(data, 1, 2, 3)
	data = AppendHave(data, 5)
	data = AppendKeepalive(data)
	r := NewReader(&loopReader{data: data}, 0)
	for range 100 { // warm up
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per message, want 0", allocs)
	}
}

func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	block := make([]byte, 16)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendRequest(buf[:0], 1, 2, 3)
		b = AppendHave(b, 4)
		b = AppendPiece(b, 1, 2, block)
		_ = b
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

// TestReaderShrinks checks that a buffer grown for one big message is
// dropped once it is empty.
func TestReaderShrinks(t *testing.T) {
	big := AppendBitfield(nil, make([]byte, 2*maxKeptBufSize))
	src := &scriptedReader{steps: []step{{data: big}, {data: AppendHave(nil, 1)}}}
	r := NewReader(src, 0)
	if m, err := r.Next(); err != nil || m.ID != Bitfield {
		t.Fatal(m, err)
	}
	if len(r.buf) <= maxKeptBufSize {
		t.Fatalf("buffer of %d bytes after a big message", len(r.buf))
	}
	if m, err := r.Next(); err != nil || m.ID != Have {
		t.Fatal(m, err)
	}
	if len(r.buf) != minBufSize {
		t.Errorf("buffer of %d bytes after a small message, want %d", len(r.buf), minBufSize)
	}
}
