package bencode

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestMarshal(t *testing.T) {
	type inner struct {
		B int `bencode:"b"`
		A int `bencode:"a"`
	}
	type outer struct {
		Z       string         `bencode:"z"`
		Inner   inner          `bencode:"inner"`
		Omitted string         `bencode:"omitted,omitempty"`
		Nil     *inner         `bencode:"nil"`
		NilAny  any            `bencode:"nilany"`
		Raw     RawMessage     `bencode:"raw"`
		Bytes   []byte         `bencode:"bytes"`
		Hash    [3]byte        `bencode:"hash"`
		Flag    bool           `bencode:"flag"`
		U       uint64         `bencode:"u"`
		M       map[string]any `bencode:"m"`
		L       []int          `bencode:"l"`
		Ignored int            `bencode:"-"`
	}
	cases := []struct {
		in   any
		want string
	}{
		{int64(-3), "i-3e"},
		{0, "i0e"},
		{uint8(255), "i255e"},
		{uint64(math.MaxUint64), "i18446744073709551615e"},
		{true, "i1e"},
		{false, "i0e"},
		{"", "0:"},
		{"spam", "4:spam"},
		{[]byte("ab"), "2:ab"},
		{[]byte(nil), "0:"},
		{[2]byte{'x', 'y'}, "2:xy"},
		{[]int(nil), "le"},
		{[]any{int64(1), "a", []any{}}, "li1e1:alee"},
		{map[string]int{"b": 1, "a": 2, "": 0}, "d0:i0e1:ai2e1:bi1ee"},
		{map[string]any{"x": nil, "y": int64(1)}, "d1:yi1ee"},
		{map[myKey]myValue{"k": 1}, "d1:ki1ee"},
		{RawMessage("li1ee"), "li1ee"},
		{&inner{B: 1, A: 2}, "d1:ai2e1:bi1ee"},
		{outer{Z: "z", Raw: RawMessage("de"), Hash: [3]byte{1, 2, 3}, M: map[string]any{"k": "v"}, L: []int{1}},
			"d5:bytes0:4:flagi0e4:hash3:\x01\x02\x035:innerd1:ai0e1:bi0ee1:lli1ee1:md1:k1:ve3:rawde1:ui0e1:z1:ze"},
	}
	for _, tc := range cases {
		got, err := Marshal(tc.in)
		if err != nil {
			t.Errorf("Marshal(%#v): %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Marshal(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	type dup struct {
		A int `bencode:"x"`
		B int `bencode:"x"`
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	var self any
	self = &self
	deep := any(int64(1))
	for range MaxDepth + 1 {
		deep = []any{deep}
	}
	cases := []struct {
		in  any
		msg string
	}{
		{nil, "nil"},
		{1.5, "unsupported type float64"},
		{[]any{nil}, "nil"},
		{(*int)(nil), "nil"},
		{map[int]int{1: 1}, "map key"},
		{RawMessage("i1"), "invalid RawMessage"},
		{RawMessage(nil), "empty RawMessage"},
		{dup{}, "two fields"},
		{make(chan int), "unsupported"},
		{cyclic, "deeper"},
		{self, "deeper"},
		{deep, "deeper"},
		{badMarshaler{}, "boom"},
		{invalidMarshaler{}, "invalid"},
	}
	for _, tc := range cases {
		_, err := Marshal(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "bencode: ") {
			t.Errorf("Marshal(%T) = %v, want error with %q", tc.in, err, tc.msg)
		}
	}
}

type badMarshaler struct{}

func (badMarshaler) MarshalBencode() ([]byte, error) { return nil, errBoom }

type invalidMarshaler struct{}

func (invalidMarshaler) MarshalBencode() ([]byte, error) { return []byte("i1ei2e"), nil }

var errBoom = errorString("boom")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestRoundTripCanonical(t *testing.T) {
	for _, tc := range validCases {
		v, err := Decode([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		if tc.canonical && string(out) != tc.in {
			t.Errorf("round trip %q -> %q", tc.in, out)
		}
		v2, err := Decode(out)
		if err != nil || !reflect.DeepEqual(v, v2) {
			t.Errorf("re-decode %q: %v %#v", out, err, v2)
		}
	}
}

func TestAppendMarshal(t *testing.T) {
	b, err := AppendMarshal([]byte("x"), []string{"a"})
	if err != nil || string(b) != "xl1:ae" {
		t.Fatalf("AppendMarshal = %q, %v", b, err)
	}
}
