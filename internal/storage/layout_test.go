package storage

import (
	"math"
	"strings"
	"testing"
)

func TestLayoutSizes(t *testing.T) {
	l := Layout{PieceLength: 10, Files: []File{{"a", 7}, {"b", 0}, {"c", 18}}, Hashes: make([][20]byte, 3)}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := l.TotalLength(); got != 25 {
		t.Errorf("TotalLength = %d, want 25", got)
	}
	if got := l.NumPieces(); got != 3 {
		t.Errorf("NumPieces = %d, want 3", got)
	}
	for i, want := range map[int]int64{-1: 0, 0: 10, 1: 10, 2: 5, 3: 0, math.MaxInt: 0} {
		if got := l.PieceSize(i); got != want {
			t.Errorf("PieceSize(%d) = %d, want %d", i, got, want)
		}
	}
}

func TestLayoutValidate(t *testing.T) {
	h := func(n int) [][20]byte { return make([][20]byte, n) }
	tests := []struct {
		name string
		l    Layout
		want string // substring of the error; empty means valid
	}{
		{"ok", Layout{PieceLength: 4, Files: []File{{"a", 5}}, Hashes: h(2)}, ""},
		{"ok nested", Layout{PieceLength: 4, Files: []File{{"d/a", 4}, {"d/b", 0}, {"e/f/g", 1}}, Hashes: h(2)}, ""},
		{"only empty files", Layout{PieceLength: 4, Files: []File{{"a", 0}}}, ""},
		{"zero piece length", Layout{PieceLength: 0, Files: []File{{"a", 5}}, Hashes: h(2)}, "piece length"},
		{"huge piece length", Layout{PieceLength: MaxPieceLength + 1, Files: []File{{"a", 5}}, Hashes: h(1)}, "piece length"},
		{"no files", Layout{PieceLength: 4}, "no files"},
		{"negative", Layout{PieceLength: 4, Files: []File{{"a", -1}}}, "negative"},
		{"overflow", Layout{PieceLength: 4, Files: []File{{"a", math.MaxInt64}, {"b", 1}}}, "overflows"},
		{"too few hashes", Layout{PieceLength: 4, Files: []File{{"a", 5}}, Hashes: h(1)}, "1 hashes for 2 pieces"},
		{"too many hashes", Layout{PieceLength: 4, Files: []File{{"a", 5}}, Hashes: h(3)}, "3 hashes for 2 pieces"},
		{"dotdot", Layout{PieceLength: 4, Files: []File{{"../x", 1}}, Hashes: h(1)}, "not local"},
		{"inner dotdot", Layout{PieceLength: 4, Files: []File{{"a/../../x", 1}}, Hashes: h(1)}, "not local"},
		{"absolute", Layout{PieceLength: 4, Files: []File{{"/etc/passwd", 1}}, Hashes: h(1)}, "not local"},
		{"empty path", Layout{PieceLength: 4, Files: []File{{"", 1}}, Hashes: h(1)}, "empty path"},
		{"dot", Layout{PieceLength: 4, Files: []File{{".", 1}}, Hashes: h(1)}, "empty path"},
		{"unclean", Layout{PieceLength: 4, Files: []File{{"a//b", 1}}, Hashes: h(1)}, "not clean"},
		{"dot prefix", Layout{PieceLength: 4, Files: []File{{"./a", 1}}, Hashes: h(1)}, "not clean"},
		{"duplicate", Layout{PieceLength: 4, Files: []File{{"a", 1}, {"a", 1}}, Hashes: h(1)}, "duplicate"},
		{"file and dir", Layout{PieceLength: 4, Files: []File{{"a", 1}, {"a/b", 1}}, Hashes: h(1)}, "both a file and a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want error containing %q", err, tt.want)
			case err != nil && !strings.HasPrefix(err.Error(), "storage: "):
				t.Fatalf("error %q lacks package prefix", err)
			}
		})
	}
}
