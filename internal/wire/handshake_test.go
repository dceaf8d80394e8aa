package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"shoal/internal/bt"
)

func testHandshake() (Handshake, []byte) {
	h := Handshake{Reserved: NewReserved(true, true, false)}
	for i := range h.InfoHash {
		h.InfoHash[i] = byte(i + 1)
		h.PeerID[i] = byte(0xa0 + i)
	}
	var want []byte
	want = append(want, 19)
	want = append(want, "BitTorrent protocol"...)
	want = append(want, 0, 0, 0, 0, 0, 0x10, 0, 0x04)
	want = append(want, h.InfoHash[:]...)
	want = append(want, h.PeerID[:]...)
	return h, want
}

func TestHandshakeAppendParse(t *testing.T) {
	h, want := testHandshake()
	got := h.AppendTo(nil)
	if !bytes.Equal(got, want) || len(got) != HandshakeLen {
		t.Fatalf("AppendTo = %x, want %x", got, want)
	}
	p, err := ParseHandshake(got)
	if err != nil || p != h {
		t.Fatalf("ParseHandshake = %+v, %v", p, err)
	}
	p, err = ReadHandshake(iotest.OneByteReader(bytes.NewReader(got)))
	if err != nil || p != h {
		t.Fatalf("ReadHandshake = %+v, %v", p, err)
	}
}

func TestHandshakeHeadThenPeerID(t *testing.T) {
	h, b := testHandshake()
	r := bytes.NewReader(b)
	res, ih, err := ReadHandshakeHead(r)
	if err != nil || res != h.Reserved || ih != h.InfoHash {
		t.Fatalf("ReadHandshakeHead = %x, %v, %v", res, ih, err)
	}
	id, err := ReadPeerID(r)
	if err != nil || id != h.PeerID {
		t.Fatalf("ReadPeerID = %v, %v", id, err)
	}
}

func TestHandshakeTruncated(t *testing.T) {
	_, b := testHandshake()
	for k := range len(b) {
		if _, err := ReadHandshake(bytes.NewReader(b[:k])); err == nil {
			t.Errorf("ReadHandshake of %d bytes: no error", k)
		}
		if _, err := ParseHandshake(b[:k]); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("ParseHandshake of %d bytes: err = %v", k, err)
		}
		if k < HandshakeHeadLen {
			_, _, err := ReadHandshakeHead(bytes.NewReader(b[:k]))
			if k == 0 && err == nil || k > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("ReadHandshakeHead of %d bytes: err = %v", k, err)
			}
		} else if _, err := ReadPeerID(bytes.NewReader(b[HandshakeHeadLen:k])); err == nil {
			t.Errorf("ReadPeerID of %d bytes: no error", k-HandshakeHeadLen)
		}
	}
}

func TestHandshakeWrongProtocol(t *testing.T) {
	_, good := testHandshake()
	tests := map[string]func(b []byte){
		"length":    func(b []byte) { b[0] = 18 },
		"zero":      func(b []byte) { b[0] = 0 },
		"string":    func(b []byte) { b[5] = 'x' },
		"encrypted": func(b []byte) { copy(b, bytes.Repeat([]byte{0xc3}, 20)) },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(good)
			spoil(b)
			if _, err := ParseHandshake(b); !errors.Is(err, ErrBadHandshake) || !errors.Is(err, ErrProtocol) {
				t.Errorf("ParseHandshake: err = %v", err)
			}
			// Refused after the protocol string, without waiting for more.
			_, _, err := ReadHandshakeHead(bytes.NewReader(b[:1+len(Protocol)]))
			if !errors.Is(err, ErrBadHandshake) {
				t.Errorf("ReadHandshakeHead: err = %v", err)
			}
		})
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		fast, ext, dht bool
		want           Reserved
	}{
		{false, false, false, Reserved{}},
		{true, false, false, Reserved{7: 0x04}},
		{false, true, false, Reserved{5: 0x10}},
		{false, false, true, Reserved{7: 0x01}},
		{true, true, true, Reserved{5: 0x10, 7: 0x05}},
	}
	for _, tt := range tests {
		r := NewReserved(tt.fast, tt.ext, tt.dht)
		if r != tt.want {
			t.Errorf("NewReserved(%v, %v, %v) = %x, want %x", tt.fast, tt.ext, tt.dht, r, tt.want)
		}
		if r.Fast() != tt.fast || r.Extended() != tt.ext || r.DHT() != tt.dht {
			t.Errorf("%x: Fast %v Extended %v DHT %v", r, r.Fast(), r.Extended(), r.DHT())
		}
	}
	// Other bits do not count.
	r := Reserved{0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff, 0xfa}
	if r.Fast() || r.Extended() || r.DHT() {
		t.Errorf("%x: Fast %v Extended %v DHT %v", r, r.Fast(), r.Extended(), r.DHT())
	}
}

func TestHandshakeSizes(t *testing.T) {
	if HandshakeLen != 68 || HandshakeHeadLen != 48 {
		t.Fatalf("HandshakeLen %d, HandshakeHeadLen %d", HandshakeLen, HandshakeHeadLen)
	}
	var h Handshake
	h.PeerID = bt.NewPeerID()
	if got := len(h.AppendTo(nil)); got != HandshakeLen {
		t.Fatalf("encoded %d bytes", got)
	}
}
