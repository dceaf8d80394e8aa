package proto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func sampleFrames() []Frame {
	id := ID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	tok := Token{0xaa, 0xbb, 15: 0xcc}
	v4 := netip.MustParseAddrPort("198.18.0.10:7000")
	v6 := netip.MustParseAddrPort("[2001:db8::7]:6881")
	return []Frame{
		&Challenge{Nonce: [32]byte{1, 31: 2}, Observed: v4, Cluster: "east"},
		&Challenge{},
		&Register{Purpose: PurposePeer, PublicKey: [32]byte{9}, Private: v6, Reachable: true, Nonce: [32]byte{3, 31: 4}, Sig: [64]byte{7, 63: 8}},
		&Registered{Observed: v4, Router: id, Cluster: "west", PublicKey: [32]byte{1}, Sig: [64]byte{2}},
		&Error{Code: CodeBusy, Text: "too many"},
		&Ping{Seq: 1 << 60},
		&Pong{Seq: 3},
		&ConnectRequest{Req: 42, Target: id},
		&ConnectRequest{Req: 43, Target: id, Upgrade: Token{5, 15: 6}},
		&Incoming{Token: tok, From: id},
		&Incoming{Token: tok, From: id, Upgrade: Token{7}},
		&Answer{Token: tok, Accept: true},
		&Introduce{Req: 7, Token: tok, Peer: id, Initiator: true, Public: v4, Private: v6,
			Plan: []Strategy{StrategyLAN, StrategySimOpen}, Delay: 1500 * time.Microsecond, Relay: true},
		&Introduce{Token: tok, Peer: id},
		&ConnectFail{Req: 9, Code: CodeDeclined},
		&Done{Token: tok},
		&Lookup{Query: 5, Target: id},
		&LookupReply{Query: 5, Target: id, Found: true},
		&Forward{Token: tok, Requester: id, Target: ID{3}, Public: v4, Private: v4, Reachable: true, RTT: 2 * time.Millisecond, RelayDialer: true, Upgrade: Token{9}},
		&ForwardReply{Token: tok, Code: CodeOK, Public: v6, Private: v4, Plan: []Strategy{StrategyDirect}, Delay: time.Millisecond, Relay: true},
		&RelayBind{Token: tok},
		&LinkHello{Token: tok, PublicKey: [32]byte{1}, Sig: [64]byte{2}},
		&LinkSelect{Token: tok, Via: StrategySimOpen},
		&LinkSelect{Token: tok},
	}
}

// readers are the ways ReadFrame reads: a plain reader, a buffered one
// that holds whole frames (decoded in place) and one smaller than a frame.
var readers = []struct {
	name string
	wrap func([]byte) io.Reader
}{
	{"plain", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"buffered", func(b []byte) io.Reader { return bufio.NewReaderSize(bytes.NewReader(b), 4096) }},
	{"small buffer", func(b []byte) io.Reader { return bufio.NewReaderSize(bytes.NewReader(b), 16) }},
}

func TestRoundTrip(t *testing.T) {
	for _, rd := range readers {
		for _, f := range sampleFrames() {
			b := AppendFrame(nil, f)
			got, err := ReadFrame(rd.wrap(b), nil)
			if err != nil {
				t.Fatalf("%s: %T: %v", rd.name, f, err)
			}
			if !reflect.DeepEqual(got, f) {
				t.Errorf("%s: %T: got %+v, want %+v", rd.name, f, got, f)
			}
		}
	}
}

// TestStreamOfFrames reads many frames from one buffered reader and
// compares them only at the end: no decoded frame shares the buffer.
func TestStreamOfFrames(t *testing.T) {
	want := sampleFrames()
	var b []byte
	for _, f := range want {
		b = AppendFrame(b, f)
	}
	for _, rd := range readers {
		r := rd.wrap(b)
		var got []Frame
		for range want {
			f, err := ReadFrame(r, nil)
			if err != nil {
				t.Fatalf("%s: %v", rd.name, err)
			}
			got = append(got, f)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: frames changed after later reads", rd.name)
		}
		if _, err := ReadFrame(r, nil); err != io.EOF {
			t.Errorf("%s: after the last frame: %v, want EOF", rd.name, err)
		}
	}
}

func TestTruncatedPrefixesFail(t *testing.T) {
	for _, f := range sampleFrames() {
		b := AppendFrame(nil, f)
		for n := range len(b) {
			for _, rd := range readers {
				if _, err := ReadFrame(rd.wrap(b[:n]), nil); err == nil {
					t.Errorf("%s: %T: prefix of %d/%d bytes parsed", rd.name, f, n, len(b))
				}
			}
			if n > HeaderLen {
				if _, err := Decode(b[HeaderLen:n]); err == nil {
					t.Errorf("%T: body prefix of %d bytes decoded", f, n-HeaderLen)
				}
			}
		}
		// A trailing byte is rejected too.
		body := append(append([]byte(nil), b[HeaderLen:]...), 0)
		if _, err := Decode(body); err == nil {
			t.Errorf("%T: trailing byte accepted", f)
		}
	}
}

func TestReadFrameLimits(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"zero length", []byte{0, 0, 0, 0}, ErrMalformed},
		{"too large", []byte{0, 1, 0, 1}, ErrTooLarge},
		{"huge", []byte{0xff, 0xff, 0xff, 0xff}, ErrTooLarge},
		{"unknown type", []byte{0, 0, 0, 1, 200}, ErrUnknown},
		{"bad bool", []byte{0, 0, 0, 18, byte(TypeAnswer), 15: 0, 21: 2}, ErrMalformed},
		{"bad family", []byte{0, 0, 0, 2, byte(TypeRegistered), 5}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, rd := range readers {
				_, err := ReadFrame(rd.wrap(tt.in), nil)
				if !errors.Is(err, tt.want) {
					t.Errorf("%s: got %v, want %v", rd.name, err, tt.want)
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, fr := range sampleFrames() {
		f.Add(AppendFrame(nil, fr)[HeaderLen:])
	}
	f.Add([]byte{})
	f.Add([]byte{byte(TypeIntroduce), 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever parses re-encodes to the same bytes.
		out := AppendFrame(nil, fr)[HeaderLen:]
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoded %x, parsed from %x", out, b)
		}
	})
}
