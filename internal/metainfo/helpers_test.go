package metainfo

import (
	"crypto/sha1"
	"strconv"
	"testing"

	"shoal/internal/bencode"
)

// pieces returns n distinct fake piece hashes in wire form.
func pieces(n int) string {
	b := make([]byte, 0, 20*n)
	for i := range n {
		h := sha1.Sum([]byte(strconv.Itoa(i)))
		b = append(b, h[:]...)
	}
	return string(b)
}

func singleInfo() map[string]any {
	return map[string]any{
		"name":         "file.bin",
		"piece length": int64(16384),
		"length":       int64(40000),
		"pieces":       pieces(3),
	}
}

func file(length int64, path ...string) map[string]any {
	p := make([]any, len(path))
	for i, e := range path {
		p[i] = e
	}
	return map[string]any{"length": length, "path": p}
}

func multiInfo() map[string]any {
	return map[string]any{
		"name":         "root",
		"piece length": int64(32768),
		"pieces":       pieces(4),
		"files": []any{
			file(50000, "a.txt"),
			file(0, "empty"),
			file(30000, "sub", "b.bin"),
			file(20000, "sub", "deeper", "c"),
		},
	}
}

func torrent(info any, extra map[string]any) map[string]any {
	m := map[string]any{"announce": "http://127.0.0.1:6969/announce", "info": info}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := bencode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
