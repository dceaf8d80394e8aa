package node

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"shoal/internal/rendezvous/proto"
)

// relayStream frames data in chunks of the given sizes, then a switch
// frame for tok.
func relayStream(data []byte, sizes []int, tok proto.Token) []byte {
	var b []byte
	for i := 0; len(data) > 0; i++ {
		k := min(len(data), sizes[i%len(sizes)])
		b = append(appendRelayHeader(b, rfData, k), data[:k]...)
		data = data[k:]
	}
	return append(b, switchFrame(tok)...)
}

// readAll reads r to the end through a relayReader whose direct socket
// is direct, for switch frames of tok.
func readAll(src io.Reader, tok proto.Token, direct io.Reader, chunk int) ([]byte, error) {
	rd := relayReader{src: src}
	wait := func(got proto.Token) (io.Reader, error) {
		if got != tok {
			return nil, errors.New("wrong token")
		}
		return direct, nil
	}
	var out []byte
	buf := make([]byte, chunk)
	for {
		n, err := rd.read(buf, wait)
		out = append(out, buf[:n]...)
		if errors.Is(err, iotest.ErrTimeout) {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
	}
}

func TestRelayReader(t *testing.T) {
	data := make([]byte, 200000)
	for i := range data {
		data[i] = byte(i * 13)
	}
	tail := []byte("after the switch")
	tok := proto.Token{1, 2, 3}
	stream := relayStream(data, []int{1, 0, 7, rfMaxData, 1000}, tok)
	want := append(append([]byte(nil), data...), tail...)
	for _, tc := range []struct {
		name  string
		src   io.Reader
		chunk int
	}{
		{"whole", bytes.NewReader(stream), 1 << 20},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(stream)), 3},
		{"half reads", iotest.HalfReader(bytes.NewReader(stream)), 5000},
		{"timeouts", iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(stream))), 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(tc.src, tok, bytes.NewReader(tail), tc.chunk)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

func TestRelayReaderTruncated(t *testing.T) {
	const msg = "hello, relayed world"
	stream := relayStream([]byte(msg), []int{5}, proto.Token{9})
	for n := range len(stream) {
		got, err := readAll(bytes.NewReader(stream[:n]), proto.Token{9}, bytes.NewReader(nil), 64)
		if !bytes.HasPrefix([]byte(msg), got) {
			t.Fatalf("prefix %d: read %q", n, got)
		}
		// Frames of 5 bytes are 9 bytes long: a cut inside one is an
		// error, a cut between two a clean end of the relay stream.
		if between := n%9 == 0 && n <= 4*9; between != (err == nil) {
			t.Errorf("prefix %d: err %v", n, err)
		}
	}
}

func TestRelayReaderBadFrames(t *testing.T) {
	for _, h := range [][]byte{
		appendRelayHeader(nil, rfData, rfMaxData+1),
		appendRelayHeader(nil, rfSwitch, 15),
		appendRelayHeader(nil, 2, 0),
	} {
		src := append(h, make([]byte, 80000)...)
		if _, err := readAll(bytes.NewReader(src), proto.Token{}, nil, 100); !errors.Is(err, errRelayFrame) {
			t.Errorf("header %x: err %v", h, err)
		}
	}
	got, err := readAll(bytes.NewReader(relayStream([]byte("x"), []int{1}, proto.Token{1})), proto.Token{2}, nil, 10)
	if err == nil || string(got) != "x" {
		t.Errorf("switch to an unknown token: %q, %v", got, err)
	}
}

func FuzzRelayReader(f *testing.F) {
	f.Add(relayStream([]byte("some bytes"), []int{3}, proto.Token{1}), 7)
	f.Add(appendRelayHeader(nil, rfData, rfMaxData), 1000)
	f.Add([]byte{1, 0, 0, 16}, 1)
	f.Fuzz(func(t *testing.T, b []byte, chunk int) {
		chunk = 1 + min(max(chunk, 0), 1<<16)
		got, _ := readAll(bytes.NewReader(b), proto.Token{1}, bytes.NewReader([]byte("tail")), chunk)
		if len(got) > len(b)+4 {
			t.Fatalf("read %d bytes out of %d", len(got), len(b))
		}
	})
}
