package service

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pipe(t *testing.T, s *Server) *Client {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(b, "test")
		b.Close()
	}()
	t.Cleanup(func() { a.Close(); <-done })
	return NewClient(a)
}

func TestMessage(t *testing.T) {
	c := pipe(t, &Server{})
	for _, in := range []string{"hello", "Grüße", ""} {
		got, err := c.Message(in)
		if err != nil {
			t.Fatal(err)
		}
		if got != strings.ToUpper(in) {
			t.Errorf("reply %q to %q", got, in)
		}
	}
}

func TestSendFile(t *testing.T) {
	dir := t.TempDir()
	c := pipe(t, &Server{Dir: dir, MaxFileSize: 1 << 20})
	data := bytes.Repeat([]byte("shoal "), 50000)
	if _, err := c.SendFile("a.txt", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a.txt"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored file differs: %v", err)
	}
	tests := []struct {
		name, file string
		size       int
	}{
		{"exists", "a.txt", 10},
		{"escapes", "../x", 10},
		{"dot dot", "..", 10},
		{"too large", "big", 2 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendFile(tt.file, bytes.NewReader(make([]byte, tt.size)), int64(tt.size))
			if !errors.Is(err, ErrRefused) {
				t.Errorf("got %v, want refused", err)
			}
		})
	}
	// The stream is still in sync.
	if got, err := c.Message("still here"); err != nil || got != "STILL HERE" {
		t.Errorf("after refusals: %q %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(entries))
	}
}

func TestTruncatedFramesFail(t *testing.T) {
	b := AppendFrame(nil, Frame{Kind: KindMessage, Seq: 3, Payload: []byte("hi")})
	for n := range len(b) {
		if _, err := ReadFrame(bytes.NewReader(b[:n])); err == nil {
			t.Errorf("prefix of %d bytes parsed", n)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(AppendFrame(nil, Frame{Kind: KindMessage, Seq: 1, Payload: []byte("x")}))
	f.Add(AppendFrame(nil, Frame{Kind: KindFile, Seq: 2, Payload: fileHeader(5, "f")}))
	f.Add(AppendFrame(nil, Frame{Kind: KindReceipt, Seq: 2, Payload: Receipt{Size: 1}.payload()}))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ReadFrame(bytes.NewReader(b))
		if err != nil {
			return
		}
		out := AppendFrame(nil, fr)
		if !bytes.Equal(out, b[:len(out)]) {
			t.Fatalf("re-encoded %x from %x", out, b)
		}
		if fr.Kind == KindFile {
			parseFileHeader(fr.Payload)
		}
		if fr.Kind == KindReceipt {
			parseReceipt(fr.Payload)
		}
	})
}
