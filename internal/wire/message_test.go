package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex digits, ignoring spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type messageCase struct {
	name   string
	wire   string // hex, written out from BEP 3, 5, 6 and 10
	msg    Message
	append func([]byte) []byte
	// fixed is set for messages whose body length is fixed by their ID.
	fixed bool
}

var messageCases = []messageCase{
	{"keepalive", "00000000", Message{Keepalive: true}, AppendKeepalive, true},
	{"choke", "00000001 00", Message{ID: Choke}, AppendChoke, true},
	{"unchoke", "00000001 01", Message{ID: Unchoke}, AppendUnchoke, true},
	{"interested", "00000001 02", Message{ID: Interested}, AppendInterested, true},
	{"not interested", "00000001 03", Message{ID: NotInterested}, AppendNotInterested, true},
	{"have", "00000005 04 01020304", Message{ID: Have, Index: 0x01020304},
		func(b []byte) []byte { return AppendHave(b, 0x01020304) }, true},
	{"have max", "00000005 04 ffffffff", Message{ID: Have, Index: 0xffffffff},
		func(b []byte) []byte { return AppendHave(b, 0xffffffff) }, true},
	{"bitfield", "00000003 05 ff80", Message{ID: Bitfield, Payload: []byte{0xff, 0x80}},
		func(b []byte) []byte { return AppendBitfield(b, []byte{0xff, 0x80}) }, false},
	{"bitfield empty", "00000001 05", Message{ID: Bitfield, Payload: []byte{}},
		func(b []byte) []byte { return AppendBitfield(b, nil) }, false},
	{"request", "0000000d 06 00000001 00004000 00004000",
		Message{ID: Request, Index: 1, Begin: 0x4000, Length: 0x4000},
		func(b []byte) []byte { return AppendRequest(b, 1, 0x4000, 0x4000) }, true},
	{"piece", "0000000c 07 00000002 00004000 616263",
		Message{ID: Piece, Index: 2, Begin: 0x4000, Payload: []byte("abc")},
		func(b []byte) []byte { return AppendPiece(b, 2, 0x4000, []byte("abc")) }, false},
	{"piece header", "0000000c 07 00000002 00004000",
		Message{}, // a header alone is not a whole message
		func(b []byte) []byte { return AppendPieceHeader(b, 2, 0x4000, 3) }, false},
	{"piece empty block", "00000009 07 00000003 00000000",
		Message{ID: Piece, Index: 3, Payload: []byte{}},
		func(b []byte) []byte { return AppendPiece(b, 3, 0, nil) }, false},
	{"cancel", "0000000d 08 00000001 00008000 00004000",
		Message{ID: Cancel, Index: 1, Begin: 0x8000, Length: 0x4000},
		func(b []byte) []byte { return AppendCancel(b, 1, 0x8000, 0x4000) }, true},
	{"port", "00000003 09 1ae1", Message{ID: Port, Port: 6881},
		func(b []byte) []byte { return AppendPort(b, 6881) }, true},
	{"suggest", "00000005 0d 00000007", Message{ID: Suggest, Index: 7},
		func(b []byte) []byte { return AppendSuggest(b, 7) }, true},
	{"have all", "00000001 0e", Message{ID: HaveAll}, AppendHaveAll, true},
	{"have none", "00000001 0f", Message{ID: HaveNone}, AppendHaveNone, true},
	{"reject", "0000000d 10 00000009 00000000 00004000",
		Message{ID: Reject, Index: 9, Length: 0x4000},
		func(b []byte) []byte { return AppendReject(b, 9, 0, 0x4000) }, true},
	{"allowed fast", "00000005 11 0000002a", Message{ID: AllowedFast, Index: 42},
		func(b []byte) []byte { return AppendAllowedFast(b, 42) }, true},
	{"extended handshake", "0000000e 14 00 64313a76353a73686f616c65",
		Message{ID: Extended, ExtID: 0, Payload: []byte("d1:v5:shoale")},
		func(b []byte) []byte { return AppendExtended(b, ExtHandshakeID, []byte("d1:v5:shoale")) }, false},
	{"extended empty", "00000002 14 03", Message{ID: Extended, ExtID: 3, Payload: []byte{}},
		func(b []byte) []byte { return AppendExtended(b, 3, nil) }, false},
	{"unknown", "00000003 42 7879", Message{ID: 0x42, Payload: []byte("xy")}, nil, false},
	{"unknown empty", "00000001 0a", Message{ID: 0x0a, Payload: []byte{}}, nil, false},
}

// wholeCases returns the cases that are complete messages.
func wholeCases() []messageCase {
	var out []messageCase
	for _, c := range messageCases {
		if c.name != "piece header" {
			out = append(out, c)
		}
	}
	return out
}

func equalMessage(a, b Message) bool {
	pa, pb := a.Payload, b.Payload
	a.Payload, b.Payload = nil, nil
	return reflect.DeepEqual(a, b) && bytes.Equal(pa, pb) && (pa == nil) == (pb == nil)
}

func TestAppend(t *testing.T) {
	prefix := []byte("prefix")
	for _, c := range messageCases {
		if c.append == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.wire)
			if got := c.append(nil); !bytes.Equal(got, want) {
				t.Errorf("append = %x, want %x", got, want)
			}
			got := c.append(bytes.Clone(prefix))
			if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
				t.Errorf("append after prefix = %x", got)
			}
		})
	}
}

func TestMessageAppendTo(t *testing.T) {
	for _, c := range wholeCases() {
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.wire)
			if got := c.msg.AppendTo(nil); !bytes.Equal(got, want) {
				t.Errorf("AppendTo = %x, want %x", got, want)
			}
			if got := c.msg.Len(); got != len(want) {
				t.Errorf("Len = %d, want %d", got, len(want))
			}
			if c.msg.String() == "" {
				t.Error("empty String")
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	for _, c := range wholeCases() {
		t.Run(c.name, func(t *testing.T) {
			b := unhex(t, c.wire)
			m, n, err := ParseMessage(append(b, 0xee), 0)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(b) {
				t.Errorf("consumed %d bytes, want %d", n, len(b))
			}
			if !equalMessage(m, c.msg) {
				t.Errorf("parsed %+v, want %+v", m, c.msg)
			}
		})
	}
}

// TestTruncated checks that every proper prefix of every message fails
// cleanly, both from a Reader and from ParseMessage.
func TestTruncated(t *testing.T) {
	for _, c := range wholeCases() {
		t.Run(c.name, func(t *testing.T) {
			b := unhex(t, c.wire)
			for k := range len(b) {
				prefix := b[:k]
				_, err := NewReader(bytes.NewReader(prefix), 0).Next()
				switch {
				case k == 0 && err != io.EOF:
					t.Errorf("empty stream: err = %v, want io.EOF", err)
				case k > 0 && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Errorf("prefix %x: err = %v, want unexpected EOF", prefix, err)
				}
				if _, _, err := ParseMessage(prefix, 0); !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("ParseMessage(%x): err = %v, want unexpected EOF", prefix, err)
				}
			}
		})
	}
}

// reframe returns body with a length prefix of its own length.
func reframe(body []byte) []byte {
	b := appendHeader(nil, len(body), ID(body[0]))
	return append(b, body[1:]...)
}

// TestBadLength checks that a fixed-size message whose length prefix
// says one byte less or more, with a body to match, is refused, and that
// every cut of a body too short for a header is refused.
func TestBadLength(t *testing.T) {
	for _, c := range wholeCases() {
		body := unhex(t, c.wire)[lenPrefixLen:]
		if len(body) == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var bad [][]byte
			if c.fixed {
				for k := 1; k < len(body); k++ {
					bad = append(bad, reframe(body[:k]))
				}
				bad = append(bad, reframe(append(bytes.Clone(body), 0)))
			}
			switch c.msg.ID {
			case Piece:
				for k := 1; k < pieceHeaderBodyLen; k++ {
					bad = append(bad, reframe(body[:k]))
				}
			case Extended:
				bad = append(bad, reframe(body[:1]))
			}
			for _, b := range bad {
				_, _, err := ParseMessage(b, 0)
				if !errors.Is(err, ErrBadLength) || !errors.Is(err, ErrProtocol) {
					t.Errorf("ParseMessage(%x): err = %v, want ErrBadLength", b, err)
				}
				_, err = NewReader(bytes.NewReader(b), 0).Next()
				if !errors.Is(err, ErrBadLength) {
					t.Errorf("Next on %x: err = %v, want ErrBadLength", b, err)
				}
			}
		})
	}
}

func TestParseMessageTooLong(t *testing.T) {
	b := AppendRequest(nil, 1, 2, 3)
	if _, _, err := ParseMessage(b, blockRefBodyLen); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	_, _, err := ParseMessage(b, blockRefBodyLen-1)
	if !errors.Is(err, ErrTooLong) || !errors.Is(err, ErrProtocol) {
		t.Errorf("over the limit: err = %v, want ErrTooLong", err)
	}
	// The length prefix alone decides: no body needs to be present.
	_, _, err = ParseMessage([]byte{0xff, 0xff, 0xff, 0xff}, 0)
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("huge prefix: err = %v, want ErrTooLong", err)
	}
}

func TestIDString(t *testing.T) {
	tests := []struct {
		id   ID
		want string
	}{
		{Choke, "choke"},
		{NotInterested, "not interested"},
		{Port, "port"},
		{Suggest, "suggest"},
		{AllowedFast, "allowed fast"},
		{Extended, "extended"},
		{10, "ID(10)"},
		{0x12, "ID(18)"},
		{255, "ID(255)"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("ID(%d).String() = %q, want %q", uint8(tt.id), got, tt.want)
		}
	}
}
