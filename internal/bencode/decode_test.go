package bencode

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// validCases are well-formed inputs with their generic form. Those with
// canonical set are their own canonical encoding.
var validCases = []struct {
	in        string
	want      any
	canonical bool
}{
	{"i0e", int64(0), true},
	{"i42e", int64(42), true},
	{"i-42e", int64(-42), true},
	{"i9223372036854775807e", int64(math.MaxInt64), true},
	{"i-9223372036854775808e", int64(math.MinInt64), true},
	{"0:", "", true},
	{"4:spam", "spam", true},
	{"3:\x00\xff:", "\x00\xff:", true},
	{"le", []any{}, true},
	{"li1e3:abce", []any{int64(1), "abc"}, true},
	{"lli1eee", []any{[]any{int64(1)}}, true},
	{"de", map[string]any{}, true},
	{"d3:cow3:moo4:spam4:eggse", map[string]any{"cow": "moo", "spam": "eggs"}, true},
	{"d4:spaml1:a1:bee", map[string]any{"spam": []any{"a", "b"}}, true},
	{"d0:i1ee", map[string]any{"": int64(1)}, true},
	{"d1:ai1e2:aai2ee", map[string]any{"a": int64(1), "aa": int64(2)}, true},
	// Keys out of order are accepted.
	{"d4:spam4:eggs3:cow3:mooe", map[string]any{"cow": "moo", "spam": "eggs"}, false},
	{"d1:bi1e1:ai2e1:ci3ee", map[string]any{"a": int64(2), "b": int64(1), "c": int64(3)}, false},
}

var invalidCases = []struct {
	in     string
	offset int
	msg    string
}{
	{"", 0, "unexpected end"},
	{"i", 1, "unexpected end"},
	{"i1", 2, "unexpected end"},
	{"ie", 0, "without digits"},
	{"i-e", 0, "without digits"},
	{"i03e", 0, "leading zero"},
	{"i-03e", 0, "leading zero"},
	{"i00e", 0, "leading zero"},
	{"i-0e", 0, "negative zero"},
	{"i+1e", 1, "invalid byte"},
	{"i1.5e", 2, "invalid byte"},
	{"i 1e", 1, "invalid byte"},
	{"i9223372036854775808e", 0, "overflow"},
	{"i-9223372036854775809e", 0, "overflow"},
	{"i99999999999999999999999e", 0, "overflow"},
	{"03:abc", 0, "leading zero"},
	{"00:", 0, "leading zero"},
	{"3:ab", 0, "exceeds remaining"},
	{"4", 0, "exceeds input"},
	{"1", 1, "unexpected end"},
	{"1x", 1, "invalid byte"},
	{"4x", 0, "exceeds input"},
	{"99999999999999999999999:", 0, "exceeds input"},
	{"9223372036854775807:a", 0, "exceeds input"},
	{"-1:a", 0, "invalid byte"},
	{"l", 1, "unexpected end"},
	{"li1e", 4, "unexpected end"},
	{"d", 1, "unexpected end"},
	{"d1:a", 4, "unexpected end"},
	{"di1ei2ee", 1, "key must be a string"},
	{"dlee", 1, "key must be a string"},
	{"d1:ai1e1:ai2ee", 7, "duplicate"},
	{"d1:bi1e1:ai1e1:bi2ee", 13, "duplicate"},
	{"d1:bi1e1:ai1e1:ai2ee", 13, "duplicate"},
	{"i1ei2e", 3, "trailing"},
	{"4:spamx", 6, "trailing"},
	{"lee", 2, "trailing"},
	{"e", 0, "invalid byte"},
	{"x", 0, "invalid byte"},
	{"l" + strings.Repeat("l", MaxDepth) + strings.Repeat("e", MaxDepth+1), MaxDepth, "nesting"},
	{strings.Repeat("d1:a", MaxDepth) + "i1e" + strings.Repeat("e", MaxDepth) + "x", 256 + 3 + 64, "trailing"},
	{strings.Repeat("d1:a", MaxDepth+1) + "i1e" + strings.Repeat("e", MaxDepth+1), 256, "nesting"},
}

func TestDecodeValid(t *testing.T) {
	for _, tc := range validCases {
		got, err := Decode([]byte(tc.in))
		if err != nil {
			t.Errorf("Decode(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		if err := Valid([]byte(tc.in)); err != nil {
			t.Errorf("Valid(%q): %v", tc.in, err)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, tc := range invalidCases {
		_, err := Decode([]byte(tc.in))
		checkError(t, "Decode", tc.in, err, tc.offset, tc.msg)
		checkError(t, "Valid", tc.in, Valid([]byte(tc.in)), tc.offset, tc.msg)
		var x any
		checkError(t, "Unmarshal", tc.in, Unmarshal([]byte(tc.in), &x), tc.offset, tc.msg)
	}
}

func checkError(t *testing.T, fn, in string, err error, offset int, msg string) {
	t.Helper()
	short := in
	if len(short) > 40 {
		short = short[:40] + "..."
	}
	var be *Error
	if !errors.As(err, &be) {
		t.Errorf("%s(%q) = %v, want *Error", fn, short, err)
		return
	}
	if be.Offset != offset || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s(%q) = %v, want offset %d and %q", fn, short, err, offset, msg)
	}
	if !strings.HasPrefix(err.Error(), "bencode: offset ") {
		t.Errorf("%s(%q): error %q lacks prefix", fn, short, err)
	}
}

// Every proper prefix of a valid value must fail cleanly.
func TestDecodeTruncated(t *testing.T) {
	for _, tc := range validCases {
		for n := range len(tc.in) {
			if _, err := Decode([]byte(tc.in[:n])); err == nil {
				t.Errorf("Decode(%q) succeeded", tc.in[:n])
			}
		}
	}
}

type sample struct {
	Name     string            `bencode:"name"`
	Length   int64             `bencode:"length,omitempty"`
	Small    int8              `bencode:"small,omitempty"`
	Unsigned uint64            `bencode:"unsigned,omitempty"`
	Flag     bool              `bencode:"flag,omitempty"`
	Data     []byte            `bencode:"data,omitempty"`
	Hash     [4]byte           `bencode:"hash,omitempty"`
	List     []string          `bencode:"list,omitempty"`
	Nested   [][]int           `bencode:"nested,omitempty"`
	Map      map[string]int    `bencode:"map,omitempty"`
	Ptr      *sample           `bencode:"ptr,omitempty"`
	Any      any               `bencode:"any,omitempty"`
	Raw      RawMessage        `bencode:"raw,omitempty"`
	Pair     [2]int            `bencode:"pair,omitempty"`
	Skipped  string            `bencode:"-"`
	Untagged string            `bencode:",omitempty"`
	Raws     []RawMessage      `bencode:"raws,omitempty"`
	Named    map[myKey]myValue `bencode:"named,omitempty"`
	private  int               // unexported fields are ignored
}

type myKey string
type myValue int16

func TestUnmarshalStruct(t *testing.T) {
	in := "d3:anyli1e1:xe4:data3:\x01\x02\x034:flagi1e4:hash4:abcd6:lengthi-7e" +
		"4:listl1:a1:be3:mapd1:xi1e1:yi2ee5:namedd1:ki3ee4:name4:root6:nestedlli1eeli2ei3eee" +
		"4:pairli5ei6ee3:ptrd4:name5:childe3:rawd1:bi1e1:ai2ee4:rawsli1e3:abce5:smalli-128e" +
		"7:unknownd1:zle1:yi1ee8:Untagged1:u8:unsignedi18446744073709551615ee"
	var s sample
	if err := Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	want := sample{
		Name: "root", Length: -7, Small: -128, Unsigned: math.MaxUint64, Flag: true,
		Data: []byte{1, 2, 3}, Hash: [4]byte{'a', 'b', 'c', 'd'}, List: []string{"a", "b"},
		Nested: [][]int{{1}, {2, 3}}, Map: map[string]int{"x": 1, "y": 2},
		Ptr: &sample{Name: "child"}, Any: []any{int64(1), "x"},
		Raw: RawMessage("d1:bi1e1:ai2ee"), Pair: [2]int{5, 6}, Untagged: "u",
		Raws:  []RawMessage{RawMessage("i1e"), RawMessage("3:abc")},
		Named: map[myKey]myValue{"k": 3},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %+v\nwant %+v", s, want)
	}
	s.private = 1
	s.Skipped = "skipped"
	out, err := Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "private") || strings.Contains(string(out), "kipped") {
		t.Fatalf("Marshal wrote ignored fields: %q", out)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	type ints struct {
		I8  int8   `bencode:"a"`
		U8  uint8  `bencode:"b"`
		U   uint   `bencode:"c"`
		B   bool   `bencode:"d"`
		S   string `bencode:"e"`
		H   [2]byte
		Bs  []byte
		P   [2]int
		F   float64
		Err error
	}
	cases := []struct {
		in     string
		offset int
		msg    string
	}{
		{"d1:ai128ee", 4, "overflows int8"},
		{"d1:ai-129ee", 4, "overflows int8"},
		{"d1:bi256ee", 4, "overflows uint8"},
		{"d1:ci-1ee", 4, "overflows uint"},
		{"d1:di2ee", 4, "not a bool"},
		{"d1:ei1ee", 4, "cannot decode integer"},
		{"d1:eleee", 4, "cannot decode list"},
		{"d1:Hi1ee", 4, "cannot decode integer"},
		{"d1:Hli1ei2eee", 4, "cannot decode list"}, // byte arrays are strings
		{"d2:Bsli1ei2eee", 5, "cannot decode list"},
		{"d2:Bslee", 5, "cannot decode list"},
		{"d1:H3:abce", 4, "length 3"},
		{"d1:Pli1eee", 4, "length 1"},
		{"d1:Pli1ei2ei3eee", 4, "longer"},
		{"d1:Fi1ee", 4, "cannot decode integer"},
		{"d3:Erri1ee", 6, "interface type"},
		{"li1ee", 0, "cannot decode list"},
	}
	for _, tc := range cases {
		var v ints
		checkError(t, "Unmarshal", tc.in, Unmarshal([]byte(tc.in), &v), tc.offset, tc.msg)
	}
	var m map[int]int
	checkError(t, "Unmarshal", "de", Unmarshal([]byte("de"), &m), 0, "cannot decode dictionary")
	if err := Unmarshal([]byte("i1e"), nil); err == nil {
		t.Error("Unmarshal into nil succeeded")
	}
	var n int
	if err := Unmarshal([]byte("i1e"), n); err == nil {
		t.Error("Unmarshal into non-pointer succeeded")
	}
}

func TestUnmarshalReuse(t *testing.T) {
	s := []int{9, 9, 9}
	if err := Unmarshal([]byte("li1ee"), &s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, []int{1}) {
		t.Fatalf("got %v", s)
	}
	var empty []int
	if err := Unmarshal([]byte("le"), &empty); err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("empty list: %v %#v", err, empty)
	}
	var p *int
	if err := Unmarshal([]byte("i5e"), &p); err != nil || p == nil || *p != 5 {
		t.Fatalf("pointer: %v", err)
	}
}

// RawMessage keeps the exact bytes, including keys out of order.
func TestRawMessageExact(t *testing.T) {
	var v struct {
		Info RawMessage `bencode:"info"`
		Rest any        `bencode:"rest"`
	}
	info := "d6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces0:1:zd1:bi1e1:ai1eee"
	in := "d4:rest0:4:info" + info + "e"
	if err := Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if string(v.Info) != info {
		t.Fatalf("raw = %q", v.Info)
	}
	out, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := "d4:info" + info + "4:rest0:e"; string(out) != want {
		t.Fatalf("Marshal = %q, want %q", out, want)
	}
}

type upper string

func (u *upper) UnmarshalBencode(b []byte) error {
	var s string
	if err := Unmarshal(b, &s); err != nil {
		return err
	}
	*u = upper(strings.ToUpper(s))
	return nil
}

func (u upper) MarshalBencode() ([]byte, error) {
	return Marshal(strings.ToLower(string(u)))
}

func TestCustomCodec(t *testing.T) {
	var v struct {
		U upper  `bencode:"u"`
		P *upper `bencode:"p"`
	}
	if err := Unmarshal([]byte("d1:p1:x1:u3:abce"), &v); err != nil {
		t.Fatal(err)
	}
	if v.U != "ABC" || v.P == nil || *v.P != "X" {
		t.Fatalf("got %+v", v)
	}
	out, err := Marshal(v)
	if err != nil || string(out) != "d1:p1:x1:u3:abce" {
		t.Fatalf("Marshal = %q, %v", out, err)
	}
	if err := Unmarshal([]byte("d1:ui1ee"), &v); err == nil || !strings.Contains(err.Error(), "offset 4") {
		t.Fatalf("custom error: %v", err)
	}
}

func TestDecodeNoAllocPerPiece(t *testing.T) {
	data := bigTorrent(100_000)
	var mi benchTorrent
	allocs := testing.AllocsPerRun(10, func() {
		if err := Unmarshal(data, &mi); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 30 {
		t.Fatalf("%v allocations to decode a torrent with 100k pieces", allocs)
	}
}

func TestUnmarshalPrefix(t *testing.T) {
	var v struct {
		Type  int `bencode:"msg_type"`
		Piece int `bencode:"piece"`
	}
	data := []byte("d8:msg_typei1e5:piecei2eeRAWDATA")
	n, err := UnmarshalPrefix(data, &v)
	if err != nil || n != len(data)-7 || v.Type != 1 || v.Piece != 2 {
		t.Fatalf("UnmarshalPrefix = %d, %v, %+v", n, err, v)
	}
	for i := range len(data) - 7 {
		if _, err := UnmarshalPrefix(data[:i], &v); err == nil {
			t.Fatalf("prefix of %d bytes decoded", i)
		}
	}
}
