package metainfo

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseSingle(t *testing.T) {
	data := encode(t, torrent(singleInfo(), map[string]any{
		"announce-list": []any{[]any{"http://a/announce", ""}, []any{}, []any{"udp://b:80"}},
		"comment":       "hello",
		"created by":    "test",
		"creation date": int64(1700000000),
		"url-list":      "http://seed/",
	}))
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	infoBytes := encode(t, singleInfo())
	if !bytes.Equal(m.InfoBytes, infoBytes) || m.InfoHash != sha1.Sum(infoBytes) {
		t.Fatalf("info bytes or hash wrong")
	}
	if m.Announce != "http://127.0.0.1:6969/announce" || m.Comment != "hello" || m.CreatedBy != "test" ||
		m.CreationDate != 1700000000 || !reflect.DeepEqual(m.URLList, []string{"http://seed/"}) {
		t.Fatalf("top-level fields: %+v", m)
	}
	wantTiers := [][]string{{"http://a/announce"}, {"udp://b:80"}}
	if !reflect.DeepEqual(m.AnnounceList, wantTiers) || !reflect.DeepEqual(m.Tiers(), wantTiers) {
		t.Fatalf("tiers %q", m.AnnounceList)
	}
	i := &m.Info
	if i.IsMultiFile() || i.Name != "file.bin" || i.TotalLength() != 40000 || i.NumPieces() != 3 || i.Private {
		t.Fatalf("info: %+v", i)
	}
	if i.PieceSize(0) != 16384 || i.PieceSize(2) != 40000-2*16384 || i.PieceSize(3) != 0 || i.PieceSize(-1) != 0 {
		t.Fatal("PieceSize")
	}
	want := []File{{Path: []string{"file.bin"}, Length: 40000}}
	if got := i.FileList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("FileList = %+v", got)
	}
	if i.Pieces[1] != sha1.Sum([]byte("1")) {
		t.Fatal("piece hash")
	}
}

func TestParseMulti(t *testing.T) {
	info := multiInfo()
	info["private"] = int64(1)
	files := info["files"].([]any)
	pad := file(1000, ".pad", "1000")
	pad["attr"] = "p"
	info["files"] = append(files, pad)
	info["pieces"] = pieces(4)
	m, err := Parse(encode(t, torrent(info, map[string]any{"url-list": []any{"http://x/", "http://y/"}})))
	if err != nil {
		t.Fatal(err)
	}
	i := &m.Info
	if !i.IsMultiFile() || !i.Private || i.TotalLength() != 101000 || i.NumPieces() != 4 {
		t.Fatalf("info: %+v", i)
	}
	if i.PieceSize(3) != 101000-3*32768 {
		t.Fatalf("last piece %d", i.PieceSize(3))
	}
	if !reflect.DeepEqual(i.Files[2], File{Path: []string{"sub", "b.bin"}, Length: 30000, Offset: 50000}) {
		t.Fatalf("file 2: %+v", i.Files[2])
	}
	want := []File{
		{Path: []string{"root", "a.txt"}, Length: 50000, Offset: 0},
		{Path: []string{"root", "empty"}, Length: 0, Offset: 50000},
		{Path: []string{"root", "sub", "b.bin"}, Length: 30000, Offset: 50000},
		{Path: []string{"root", "sub", "deeper", "c"}, Length: 20000, Offset: 80000},
		{Path: []string{"root", ".pad", "1000"}, Length: 1000, Offset: 100000, Padding: true},
	}
	if got := i.FileList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("FileList = %+v", got)
	}
	if !reflect.DeepEqual(m.URLList, []string{"http://x/", "http://y/"}) {
		t.Fatalf("url-list %q", m.URLList)
	}
	if got := m.Tiers(); !reflect.DeepEqual(got, [][]string{{"http://127.0.0.1:6969/announce"}}) {
		t.Fatalf("Tiers = %q", got)
	}
	m.Announce = ""
	if m.Tiers() != nil {
		t.Fatal("Tiers without trackers")
	}
}

// The info hash is over the exact bytes, even with keys out of order and
// unknown keys; Encode keeps them.
func TestInfoBytesExact(t *testing.T) {
	info := "d6:lengthi40000e4:name8:file.bin6:pieces60:" + pieces(3) +
		"12:piece lengthi16384e6:sourcel1:xee"
	data := []byte("d8:announce3:url4:info" + info + "e")
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.InfoBytes) != info || m.InfoHash != sha1.Sum([]byte(info)) {
		t.Fatal("info bytes not exact")
	}
	out, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Fatalf("Encode = %q", out)
	}
	// Without InfoBytes the info dictionary is rebuilt canonically.
	m.InfoBytes = nil
	out, err = m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := sha1.Sum(encode(t, singleInfo())); m2.InfoHash != want {
		t.Fatal("canonical info hash")
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, info := range []map[string]any{singleInfo(), multiInfo()} {
		m, err := Parse(encode(t, torrent(info, map[string]any{
			"announce-list": []any{[]any{"a", "b"}, []any{"c"}},
			"comment":       "c", "created by": "me", "creation date": int64(5),
			"url-list": []any{"http://w/"},
		})))
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip:\n%+v\n%+v", m, m2)
		}
	}
}

func TestSetInfo(t *testing.T) {
	m0, err := Parse(encode(t, torrent(multiInfo(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	info := m0.Info
	info.Files = append([]File(nil), info.Files...)
	for i := range info.Files {
		info.Files[i].Offset = 0
	}
	var m MetaInfo
	if err := m.SetInfo(info); err != nil {
		t.Fatal(err)
	}
	if m.InfoHash != m0.InfoHash || !reflect.DeepEqual(m.Info, m0.Info) {
		t.Fatal("SetInfo differs from Parse")
	}
	info.Name = ".."
	if err := m.SetInfo(info); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("SetInfo(bad name) = %v", err)
	}
}

func TestParseInvalid(t *testing.T) {
	with := func(base func() map[string]any, k string, v any) map[string]any {
		m := base()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	files := func(fs ...any) map[string]any {
		m := multiInfo()
		var total int64
		for _, f := range fs {
			total += f.(map[string]any)["length"].(int64)
		}
		m["files"] = fs
		if total > 0 && total < 1<<40 {
			m["pieces"] = pieces(int((total-1)/32768 + 1))
		}
		return m
	}
	deep := strings.Repeat("l", 100) + strings.Repeat("e", 100)
	cases := []struct {
		name   string
		data   []byte
		msg    string
		unsafe bool
	}{
		{"empty", nil, "unexpected end", false},
		{"not a dict", []byte("li1ee"), "cannot decode list", false},
		{"trailing", append(encode(t, torrent(singleInfo(), nil)), 'x'), "trailing", false},
		{"no info", encode(t, map[string]any{"announce": "x"}), "no info", false},
		{"info not a dict", encode(t, torrent("x", nil)), "info", false},
		{"info is list", encode(t, torrent([]any{}, nil)), "cannot decode list", false},
		{"announce mistyped", encode(t, torrent(singleInfo(), map[string]any{"announce": int64(1)})), "cannot decode integer", false},
		{"announce-list mistyped", encode(t, torrent(singleInfo(), map[string]any{"announce-list": []any{"x"}})), "cannot decode string", false},
		{"creation date mistyped", encode(t, torrent(singleInfo(), map[string]any{"creation date": "x"})), "cannot decode string", false},
		{"negative creation date", encode(t, torrent(singleInfo(), map[string]any{"creation date": int64(-1)})), "creation date", false},
		{"url-list mistyped", encode(t, torrent(singleInfo(), map[string]any{"url-list": int64(1)})), "cannot decode integer", false},
		{"deeply nested", []byte("d4:deep" + deep + "e"), "nesting", false},
		{"deeply nested info", []byte("d4:infod1:x" + deep + "ee"), "nesting", false},
		{"huge string", []byte("d4:info99999999999:abce"), "exceeds", false},
		{"name mistyped", encode(t, torrent(with(singleInfo, "name", int64(1)), nil)), "cannot decode integer", false},
		{"piece length mistyped", encode(t, torrent(with(singleInfo, "piece length", "1"), nil)), "cannot decode string", false},
		{"pieces mistyped", encode(t, torrent(with(singleInfo, "pieces", int64(1)), nil)), "cannot decode integer", false},
		{"length mistyped", encode(t, torrent(with(singleInfo, "length", "1"), nil)), "cannot decode string", false},
		{"files mistyped", encode(t, torrent(with(multiInfo, "files", "x"), nil)), "cannot decode string", false},
		{"path mistyped", encode(t, torrent(files(map[string]any{"length": int64(1), "path": "a"}), nil)), "cannot decode string", false},
		{"private mistyped", encode(t, torrent(with(singleInfo, "private", int64(2)), nil)), "bool", false},
		{"no name", encode(t, torrent(with(singleInfo, "name", nil), nil)), "empty name", false},
		{"zero piece length", encode(t, torrent(with(singleInfo, "piece length", int64(0)), nil)), "piece length 0", false},
		{"negative piece length", encode(t, torrent(with(singleInfo, "piece length", int64(-16384)), nil)), "piece length", false},
		{"huge piece length", encode(t, torrent(with(singleInfo, "piece length", int64(1)<<40), nil)), "piece length", false},
		{"too few hashes", encode(t, torrent(with(singleInfo, "pieces", pieces(2)), nil)), "want 3", false},
		{"too many hashes", encode(t, torrent(with(singleInfo, "pieces", pieces(4)), nil)), "want 3", false},
		{"pieces not multiple of 20", encode(t, torrent(with(singleInfo, "pieces", pieces(3)+"x"), nil)), "multiple of 20", false},
		{"no pieces (v2 only)", encode(t, torrent(with(singleInfo, "pieces", nil), nil)), "no pieces", false},
		{"negative length", encode(t, torrent(with(singleInfo, "length", int64(-1)), nil)), "negative length", false},
		{"zero length", encode(t, torrent(with(func() map[string]any { return with(singleInfo, "length", int64(0)) }, "pieces", ""), nil)), "total length 0", false},
		{"length and files", encode(t, torrent(with(multiInfo, "length", int64(1)), nil)), "both", false},
		{"neither length nor files", encode(t, torrent(with(singleInfo, "length", nil), nil)), "neither", false},
		{"empty files", encode(t, torrent(with(multiInfo, "files", []any{}), nil)), "empty file list", false},
		{"all files empty", encode(t, torrent(with(func() map[string]any { return files(file(0, "a")) }, "pieces", ""), nil)), "total length 0", false},
		{"negative file length", encode(t, torrent(files(file(-1, "a"), file(10, "b")), nil)), "negative length", false},
		{"total overflow", encode(t, torrent(files(file(math.MaxInt64, "a"), file(1, "b")), nil)), "overflow", false},
		{"name ..", encode(t, torrent(with(singleInfo, "name", ".."), nil)), `".."`, true},
		{"name .", encode(t, torrent(with(singleInfo, "name", "."), nil)), `"."`, true},
		{"name with slash", encode(t, torrent(with(singleInfo, "name", "a/b"), nil)), "separator", true},
		{"name absolute", encode(t, torrent(with(singleInfo, "name", "/etc"), nil)), "separator", true},
		{"name drive", encode(t, torrent(with(singleInfo, "name", "C:"), nil)), "drive", true},
		{"path ..", encode(t, torrent(files(file(10, "..", "x")), nil)), `".."`, true},
		{"path inner ..", encode(t, torrent(files(file(10, "a", "..", "..", "x")), nil)), `".."`, true},
		{"path .", encode(t, torrent(files(file(10, "a", ".")), nil)), `"."`, true},
		{"path absolute", encode(t, torrent(files(file(10, "/etc/passwd")), nil)), "separator", true},
		{"path backslash", encode(t, torrent(files(file(10, `..\..\x`)), nil)), "separator", true},
		{"path drive", encode(t, torrent(files(file(10, "c:x")), nil)), "drive", true},
		{"path NUL", encode(t, torrent(files(file(10, "a\x00b")), nil)), "NUL", true},
		{"path control", encode(t, torrent(files(file(10, "a\nb")), nil)), "control", true},
		{"path empty element", encode(t, torrent(files(file(10, "a", "")), nil)), "empty path element", true},
		{"path empty", encode(t, torrent(files(file(10)), nil)), "empty path", true},
		{"path missing", encode(t, torrent(files(map[string]any{"length": int64(10)}), nil)), "empty path", true},
		{"duplicate file", encode(t, torrent(files(file(10, "a", "b"), file(10, "a", "b")), nil)), "duplicate path", true},
		{"file then folder", encode(t, torrent(files(file(10, "a"), file(10, "a", "b")), nil)), "also a file", true},
		{"folder then file", encode(t, torrent(files(file(10, "a", "b", "c"), file(10, "a", "b")), nil)), "also a folder", true},
		{"duplicate key", []byte("d4:infoi1e4:infoi2ee"), "duplicate", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", m)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "metainfo: ") {
				t.Fatalf("error %q, want %q", err, tc.msg)
			}
			if errors.Is(err, ErrUnsafePath) != tc.unsafe {
				t.Fatalf("errors.Is(%v, ErrUnsafePath) = %v", err, !tc.unsafe)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := make([]byte, MaxTorrentSize+1)
	if _, err := Parse(data); err == nil || !strings.Contains(err.Error(), "exceeds limit") {
		t.Fatalf("Parse(huge) = %v", err)
	}
}

func TestParseTruncated(t *testing.T) {
	for _, info := range []map[string]any{singleInfo(), multiInfo()} {
		data := encode(t, torrent(info, map[string]any{"announce-list": []any{[]any{"a"}}}))
		for n := range len(data) {
			if _, err := Parse(data[:n]); err == nil {
				t.Fatalf("prefix of %d bytes parsed", n)
			}
		}
	}
}
