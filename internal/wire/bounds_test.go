package wire

import (
	"errors"
	"testing"
)

func TestPieceSize(t *testing.T) {
	b := Bounds{NumPieces: 3, PieceLength: 100, TotalLength: 250}
	tests := []struct {
		b    Bounds
		i    int
		want int64
	}{
		{b, 0, 100},
		{b, 1, 100},
		{b, 2, 50},
		{b, 3, 0},
		{b, -1, 0},
		{Bounds{NumPieces: 2, PieceLength: 100, TotalLength: 200}, 1, 100},
		{Bounds{NumPieces: 1, PieceLength: 100, TotalLength: 7}, 0, 7},
		{Bounds{NumPieces: 2, PieceLength: 100, TotalLength: 100}, 1, 0},  // inconsistent
		{Bounds{NumPieces: 2, PieceLength: 100, TotalLength: 1000}, 1, 0}, // inconsistent
		{Bounds{NumPieces: 1, PieceLength: 0, TotalLength: 0}, 0, 0},
		{Bounds{}, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.b.PieceSize(tt.i); got != tt.want {
			t.Errorf("%+v.PieceSize(%d) = %d, want %d", tt.b, tt.i, got, tt.want)
		}
	}
}

func TestBoundsCheck(t *testing.T) {
	const pl = 256 << 10
	b := Bounds{NumPieces: 10, PieceLength: pl, TotalLength: 9*pl + 20000}
	block := make([]byte, 16<<10)
	tests := []struct {
		name string
		m    Message
		ok   bool
	}{
		{"keepalive", Message{Keepalive: true}, true},
		{"choke", Message{ID: Choke}, true},
		{"port", Message{ID: Port, Port: 1}, true},
		{"extended", Message{ID: Extended, Payload: []byte("x")}, true},
		{"unknown", Message{ID: 0x42, Index: 1 << 31}, true},
		{"have", Message{ID: Have, Index: 9}, true},
		{"have out of range", Message{ID: Have, Index: 10}, false},
		{"have huge", Message{ID: Have, Index: 1<<32 - 1}, false},
		{"suggest out of range", Message{ID: Suggest, Index: 10}, false},
		{"allowed fast", Message{ID: AllowedFast, Index: 0}, true},
		{"allowed fast out of range", Message{ID: AllowedFast, Index: 11}, false},
		{"request", Message{ID: Request, Index: 0, Begin: 0, Length: 16 << 10}, true},
		{"request end of piece", Message{ID: Request, Index: 1, Begin: pl - 16<<10, Length: 16 << 10}, true},
		{"request past piece", Message{ID: Request, Index: 1, Begin: pl - 16<<10 + 1, Length: 16 << 10}, false},
		{"request max", Message{ID: Request, Index: 1, Begin: 0, Length: MaxRequestLen}, true},
		{"request too long", Message{ID: Request, Index: 1, Begin: 0, Length: MaxRequestLen + 1}, false},
		{"request empty", Message{ID: Request, Index: 1, Length: 0}, false},
		{"request overflow", Message{ID: Request, Index: 1, Begin: 1<<32 - 8, Length: 16}, false},
		{"request bad index", Message{ID: Request, Index: 10, Length: 16}, false},
		{"request last piece", Message{ID: Request, Index: 9, Begin: 16384, Length: 20000 - 16384}, true},
		{"request past last piece", Message{ID: Request, Index: 9, Begin: 16384, Length: 20000 - 16383}, false},
		{"cancel past piece", Message{ID: Cancel, Index: 9, Begin: 20000, Length: 1}, false},
		{"reject", Message{ID: Reject, Index: 2, Begin: 32768, Length: 16384}, true},
		{"reject bad index", Message{ID: Reject, Index: 99, Length: 16384}, false},
		{"piece", Message{ID: Piece, Index: 3, Begin: 16384, Payload: block}, true},
		{"piece empty", Message{ID: Piece, Index: 3, Begin: 16384}, false},
		{"piece past last", Message{ID: Piece, Index: 9, Begin: 16384, Payload: block}, false},
		{"piece too long", Message{ID: Piece, Index: 3, Payload: make([]byte, MaxRequestLen+1)}, false},
		{"bitfield", Message{ID: Bitfield, Payload: []byte{0xff, 0xc0}}, true},
		{"bitfield short", Message{ID: Bitfield, Payload: []byte{0xff}}, false},
		{"bitfield long", Message{ID: Bitfield, Payload: []byte{0xff, 0xc0, 0}}, false},
		{"bitfield spare bit", Message{ID: Bitfield, Payload: []byte{0xff, 0xe0}}, false},
		{"bitfield last spare bit", Message{ID: Bitfield, Payload: []byte{0xff, 0x01}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := b.Check(tt.m)
			if tt.ok && err != nil {
				t.Errorf("Check(%v) = %v", tt.m, err)
			}
			if !tt.ok && !errors.Is(err, ErrProtocol) {
				t.Errorf("Check(%v) = %v, want ErrProtocol", tt.m, err)
			}
		})
	}
}

func TestBoundsCheckBitfieldWhole(t *testing.T) {
	b := Bounds{NumPieces: 16, PieceLength: 1, TotalLength: 16}
	if err := b.Check(Message{ID: Bitfield, Payload: []byte{0xff, 0xff}}); err != nil {
		t.Errorf("full bitfield: %v", err)
	}
	if err := (Bounds{}).Check(Message{ID: Bitfield, Payload: []byte{}}); err != nil {
		t.Errorf("no pieces: %v", err)
	}
}
