package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
)

const fastGet = "GET /announce?info_hash=x&port=1 HTTP/1.1\r\nHost: t\r\n\r\n"

func TestParseFastHead(t *testing.T) {
	tests := []struct {
		name, head string
		err        error
		want       fastHead
	}{
		{"announce", fastGet, nil, fastHead{rawQuery: "info_hash=x&port=1", length: len(fastGet)}},
		{"scrape no query", "GET /scrape HTTP/1.1\r\nHost: t\r\n\r\n", nil, fastHead{scrape: true, length: 33}},
		{"close and forwarded", "GET /announce?a=1 HTTP/1.1\r\nhost: t\r\nX-Forwarded-For: 1.2.3.4, 5.6.7.8\r\nx-forwarded-for:9.9.9.9\r\nConnection: Close\r\n\r\n", nil,
			fastHead{rawQuery: "a=1", forwarded: []string{"1.2.3.4, 5.6.7.8", "9.9.9.9"}, close: true, length: 118}},
		{"http/1.0 closes", "GET /announce HTTP/1.0\r\n\r\n", nil, fastHead{close: true, length: 26}},
		{"http/1.0 keep-alive", "GET /announce HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", nil, fastHead{http10: true, length: 50}},
		{"content-length 0", "GET /scrape HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", nil, fastHead{scrape: true, length: 52}},
		{"incomplete", "GET /announce HTTP/1.1\r\nHost: t\r\n", errHeadIncomplete, fastHead{}},
		{"empty", "", errHeadIncomplete, fastHead{}},
		{"post", "POST /announce HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"head", "HEAD /announce HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"status page", "GET / HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"metrics", "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"other path", "GET /announce/x HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"absolute form", "GET http://t/announce HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"http/2", "GET /announce HTTP/2.0\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"no host", "GET /announce HTTP/1.1\r\n\r\n", errNotFast, fastHead{}},
		{"two hosts", "GET /announce HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", errNotFast, fastHead{}},
		{"body", "GET /announce HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", errNotFast, fastHead{}},
		{"chunked", "GET /announce HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", errNotFast, fastHead{}},
		{"folded header", "GET /announce HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", errNotFast, fastHead{}},
		{"bad header name", "GET /announce HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n", errNotFast, fastHead{}},
		{"bare LF", "GET /announce HTTP/1.1\nHost: t\n\n", errNotFast, fastHead{}},
		{"LF inside", "GET /announce HTTP/1.1\r\nHost: t\nX: y\r\n\r\n", errNotFast, fastHead{}},
		{"space in target", "GET /announce?a b HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"too long", "GET /announce?" + strings.Repeat("a", fastHeadMax) + " HTTP/1.1\r\nHost: t\r\n\r\n", errNotFast, fastHead{}},
		{"too long, incomplete", "GET /announce?" + strings.Repeat("a", fastHeadMax), errNotFast, fastHead{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFastHead([]byte(tt.head), nil)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if got.scrape != tt.want.scrape || got.rawQuery != tt.want.rawQuery || got.close != tt.want.close ||
				got.http10 != tt.want.http10 || got.length != tt.want.length || strings.Join(got.forwarded, "|") != strings.Join(tt.want.forwarded, "|") {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseFastHead(f *testing.F) {
	f.Add([]byte(fastGet))
	f.Add([]byte("GET /scrape?info_hash=a&info_hash=b HTTP/1.0\r\nConnection: keep-alive\r\nX-Forwarded-For: 1.2.3.4\r\n\r\nGET /"))
	f.Add([]byte("GET /announce HTTP/1.1\r\nHost: t\r\nConnection: close, upgrade\r\nContent-Length: 0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseFastHead(b, nil)
		if err != nil {
			if !errors.Is(err, errNotFast) && !errors.Is(err, errHeadIncomplete) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if h.length < 4 || h.length > len(b) || h.length > fastHeadMax || string(b[h.length-4:h.length]) != "\r\n\r\n" {
			t.Fatalf("head length %d of %d bytes", h.length, len(b))
		}
		if h.close && h.http10 {
			t.Fatal("close and keep-alive")
		}
		// Every truncated prefix of a complete head is incomplete.
		for i := range h.length {
			if _, err := parseFastHead(b[:i], nil); err == nil {
				t.Fatalf("prefix of %d bytes parsed", i)
			}
		}
	})
}

// TestFastHTTPConnection sends pipelined tracker requests, then requests
// only net/http serves, on one connection: every reply comes back in order,
// and the connection moves to net/http without losing bytes.
func TestFastHTTPConnection(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	c, err := net.Dial("tcp", s.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	h1 := ih(1)
	q := announceValues(h1, peerID(1), 6881, 5).Encode()
	reqs := "GET /announce?" + q + " HTTP/1.1\r\nHost: t\r\n\r\n" +
		"GET /scrape?info_hash=" + url.QueryEscape(string(h1[:])) + " HTTP/1.1\r\nHost: t\r\n\r\n" +
		"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n" +
		"GET /announce?" + q + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, reqs); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i, want := range []string{"d8:complete", "d5:files", "# HELP", "d8:complete"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("response %d: %v %d %.40q", i, err, resp.StatusCode, body)
		}
		if i < 2 && (resp.Header.Get("Date") == "" || resp.Header.Get("Content-Type") != "text/plain") {
			t.Errorf("response %d headers %v", i, resp.Header)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close: %v, want EOF", err)
	}
}

// TestFastHTTPClose checks that Close ends idle fast-path connections.
func TestFastHTTPClose(t *testing.T) {
	s, err := New(Config{HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /scrape HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("idle connection after Close: %v, want EOF", err)
	}
}

// TestHTTPNewConnections announces on a new connection each time, from
// several clients at once, so that connections queue up and are answered
// straight after accepting them, and over goroutines only.
func TestHTTPNewConnections(t *testing.T) {
	for _, noDirect := range []bool{false, true} {
		t.Run(fmt.Sprintf("noDirect=%v", noDirect), func(t *testing.T) {
			s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", httpNoDirect: noDirect})
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			defer client.CloseIdleConnections()
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := range 50 {
						resp, err := client.Get(announceURLFor(s, announceValues(ih(1), peerID(w*100+i), 6000+w*100+i, 1)))
						if err != nil {
							t.Error(err)
							return
						}
						d := decodeResponse(t, resp)
						resp.Body.Close()
						if failureReason(d) != "" || !resp.Close {
							t.Errorf("reply %v, headers %v", d, resp.Header)
							return
						}
					}
				})
			}
			wg.Wait()
			if st := s.reg.Scrape([]bt.InfoHash{ih(1)}, nil); st[0].Leechers != 400 {
				t.Errorf("%d leechers, want 400", st[0].Leechers)
			}
		})
	}
}

// TestHTTPSlowFirstBytes connects and stays silent for longer than the
// listener's accept deferral, then sends a request in two parts: the
// connection is still accepted and answered.
func TestHTTPSlowFirstBytes(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	c, err := net.Dial("tcp", s.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	time.Sleep(1500 * time.Millisecond)
	req := "GET /announce?" + announceValues(ih(1), peerID(1), 6881, 5).Encode() + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
	for _, part := range []string{req[:20], req[20:]} {
		if _, err := io.WriteString(c, part); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.Contains(string(body), "d8:complete") {
		t.Fatalf("reply %v %.40q", err, body)
	}
}
