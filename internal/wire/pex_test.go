package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// bs is the bencoded string s.
func bs(s string) string { return fmt.Sprintf("%d:%s", len(s), s) }

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// nodeID is an ID whose bytes are all b.
func nodeID(b byte) [20]byte {
	var id [20]byte
	for i := range id {
		id[i] = b
	}
	return id
}

const (
	// Compact entries: 10.0.0.2:6881, 192.168.1.7:51413, [2001:db8::1]:6881.
	c4a = "\x0a\x00\x00\x02\x1a\xe1"
	c4b = "\xc0\xa8\x01\x07\xc8\xd5"
	c6a = "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\xe1"
	// [::ffff:10.0.0.3]:6882, an IPv4-mapped IPv6 entry.
	c6m = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x0a\x00\x00\x03\x1a\xe2"
)

// libtorrentPEX is a ut_pex payload laid out as libtorrent sends it:
// every key present, the IPv6 ones empty when there is nothing to say.
var libtorrentPEX = "d" + bs("added") + bs(c4a+c4b) + bs("added.f") + bs("\x12\x01") +
	bs("added6") + bs(c6a) + bs("added6.f") + bs("\x04") +
	bs("dropped") + bs("") + bs("dropped6") + bs("") + "e"

// transmissionPEX is a ut_pex payload laid out as Transmission sends it:
// only the lists it has entries for.
var transmissionPEX = "d" + bs("added") + bs(c4b) + bs("added.f") + bs("\x03") +
	bs("dropped") + bs(c4a) + "e"

// fullPEX is a PEX with MaxPEXPeers entries in every list on the wire,
// IPv4 entries first.
func fullPEX() PEX {
	var p PEX
	var added6 []PEXPeer
	var dropped6 []netip.AddrPort
	for i := range MaxPEXPeers {
		v4 := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(1000+i))
		v6 := netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}), uint16(2000+i))
		p.Added = append(p.Added, PEXPeer{v4, byte(i)})
		p.Dropped = append(p.Dropped, v4)
		added6 = append(added6, PEXPeer{v6, byte(i)})
		dropped6 = append(dropped6, v6)
		p.Rendezvous = append(p.Rendezvous, nodeID(byte(i+1)))
	}
	p.Added = append(p.Added, added6...)
	p.Dropped = append(p.Dropped, dropped6...)
	return p
}

func TestPEXMarshal(t *testing.T) {
	tests := []struct {
		name string
		p    PEX
		want string
	}{
		{"empty", PEX{}, "d5:added0:7:added.f0:7:dropped0:e"},
		{"ipv4", PEX{
			Added:   []PEXPeer{{ap("10.0.0.2:6881"), PEXSeed | PEXReachable}, {ap("192.168.1.7:51413"), PEXEncryption}},
			Dropped: []netip.AddrPort{ap("10.0.0.2:6881")},
		}, "d" + bs("added") + bs(c4a+c4b) + bs("added.f") + bs("\x12\x01") + bs("dropped") + bs(c4a) + "e"},
		{"mixed", PEX{
			Added:   []PEXPeer{{ap("[2001:db8::1]:6881"), PEXUTP}, {ap("192.168.1.7:51413"), 0}},
			Dropped: []netip.AddrPort{ap("[2001:db8::1]:6881")},
		}, "d" + bs("added") + bs(c4b) + bs("added.f") + bs("\x00") + bs("added6") + bs(c6a) +
			bs("added6.f") + bs("\x04") + bs("dropped") + bs("") + bs("dropped6") + bs(c6a) + "e"},
		{"mapped", PEX{
			Added: []PEXPeer{{ap("[::ffff:10.0.0.2]:6881"), PEXHolepunch}},
		}, "d" + bs("added") + bs(c4a) + bs("added.f") + bs("\x08") + bs("dropped") + bs("") + "e"},
		{"rendezvous", PEX{
			Rendezvous: [][20]byte{nodeID(1), nodeID(2)},
		}, "d5:added0:7:added.f0:7:dropped0:" + bs("rendezvous") +
			bs(strings.Repeat("\x01", 20)+strings.Repeat("\x02", 20)) + "e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %q, want %q", b, tt.want)
			}
		})
	}
}

func TestPEXRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    PEX
		want PEX // zero: the same as p
	}{
		{name: "empty", p: PEX{}},
		{name: "ipv4", p: PEX{
			Added:   []PEXPeer{{ap("10.0.0.2:6881"), 0}, {ap("192.168.1.7:51413"), 0}},
			Dropped: []netip.AddrPort{ap("1.2.3.4:5")},
		}},
		{name: "ipv6", p: PEX{
			Added:   []PEXPeer{{ap("[2001:db8::1]:6881"), PEXUTP}},
			Dropped: []netip.AddrPort{ap("[2001:db8::2]:1"), ap("[fe80::1]:65535")},
		}},
		{name: "flags", p: PEX{
			Added: []PEXPeer{
				{ap("10.0.0.1:1"), PEXEncryption | PEXSeed | PEXUTP | PEXHolepunch | PEXReachable},
				{ap("10.0.0.2:2"), 0xff},
				{ap("[2001:db8::3]:3"), PEXSeed},
			},
		}},
		{name: "rendezvous", p: PEX{Rendezvous: [][20]byte{nodeID(0xab), nodeID(1)}}},
		{name: "mixed", p: PEX{
			Added:      []PEXPeer{{ap("[2001:db8::1]:6881"), PEXUTP}, {ap("10.0.0.2:6881"), PEXSeed}},
			Dropped:    []netip.AddrPort{ap("[2001:db8::9]:9"), ap("10.0.0.9:9")},
			Rendezvous: [][20]byte{nodeID(7)},
		}, want: PEX{
			// IPv4 entries come first after a round trip.
			Added:      []PEXPeer{{ap("10.0.0.2:6881"), PEXSeed}, {ap("[2001:db8::1]:6881"), PEXUTP}},
			Dropped:    []netip.AddrPort{ap("10.0.0.9:9"), ap("[2001:db8::9]:9")},
			Rendezvous: [][20]byte{nodeID(7)},
		}},
		{name: "mapped", p: PEX{
			Added:   []PEXPeer{{ap("[::ffff:10.0.0.2]:6881"), PEXSeed}},
			Dropped: []netip.AddrPort{ap("[::ffff:10.0.0.3]:6882")},
		}, want: PEX{
			Added:   []PEXPeer{{ap("10.0.0.2:6881"), PEXSeed}},
			Dropped: []netip.AddrPort{ap("10.0.0.3:6882")},
		}},
		{name: "full", p: fullPEX()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if reflect.DeepEqual(want, PEX{}) {
				want = tt.p
			}
			b, err := tt.p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxPEXLen {
				t.Fatalf("Marshal: %d bytes, limit %d", len(b), MaxPEXLen)
			}
			got, err := ParsePEX(b)
			if err != nil {
				t.Fatalf("ParsePEX(%q): %v", b, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestPEXMarshalErrors(t *testing.T) {
	over := fullPEX()
	over.Added = append(over.Added, PEXPeer{Addr: ap("10.9.9.9:9")})
	overMapped := fullPEX()
	overMapped.Dropped = append(overMapped.Dropped, ap("[::ffff:10.9.9.9]:9"))
	overID := fullPEX()
	overID.Rendezvous = append(overID.Rendezvous, nodeID(0xee))
	tests := []struct {
		name string
		p    PEX
	}{
		{"too many added", over},
		{"too many dropped after unmapping", overMapped},
		{"too many rendezvous", overID},
		{"invalid added", PEX{Added: []PEXPeer{{}}}},
		{"invalid dropped", PEX{Dropped: []netip.AddrPort{{}}}},
		{"zone", PEX{Added: []PEXPeer{{Addr: ap("[fe80::1%eth0]:6881")}}}},
		{"port 0", PEX{Dropped: []netip.AddrPort{ap("10.0.0.1:0")}}},
		{"unspecified v4", PEX{Added: []PEXPeer{{Addr: ap("0.0.0.0:1")}}}},
		{"unspecified v6", PEX{Added: []PEXPeer{{Addr: ap("[::]:1")}}}},
		{"unspecified mapped", PEX{Dropped: []netip.AddrPort{ap("[::ffff:0.0.0.0]:1")}}},
		{"zero ID", PEX{Rendezvous: [][20]byte{nodeID(1), {}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := tt.p.Marshal(); err == nil {
				t.Errorf("Marshal = %q, want an error", b)
			} else if !strings.HasPrefix(err.Error(), "wire: pex") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParsePEX(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    PEX
	}{
		{"libtorrent", libtorrentPEX, PEX{
			Added: []PEXPeer{
				{ap("10.0.0.2:6881"), PEXSeed | PEXReachable},
				{ap("192.168.1.7:51413"), PEXEncryption},
				{ap("[2001:db8::1]:6881"), PEXUTP},
			},
		}},
		{"transmission", transmissionPEX, PEX{
			Added:   []PEXPeer{{ap("192.168.1.7:51413"), PEXEncryption | PEXSeed}},
			Dropped: []netip.AddrPort{ap("10.0.0.2:6881")},
		}},
		{"empty dictionary", "de", PEX{}},
		{"unknown keys", "d" + bs("added") + bs(c4a) + bs("e") + "i1e" + bs("x") + "ld1:yi2eee" + "e",
			PEX{Added: []PEXPeer{{Addr: ap("10.0.0.2:6881")}}}},
		{"keys out of order", "d" + bs("dropped") + bs(c4b) + bs("added") + bs(c4a) + "e", PEX{
			Added:   []PEXPeer{{Addr: ap("10.0.0.2:6881")}},
			Dropped: []netip.AddrPort{ap("192.168.1.7:51413")},
		}},
		{"no flags", "d" + bs("added") + bs(c4a+c4b) + bs("added6") + bs(c6a) + "e", PEX{
			Added: []PEXPeer{{Addr: ap("10.0.0.2:6881")}, {Addr: ap("192.168.1.7:51413")}, {Addr: ap("[2001:db8::1]:6881")}},
		}},
		{"short flags", "d" + bs("added") + bs(c4a+c4b) + bs("added.f") + bs("\x02") + "e", PEX{
			Added: []PEXPeer{{ap("10.0.0.2:6881"), PEXSeed}, {Addr: ap("192.168.1.7:51413")}},
		}},
		{"long flags", "d" + bs("added") + bs(c4a) + bs("added.f") + bs("\x02\x04\x08") +
			bs("added6.f") + bs("\x01") + "e", PEX{
			Added: []PEXPeer{{ap("10.0.0.2:6881"), PEXSeed}},
		}},
		{"skipped entries", "d" + bs("added") + bs("\x0a\x00\x00\x01\x00\x00"+"\x00\x00\x00\x00\x1a\xe1"+c4b) +
			bs("added.f") + bs("\x01\x02\x04") +
			bs("added6") + bs(strings.Repeat("\x00", 16)+"\x1a\xe1") + bs("added6.f") + bs("\x08") +
			bs("dropped6") + bs("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x00\x00\x1a\xe1"+c6a[:16]+"\x00\x00") +
			bs("rendezvous") + bs(strings.Repeat("\x00", 20)+strings.Repeat("\x05", 20)) + "e", PEX{
			Added:      []PEXPeer{{ap("192.168.1.7:51413"), PEXUTP}},
			Rendezvous: [][20]byte{nodeID(5)},
		}},
		{"mapped", "d" + bs("added") + bs(c4a) + bs("added.f") + bs("\x01") +
			bs("added6") + bs(c6a+c6m) + bs("added6.f") + bs("\x04\x02") + bs("dropped6") + bs(c6m) + "e", PEX{
			Added: []PEXPeer{
				{ap("10.0.0.2:6881"), PEXEncryption},
				{ap("10.0.0.3:6882"), PEXSeed},
				{ap("[2001:db8::1]:6881"), PEXUTP},
			},
			Dropped: []netip.AddrPort{ap("10.0.0.3:6882")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePEX([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePEX:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsePEXErrors(t *testing.T) {
	full, err := fullPEX().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tooMany := func(key string, size int) string {
		return "d" + bs(key) + bs(strings.Repeat("\x01", (MaxPEXPeers+1)*size)) + "e"
	}
	// MaxPEXPeers IPv4 entries in "added" and one more, mapped, in "added6".
	var v4 []byte
	for i := range MaxPEXPeers {
		v4 = append(v4, 10, 0, byte(i>>8), byte(i), 0, 1)
	}
	tests := []struct {
		name    string
		payload string
	}{
		{"empty", ""},
		{"not a dictionary", "l" + bs(c4a) + "e"},
		{"a string", bs(c4a)},
		{"trailing bytes", "de" + "x"},
		{"bad bencode", "d5:added6:" + c4a[:5]},
		{"duplicate key", "d" + bs("added") + bs(c4a) + bs("added") + bs(c4a) + "e"},
		{"added not a string", "d" + bs("added") + "i1e" + "e"},
		{"added.f a list", "d" + bs("added.f") + "le" + "e"},
		{"rendezvous a dictionary", "d" + bs("rendezvous") + "de" + "e"},
		{"odd added", "d" + bs("added") + bs(c4a+"\x01") + "e"},
		{"odd added6", "d" + bs("added6") + bs(c4a) + "e"},
		{"odd dropped", "d" + bs("dropped") + bs(c4a[:5]) + "e"},
		{"odd dropped6", "d" + bs("dropped6") + bs(c6a+c4a) + "e"},
		{"odd rendezvous", "d" + bs("rendezvous") + bs(strings.Repeat("\x01", 21)) + "e"},
		{"too many added", tooMany("added", 6)},
		{"too many added6", tooMany("added6", 18)},
		{"too many dropped", tooMany("dropped", 6)},
		{"too many dropped6", tooMany("dropped6", 18)},
		{"too many rendezvous", tooMany("rendezvous", 20)},
		{"too many IPv4 added", "d" + bs("added") + bs(string(v4)) + bs("added6") + bs(c6m) + "e"},
		{"too many IPv4 dropped", "d" + bs("dropped") + bs(string(v4)) + bs("dropped6") + bs(c6m) + "e"},
		{"too long", string(full[:len(full)-1]) + bs("pad") + bs(strings.Repeat("x", MaxPEXLen-len(full))) + "e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePEX([]byte(tt.payload))
			if err == nil {
				t.Fatalf("ParsePEX = %+v, want an error", p)
			}
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("error %v does not wrap ErrProtocol", err)
			}
			if !reflect.DeepEqual(p, PEX{}) {
				t.Errorf("ParsePEX returned %+v with its error", p)
			}
		})
	}
}

func TestParsePEXLimitEdge(t *testing.T) {
	full, err := fullPEX().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Pad the largest message to exactly MaxPEXLen with an unknown key.
	pad := MaxPEXLen - len(full) - len(bs("pad")) - len("0000:")
	padded := string(full[:len(full)-1]) + bs("pad") + bs(strings.Repeat("x", pad)) + "e"
	if len(padded) != MaxPEXLen {
		t.Fatalf("padded to %d bytes, want %d", len(padded), MaxPEXLen)
	}
	p, err := ParsePEX([]byte(padded))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, fullPEX()) {
		t.Error("the largest message did not parse back to itself")
	}
}

func TestParsePEXTruncated(t *testing.T) {
	for _, payload := range []string{libtorrentPEX, transmissionPEX, "d5:added0:7:added.f0:7:dropped0:e"} {
		for n := range len(payload) {
			if _, err := ParsePEX([]byte(payload[:n])); !errors.Is(err, ErrProtocol) {
				t.Errorf("ParsePEX(%q): error %v, want ErrProtocol", payload[:n], err)
			}
		}
	}
}

// FuzzParsePEX checks that parsing never panics, respects its limits,
// and that whatever it accepts marshals and parses back to the same
// message.
func FuzzParsePEX(f *testing.F) {
	f.Add([]byte(libtorrentPEX))
	f.Add([]byte(transmissionPEX))
	f.Add([]byte("d5:added0:7:added.f0:7:dropped0:e"))
	f.Add([]byte("d" + bs("added6") + bs(c6a+c6m) + bs("added6.f") + bs("\x04\x02\x01") + bs("dropped6") + bs(c6m) + "e"))
	f.Add([]byte("d" + bs("rendezvous") + bs(strings.Repeat("\x00", 20)+strings.Repeat("\x05", 20)) + bs("x") + "le" + "e"))
	f.Add([]byte("d" + bs("added") + bs(c4a[:5]) + "e"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := ParsePEX(payload)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if len(payload) > MaxPEXLen {
			t.Fatalf("accepted %d bytes", len(payload))
		}
		if len(p.Added) > 2*MaxPEXPeers || len(p.Dropped) > 2*MaxPEXPeers || len(p.Rendezvous) > MaxPEXPeers {
			t.Fatalf("%d added, %d dropped, %d rendezvous", len(p.Added), len(p.Dropped), len(p.Rendezvous))
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal of parsed %+v: %v", p, err)
		}
		p2, err := ParsePEX(b)
		if err != nil {
			t.Fatalf("parse of %q: %v", b, err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("%+v became %+v", p, p2)
		}
		if b2, err := p2.Marshal(); err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("Marshal again: %q, %v; first %q", b2, err, b)
		}
	})
}
