package metainfo

import (
	"reflect"
	"strings"
	"testing"

	"shoal/internal/bt"
)

const hashHex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"

func TestParseMagnet(t *testing.T) {
	h, _ := bt.ParseInfoHash(hashHex)
	cases := []struct {
		in   string
		want Magnet
	}{
		{"magnet:?xt=urn:btih:" + hashHex, Magnet{InfoHash: h}},
		{"magnet:?xt=urn:btih:" + strings.ToUpper(hashHex) + "&dn=My+File%21", Magnet{InfoHash: h, Name: "My File!"}},
		{"magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK", Magnet{InfoHash: h}},
		{"magnet:?xt=urn:btih:yex6dqdlxisuvhoj6um3gnnkpqjwpkek", Magnet{InfoHash: h}},
		{"magnet:?XT=x&xt=urn:btmh:1220abcd&xt=URN:BTIH:" + hashHex +
			"&tr.2=udp%3A%2F%2Fc&tr=http%3A%2F%2Fa%2Fannounce&tr=&tr.1=udp%3A%2F%2Fb&tr=http://d&x.pe=127.0.0.1:6881&x.pe=%5B%3A%3A1%5D%3A1",
			Magnet{InfoHash: h, Trackers: []string{"http://a/announce", "http://d", "udp://b", "udp://c"},
				Peers: []string{"127.0.0.1:6881", "[::1]:1"}}},
		{"magnet:?xt=urn:btih:" + hashHex + "&xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK", Magnet{InfoHash: h}},
	}
	for _, tc := range cases {
		got, err := ParseMagnet(tc.in)
		if err != nil {
			t.Errorf("ParseMagnet(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseMagnet(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		again, err := ParseMagnet(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip %q: %+v, %v", got.String(), again, err)
		}
	}
}

func TestParseMagnetInvalid(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "scheme"},
		{"http://x/?xt=urn:btih:" + hashHex, "scheme"},
		{"magnet:?dn=x", "no urn:btih"},
		{"magnet:?xt=urn:btmh:1220" + hashHex, "no urn:btih"},
		{"magnet:?xt=urn:btih:" + hashHex[:39], "want 40 hex"},
		{"magnet:?xt=urn:btih:" + hashHex[:39] + "g", "invalid byte"},
		{"magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1", "illegal base32"},
		{"magnet:?xt=urn:btih:" + hashHex + "&xt=urn:btih:" + strings.Repeat("0", 40), "two different"},
		{"magnet:?xt=urn:btih:" + hashHex + "&dn=%zz", "invalid URL escape"},
		{"magnet:?xt=urn:btih:" + hashHex + "&dn=" + strings.Repeat("a", MaxMagnetLength), "exceeds limit"},
	}
	for _, tc := range cases {
		_, err := ParseMagnet(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "metainfo: ") {
			t.Errorf("ParseMagnet(%.60q) = %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestMetaInfoMagnet(t *testing.T) {
	m, err := Parse(encode(t, torrent(singleInfo(), map[string]any{
		"announce-list": []any{[]any{"http://a", "http://b"}, []any{"http://a"}},
	})))
	if err != nil {
		t.Fatal(err)
	}
	want := Magnet{InfoHash: m.InfoHash, Name: "file.bin", Trackers: []string{"http://a", "http://b"}}
	if got := m.Magnet(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Magnet = %+v", got)
	}
}
