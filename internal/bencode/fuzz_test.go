package bencode

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, tc := range validCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range invalidCases {
		f.Add([]byte(tc.in))
	}
	f.Add(bigTorrent(3))
	f.Add([]byte("d4:name4:root4:hash4:abcd3:ptrd4:name1:xe3:rawd1:bi1e1:ai2ee4:pairli1ei2eee"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decodeState{data: data}
		v, err := d.any()
		if err == nil {
			err = d.end()
		}
		if (Valid(data) == nil) != (err == nil) {
			t.Fatalf("Valid and Decode disagree on %q: %v", data, err)
		}
		if err == nil {
			out, err := Marshal(v)
			if err != nil {
				t.Fatalf("Marshal(Decode(%q)): %v", data, err)
			}
			if !d.unsorted && !bytes.Equal(out, data) {
				t.Fatalf("sorted input %q re-encoded as %q", data, out)
			}
			v2, err := Decode(out)
			if err != nil || !reflect.DeepEqual(v, v2) {
				t.Fatalf("Decode(Marshal(Decode(%q))) = %#v, %v", data, v2, err)
			}
		}

		var s sample
		if Unmarshal(data, &s) != nil {
			return
		}
		b1, err := Marshal(&s)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", s, err)
		}
		var s2 sample
		if err := Unmarshal(b1, &s2); err != nil {
			t.Fatalf("Unmarshal(%q): %v", b1, err)
		}
		b2, err := Marshal(&s2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("struct round trip %q -> %q (%v)", b1, b2, err)
		}
	})
}
