package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Fatalf("--help: code %d, output %q", code, out)
	}
	for _, c := range commands {
		code, out, errs := runCLI(t, c.name, "--help")
		if code != 0 || !strings.Contains(out, "Usage: shoal "+c.name) || !strings.Contains(out, "Flags:") {
			t.Errorf("%s --help: code %d, stdout %q, stderr %q", c.name, code, out, errs)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"get"},
		{"get", "a.torrent", "--no-such-flag"},
		{"seed", "a.torrent"},
		{"create"},
		{"create", ".", "--piece-length", "3000"},
		{"create", ".", "--tracker", "ftp://x"},
		{"get", "a.torrent", "--peer", "nonsense"},
		{"get", "a.torrent", "--up-limit", "lots"},
	}
	for _, args := range cases {
		code, _, errs := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errs)
		}
		if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
			t.Errorf("%q: stderr has a stack trace: %s", args, errs)
		}
	}
}

// validTorrent returns a well-formed single-file torrent of n pieces.
func validTorrent(name string, files string) []byte {
	pieces := strings.Repeat("x", 20)
	if files == "" {
		return fmt.Appendf(nil, "d8:announce22:http://127.0.0.1:1/ann4:infod6:lengthi100e4:name%d:%s12:piece lengthi16384e6:pieces20:%see", len(name), name, pieces)
	}
	return fmt.Appendf(nil, "d4:infod5:files%s4:name%d:%s12:piece lengthi16384e6:pieces20:%see", files, len(name), name, pieces)
}

func TestBadTorrents(t *testing.T) {
	valid := validTorrent("file.bin", "")
	deep := strings.Repeat("l", 100000) + strings.Repeat("e", 100000)
	cases := map[string][]byte{
		"empty":            {},
		"not bencode":      []byte("<html>this is not a torrent</html>"),
		"truncated":        valid[:len(valid)/2],
		"trailing garbage": append(append([]byte(nil), valid...), "xyz"...),
		"mistyped info":    []byte("d4:infoli1ei2eee"),
		"mistyped length":  []byte("d4:infod6:length3:abc4:name1:a12:piece lengthi16384e6:pieces20:xxxxxxxxxxxxxxxxxxxxee"),
		"deeply nested":    []byte("d4:info" + deep + "e"),
		"huge length":      []byte("d4:info99999999999999:abc"),
		"leading zero":     []byte("d4:infod6:lengthi0100e4:name1:a12:piece lengthi16384e6:pieces20:xxxxxxxxxxxxxxxxxxxxee"),
		"zero piece len":   []byte("d4:infod6:lengthi100e4:name1:a12:piece lengthi0e6:pieces20:xxxxxxxxxxxxxxxxxxxxee"),
		"hash mismatch":    []byte("d4:infod6:lengthi100000e4:name1:a12:piece lengthi16384e6:pieces20:xxxxxxxxxxxxxxxxxxxxee"),
		"dotdot path":      validTorrent("top", "ld6:lengthi100e4:pathl2:..6:escapeeee"),
		"absolute name":    validTorrent("/etc", "ld6:lengthi100e4:pathl6:passwdeee"),
		"dotdot name":      validTorrent("..", ""),
		"slash in element": validTorrent("top", "ld6:lengthi100e4:pathl8:a/../../eeee"),
		"empty element":    validTorrent("top", "ld6:lengthi100e4:pathl0:1:beee"),
		"nul byte":         validTorrent("a\x00b", ""),
		"drive letter":     validTorrent("top", "ld6:lengthi100e4:pathl2:C:1:beee"),
		"backslash":        validTorrent("top", "ld6:lengthi100e4:pathl9:..\\..\\wineee"),
	}
	dir := t.TempDir()
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".torrent")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range [][]string{{"inspect", path}, {"get", path, "-o", filepath.Join(dir, "out"), "--port", "0"}} {
				code, _, errs := runCLI(t, cmd...)
				if code != 1 {
					t.Errorf("%s: exit %d, want 1; stderr %q", cmd[0], code, errs)
				}
				lines := strings.Split(strings.TrimSpace(errs), "\n")
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "shoal "+cmd[0]+": ") {
					t.Errorf("%s: want one error line, got %q", cmd[0], errs)
				}
			}
		})
	}
	// Nothing was written outside the output folder.
	if _, err := os.Stat(filepath.Join(dir, "escape")); err == nil {
		t.Fatal("a file escaped the download folder")
	}
}

func TestCreateInspect(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "album")
	if err := os.MkdirAll(filepath.Join(src, "sub", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]int{"a.bin": 100000, "sub/b.bin": 33333, "sub/deeper/c.txt": 5}
	for name, size := range files {
		if err := os.WriteFile(filepath.Join(src, name), bytes.Repeat([]byte{byte(size)}, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "album.torrent")
	code, stdout, errs := runCLI(t, "create", src, "-o", out, "--tracker", "http://127.0.0.1:1/announce", "--tracker", "udp://127.0.0.1:2", "--comment", "hello", "--private", "--piece-length", "16K", "--quiet")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "magnet:?xt=urn:btih:") {
		t.Fatalf("create output lacks the magnet link: %s", stdout)
	}
	code, stdout, errs = runCLI(t, "inspect", out)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errs)
	}
	for _, want := range []string{"name:          album", "private:       true", "comment:       hello", "tier 0  http://127.0.0.1:1/announce", "tier 1  udp://127.0.0.1:2", "album/sub/deeper/c.txt", "files:         3", "pieces:        9 of 16.0 KiB"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestParseSize(t *testing.T) {
	cases := map[string]int64{"262144": 262144, "256K": 256 << 10, "256KiB": 256 << 10, "4M": 4 << 20, "1G": 1 << 30, "1.5M": 3 << 19, "10MB/s": 10 << 20}
	for in, want := range cases {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "-1", "1X"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) succeeded", bad)
		}
	}
}
