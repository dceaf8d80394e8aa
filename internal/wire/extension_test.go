package wire

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// shoalExt is a handshake as shoal sends it; shoalExtWire is its
// encoding, written out by hand with the keys in sorted order.
var (
	shoalExt = ExtHandshake{
		M:            map[string]int{"ut_metadata": 2, "ut_pex": 1},
		V:            "shoal 0.1.0",
		P:            6881,
		Reqq:         500,
		YourIP:       []byte{127, 0, 0, 1},
		MetadataSize: 31235,
	}
	shoalExtWire = "d1:md11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei31235e" +
		"1:pi6881e4:reqqi500e1:v11:shoal 0.1.06:yourip4:\x7f\x00\x00\x01e"
)

func TestExtHandshakeMarshal(t *testing.T) {
	tests := []struct {
		name string
		h    ExtHandshake
		want string
	}{
		{"shoal", shoalExt, shoalExtWire},
		{"empty", ExtHandshake{}, "d1:mdee"},
		{"disable", ExtHandshake{M: map[string]int{"ut_pex": 0}}, "d1:md6:ut_pexi0eee"},
		{"upload only", ExtHandshake{UploadOnly: true, IPv6: bytes.Repeat([]byte{1}, 16)},
			"d4:ipv616:\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x011:mde11:upload_onlyi1ee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.h.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %q, want %q", b, tt.want)
			}
		})
	}
}

func TestExtHandshakeMarshalErrors(t *testing.T) {
	many := map[string]int{}
	for i := range MaxExtensions + 1 {
		many[fmt.Sprint("x", i)] = 1
	}
	for _, h := range []ExtHandshake{
		{M: map[string]int{"a": 256}},
		{M: map[string]int{"a": -1}},
		{M: many},
		{V: strings.Repeat("v", MaxExtHandshakeLen)},
	} {
		if _, err := h.Marshal(); err == nil {
			t.Errorf("Marshal of %.60v: no error", h)
		}
	}
}

func TestParseExtHandshake(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ExtHandshake
	}{
		{"shoal", shoalExtWire, shoalExt},
		{"libtorrent style",
			"d12:complete_agoi-1e1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e" +
				"11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei5412e4:reqqi500e11:upload_onlyi1e" +
				"1:v17:qBittorrent/4.6.26:yourip4:\x0a\x00\x00\x02e",
			ExtHandshake{
				M: map[string]int{"lt_donthave": 7, "share_mode": 8, "upload_only": 3,
					"ut_holepunch": 4, "ut_metadata": 2, "ut_pex": 1},
				V: "qBittorrent/4.6.2", Reqq: 500, MetadataSize: 5412, UploadOnly: true,
				YourIP: []byte{10, 0, 0, 2},
			}},
		{"no m", "d1:v1:xe", ExtHandshake{V: "x"}},
		{"empty m", "d1:mdee", ExtHandshake{M: map[string]int{}}},
		{"unsorted keys", "d1:v1:x1:md1:ai1eee", ExtHandshake{M: map[string]int{"a": 1}, V: "x"}},
		{"bad values ignored",
			"d1:md1:ai256e1:bi-1e1:c1:x1:dli1ee1:ei0e1:fi255ee" +
				"13:metadata_sizei-5e1:pi70000e4:reqqi0e1:vi3e6:yourip3:abc4:ipv64:abcde",
			ExtHandshake{M: map[string]int{"e": 0, "f": 255}}},
		{"wrong types ignored", "d1:m1:x1:p2:804:reqq1:5e", ExtHandshake{}},
		{"ipv6 yourip", "d6:yourip16:0123456789abcdefe", ExtHandshake{YourIP: []byte("0123456789abcdef")}},
		{"nested unknown", "d1:xld1:yli1eeeee", ExtHandshake{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseExtHandshake([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Errorf("got %+v, want %+v", h, tt.want)
			}
		})
	}
}

func TestParseExtHandshakeErrors(t *testing.T) {
	many := "d1:md"
	for i := range MaxExtensions + 1 {
		many += fmt.Sprintf("%d:x%03di1e", 4, i)
	}
	many += "ee"
	tests := map[string]string{
		"empty":         "",
		"not a dict":    "li1ee",
		"string":        "3:abc",
		"trailing":      "d1:mdeee",
		"duplicate key": "d1:v1:x1:v1:ye",
		"too many":      many,
		"too long":      "d1:v" + fmt.Sprint(MaxExtHandshakeLen) + ":" + strings.Repeat("x", MaxExtHandshakeLen) + "e",
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseExtHandshake([]byte(payload)); !errors.Is(err, ErrProtocol) {
				t.Errorf("err = %v, want ErrProtocol", err)
			}
		})
	}
}

func TestParseExtHandshakeTruncated(t *testing.T) {
	for _, payload := range []string{shoalExtWire, "d1:mdee", "d1:md6:ut_pexi1eee"} {
		for k := range len(payload) {
			if _, err := ParseExtHandshake([]byte(payload[:k])); !errors.Is(err, ErrProtocol) {
				t.Errorf("prefix %q: err = %v, want ErrProtocol", payload[:k], err)
			}
		}
	}
}

func TestExtID(t *testing.T) {
	h := ExtHandshake{M: map[string]int{"ut_metadata": 3, "ut_pex": 0, "odd": 300}}
	tests := []struct {
		name string
		id   uint8
		ok   bool
	}{
		{"ut_metadata", 3, true},
		{"ut_pex", 0, false},
		{"odd", 0, false},
		{"missing", 0, false},
	}
	for _, tt := range tests {
		if id, ok := h.ExtID(tt.name); id != tt.id || ok != tt.ok {
			t.Errorf("ExtID(%q) = %d, %v; want %d, %v", tt.name, id, ok, tt.id, tt.ok)
		}
	}
}

// FuzzExtHandshake checks that parsing never panics, respects its
// limits, and that whatever it accepts marshals and parses back to the
// same handshake.
func FuzzExtHandshake(f *testing.F) {
	f.Add([]byte(shoalExtWire))
	f.Add([]byte("d1:mdee"))
	f.Add([]byte("d1:md1:ai256e1:bi-1e1:c1:x1:dli1ee1:ei0eee"))
	f.Add([]byte("d1:xld1:yli1eeeee"))
	f.Add([]byte("d11:upload_onlyi1e4:ipv616:0123456789abcdefe"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		h, err := ParseExtHandshake(payload)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if len(h.M) > MaxExtensions {
			t.Fatalf("%d extensions", len(h.M))
		}
		b, err := h.Marshal()
		if err != nil {
			t.Fatalf("Marshal of parsed %+v: %v", h, err)
		}
		h2, err := ParseExtHandshake(b)
		if err != nil {
			t.Fatalf("parse of %q: %v", b, err)
		}
		if h.M == nil {
			h.M = map[string]int{}
		}
		if !maps.Equal(h.M, h2.M) {
			t.Fatalf("M %v became %v", h.M, h2.M)
		}
		h.M, h2.M = nil, nil
		if !reflect.DeepEqual(h, h2) {
			t.Fatalf("%+v became %+v", h, h2)
		}
	})
}
