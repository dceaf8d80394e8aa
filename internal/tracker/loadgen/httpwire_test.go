package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestAppendHTTPAnnounce(t *testing.T) {
	p, _ := NewPopulation(4, 100)
	pe := p.Peer(13)
	tests := []struct {
		path      string
		event     string
		closeConn bool
		wantPath  string
	}{
		{"/announce", "", false, "/announce"},
		{"/announce?passkey=x", "started", true, "/announce"},
	}
	for _, tt := range tests {
		tg := httpTarget{host: "127.0.0.1:6969", path: tt.path}
		req := string(appendHTTPAnnounce(nil, tg, p.escaped[pe.Torrent], &pe, tt.event, 50, tt.closeConn))
		line, rest, _ := strings.Cut(req, "\r\n")
		target, ok := strings.CutPrefix(line, "GET ")
		target, ok2 := strings.CutSuffix(target, " HTTP/1.1")
		if !ok || !ok2 {
			t.Fatalf("request line %q", line)
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		h := p.InfoHash(pe.Torrent)
		want := map[string]string{
			"info_hash": string(h[:]), "peer_id": string(pe.ID[:]), "port": "1027",
			"left": "1073741824", "numwant": "50", "compact": "1", "event": tt.event,
		}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		if u.Path != tt.wantPath || (strings.Contains(tt.path, "passkey") && q.Get("passkey") != "x") {
			t.Errorf("target %q", target)
		}
		if !strings.HasPrefix(rest, "Host: 127.0.0.1:6969\r\n") || !strings.HasSuffix(rest, "\r\n\r\n") ||
			strings.Contains(rest, "Connection: close") != tt.closeConn {
			t.Errorf("headers %q", rest)
		}
	}
}

func TestReadHTTPResponse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status int
		body   string
		close  bool
		err    error
	}{
		{"keep-alive", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcNEXT", 200, "abc", false, nil},
		{"close header", "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nab", 200, "ab", true, nil},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na", 200, "a", true, nil},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na", 200, "a", false, nil},
		{"bare LF", "HTTP/1.1 404 Not Found\nContent-Length: 0\n\n", 404, "", false, nil},
		{"to EOF", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 200, "until the end", true, nil},
		{"nothing", "", 0, "", false, errNoResponse},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "", false, errChunked},
		{"long", "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n", 200, "", false, errBodyLong},
		{"long to EOF", "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("x", maxBodyLen+1), 200, "", false, errBodyLong},
		{"bad status", "HTTP/2 200 OK\r\n\r\n", 0, "", false, errHTTPSyntax},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 200, "", false, errHTTPSyntax},
		{"no colon", "HTTP/1.1 200 OK\r\nfoo\r\n\r\n", 200, "", false, errHTTPSyntax},
		{"long line", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", maxLineLen) + "\r\n\r\n", 200, "", false, errHTTPSyntax},
		{"many headers", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: y\r\n", maxHeaderLines+1) + "\r\n", 200, "", false, errHTTPSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), maxLineLen)
			r, err := readHTTPResponse(br, nil)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.status != tt.status || string(r.body) != tt.body || r.close != tt.close {
				t.Errorf("got status %d body %q close %v", r.status, r.body, r.close)
			}
		})
	}
}

// Every truncated prefix of a response fails, except a prefix that ends
// inside a body without length (such a body legitimately ends at EOF).
func TestReadHTTPResponseTruncated(t *testing.T) {
	full := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nd5:peers0:e"
	full = full[:len(full)-1] // "d5:peers0:" is 10 bytes
	for n := range len(full) {
		br := bufio.NewReaderSize(strings.NewReader(full[:n]), maxLineLen)
		if _, err := readHTTPResponse(br, nil); err == nil {
			t.Errorf("prefix of %d bytes accepted", n)
		}
	}
	br := bufio.NewReaderSize(strings.NewReader(full), maxLineLen)
	if _, err := readHTTPResponse(br, nil); err != nil {
		t.Errorf("full response: %v", err)
	}
}

func FuzzReadHTTPResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nabc"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(in), maxLineLen)
		r, err := readHTTPResponse(br, make([]byte, 0, 16))
		if err == nil && len(r.body) > maxBodyLen {
			t.Fatalf("body of %d bytes", len(r.body))
		}
	})
}
