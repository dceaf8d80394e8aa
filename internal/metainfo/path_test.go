package metainfo

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestSafeJoin(t *testing.T) {
	root := filepath.FromSlash("/downloads")
	cases := []struct {
		elems []string
		want  string // slash form; "" = error
	}{
		{[]string{"a"}, "/downloads/a"},
		{[]string{"root", "sub", "f.txt"}, "/downloads/root/sub/f.txt"},
		{[]string{"..."}, "/downloads/..."},
		{[]string{"a b", "ü"}, "/downloads/a b/ü"},
		{nil, ""},
		{[]string{""}, ""},
		{[]string{".."}, ""},
		{[]string{"a", ".."}, ""},
		{[]string{"."}, ""},
		{[]string{"a/../../b"}, ""},
		{[]string{"/abs"}, ""},
		{[]string{`a\b`}, ""},
		{[]string{"C:"}, ""},
		{[]string{"C:x"}, ""},
		{[]string{"a\x00"}, ""},
		{[]string{"a\x7f"}, ""},
	}
	for _, tc := range cases {
		got, err := SafeJoin(root, tc.elems)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrUnsafePath) {
				t.Errorf("SafeJoin(%q) = %q, %v; want ErrUnsafePath", tc.elems, got, err)
			}
			continue
		}
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("SafeJoin(%q) = %q, %v; want %q", tc.elems, got, err, tc.want)
			continue
		}
		rel, err := filepath.Rel(root, got)
		if err != nil || !filepath.IsLocal(rel) {
			t.Errorf("SafeJoin(%q) = %q escapes root", tc.elems, got)
		}
	}
}
