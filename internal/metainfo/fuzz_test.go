package metainfo

import (
	"reflect"
	"testing"
)

func FuzzParse(f *testing.F) {
	good := []map[string]any{singleInfo(), multiInfo()}
	for _, info := range good {
		f.Add(encode(f, torrent(info, nil)))
		f.Add(encode(f, torrent(info, map[string]any{
			"announce-list": []any{[]any{"a", "b"}}, "url-list": "u", "creation date": int64(1),
		})))
	}
	bad := multiInfo()
	bad["files"] = []any{file(10, "..", "x"), file(10, "a")}
	f.Add(encode(f, torrent(bad, nil)))
	f.Add([]byte("d4:infod6:lengthi0e4:name1:a12:piece lengthi0e6:pieces0:ee"))
	f.Add([]byte("d4:info99999999999:abce"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		var sum int64
		for _, fl := range m.Info.FileList() {
			if _, err := SafeJoin("/root", fl.Path); err != nil {
				t.Fatalf("parsed torrent has unsafe path %q: %v", fl.Path, err)
			}
			if fl.Offset != sum {
				t.Fatalf("offset %d, want %d", fl.Offset, sum)
			}
			sum += fl.Length
		}
		n := m.Info.NumPieces()
		if sum != m.Info.TotalLength() || n == 0 ||
			int64(n-1)*m.Info.PieceLength+m.Info.PieceSize(n-1) != sum || m.Info.PieceSize(n-1) <= 0 {
			t.Fatalf("inconsistent layout: %+v", m.Info)
		}
		out, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip:\n%+v\n%+v", m, m2)
		}
		_ = m.Magnet().String()
	})
}

func FuzzParseMagnet(f *testing.F) {
	f.Add("magnet:?xt=urn:btih:" + hashHex + "&dn=x&tr=http%3A%2F%2Fa&x.pe=1.2.3.4:5")
	f.Add("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&tr.1=a&tr.10=b&tr.2=c")
	f.Add("magnet:?dn=x")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMagnet(s)
		if err != nil {
			return
		}
		m2, err := ParseMagnet(m.String())
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip %q -> %q: %+v %v", s, m.String(), m2, err)
		}
	})
}
