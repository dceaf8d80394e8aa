package server

import (
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"shoal/internal/bt"
)

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// get fetches u and decodes the bencoded body, which must come with 200.
func get(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return decodeResponse(t, resp)
}

func decodeResponse(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	v, err := decodeBencode(body)
	if err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("response %q is not a dictionary", body)
	}
	return d
}

func announceURLFor(s *Server, v url.Values) string { return s.AnnounceURL() + "?" + v.Encode() }

// compactPeers decodes a compact peer string of 6- or 18-byte entries.
func compactPeers(t *testing.T, v any, size int) []netip.AddrPort {
	t.Helper()
	s, ok := v.(string)
	if !ok || len(s)%size != 0 {
		t.Fatalf("compact peers %q", v)
	}
	var out []netip.AddrPort
	for i := 0; i < len(s); i += size {
		ip, _ := netip.AddrFromSlice([]byte(s[i : i+size-2]))
		port := uint16(s[i+size-2])<<8 | uint16(s[i+size-1])
		out = append(out, netip.AddrPortFrom(ip, port))
	}
	return out
}

func TestHTTPAnnounce(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", Interval: time.Minute, MinInterval: 30 * time.Second})
	h := ih(1)
	for i := range 3 {
		d := get(t, announceURLFor(s, announceValues(h, peerID(i), 7000+i, 100)))
		if _, bad := d["failure reason"]; bad {
			t.Fatalf("announce %d: %v", i, d)
		}
	}
	lo := netip.MustParseAddr("127.0.0.1")

	t.Run("compact", func(t *testing.T) {
		d := get(t, announceURLFor(s, announceValues(h, peerID(9), 7009, 0)))
		want := map[string]int64{"interval": 60, "min interval": 30, "complete": 1, "incomplete": 3, "downloaded": 0}
		for k, v := range want {
			if d[k] != v {
				t.Errorf("%s = %v, want %d", k, d[k], v)
			}
		}
		if id, _ := d["tracker id"].(string); id == "" {
			t.Errorf("no tracker id")
		}
		if _, ok := d["peers6"]; ok {
			t.Errorf("IPv4 announcer got peers6")
		}
		got := map[netip.AddrPort]bool{}
		for _, p := range compactPeers(t, d["peers"], 6) {
			got[p] = true
		}
		for i := range 3 {
			if !got[netip.AddrPortFrom(lo, uint16(7000+i))] {
				t.Errorf("peer %d missing from %v", i, got)
			}
		}
		if len(got) != 3 {
			t.Errorf("got %d peers, want 3 (never itself)", len(got))
		}
	})

	t.Run("dict", func(t *testing.T) {
		v := announceValues(h, peerID(0), 7000, 100)
		v.Set("compact", "0")
		d := get(t, announceURLFor(s, v))
		peers, ok := d["peers"].([]any)
		if !ok || len(peers) != 3 {
			t.Fatalf("peers = %#v", d["peers"])
		}
		seen := map[string]bool{}
		for _, p := range peers {
			pd := p.(map[string]any)
			if pd["ip"] != "127.0.0.1" {
				t.Errorf("ip %v", pd["ip"])
			}
			id, _ := pd["peer id"].(string)
			seen[id] = true
			if p0 := peerID(0); id == string(p0[:]) {
				t.Errorf("given itself")
			}
		}
		if p9 := peerID(9); !seen[string(p9[:])] {
			t.Errorf("seeder 9 missing: %v", seen)
		}
		v.Set("no_peer_id", "1")
		d = get(t, announceURLFor(s, v))
		for _, p := range d["peers"].([]any) {
			if _, ok := p.(map[string]any)["peer id"]; ok {
				t.Errorf("no_peer_id ignored")
			}
		}
	})

	t.Run("seeder gets no seeders", func(t *testing.T) {
		d := get(t, announceURLFor(s, announceValues(h, peerID(8), 7008, 0)))
		for _, p := range compactPeers(t, d["peers"], 6) {
			if p.Port() == 7009 {
				t.Errorf("seeder given seeder %v", p)
			}
		}
	})

	t.Run("completed and stopped", func(t *testing.T) {
		v := announceValues(h, peerID(0), 7000, 0)
		v.Set("event", "completed")
		get(t, announceURLFor(s, v))
		d := get(t, announceURLFor(s, v))
		if d["downloaded"] != int64(1) {
			t.Errorf("downloaded = %v, want 1", d["downloaded"])
		}
		v.Set("event", "stopped")
		d = get(t, announceURLFor(s, v))
		if d["complete"] != int64(2) || d["peers"] != "" {
			t.Errorf("after stop: %v", d)
		}
	})
}

func TestHTTPFailures(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	base := announceValues(ih(1), peerID(1), 6881, 0)
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q.Encode()
	}
	tests := []struct {
		name, method, query, want string
	}{
		{"missing info_hash", "GET", with("info_hash", ""), "missing info_hash"},
		{"garbage info_hash", "GET", with("info_hash", "not a hash"), "info_hash: want 20 bytes, got 10"},
		{"bad escape", "GET", "info_hash=%GG", "info_hash: bad percent escape"},
		{"port 0", "GET", with("port", "0"), "port: out of range"},
		{"no query", "GET", "", "missing info_hash"},
		{"post", "POST", base.Encode(), "method not allowed"},
		{"long query", "GET", base.Encode() + "&pad=" + strings.Repeat("x", MaxQueryLen), "query too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.AnnounceURL()+"?"+tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			d := decodeResponse(t, resp)
			if d["failure reason"] != tt.want {
				t.Errorf("failure reason %q, want %q", d["failure reason"], tt.want)
			}
		})
	}
	// Oversized headers are refused by the HTTP server itself.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.AnnounceURL(), nil)
	req.Header.Set("X-Pad", strings.Repeat("x", 2*maxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("huge header: status %d", resp.StatusCode)
		}
	}
}

func TestHTTPNumWant(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	h := ih(2)
	r := httptest.NewRecorder()
	for i := range 250 {
		req := httptest.NewRequest("GET", "/announce?"+announceValues(h, peerID(i), 1000+i, 5).Encode(), nil)
		req.RemoteAddr = "192.0.2.1:1234"
		s.Handler().ServeHTTP(r, req)
	}
	tests := []struct {
		numwant string
		want    int
	}{{"", DefaultNumWant}, {"0", 0}, {"7", 7}, {"-1", DefaultNumWant}, {"100000000000000000000", DefaultMaxNumWant}}
	for _, tt := range tests {
		v := announceValues(h, peerID(999), 999, 5)
		if tt.numwant != "" {
			v.Set("numwant", tt.numwant)
		}
		d := get(t, announceURLFor(s, v))
		if n := len(compactPeers(t, d["peers"], 6)); n != tt.want {
			t.Errorf("numwant %q: %d peers, want %d", tt.numwant, n, tt.want)
		}
	}
}

// serveAs runs a request through the handler as if it came from remote.
func serveAs(t *testing.T, s *Server, remote string, target string, header http.Header) map[string]any {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.RemoteAddr = remote
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return decodeResponse(t, w.Result())
}

func TestHTTPIPParam(t *testing.T) {
	h := ih(3)
	tests := []struct {
		name    string
		trusted []netip.Prefix
		header  http.Header
		want    netip.Addr
	}{
		{name: "untrusted", want: netip.MustParseAddr("127.0.0.1")},
		{name: "untrusted xff", header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}, want: netip.MustParseAddr("127.0.0.1")},
		{name: "trusted", trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, want: netip.MustParseAddr("203.0.113.5")},
		{name: "trusted xff", trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}, want: netip.MustParseAddr("198.51.100.1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{TrustedProxies: tt.trusted})
			if err != nil {
				t.Fatal(err)
			}
			v := announceValues(h, peerID(1), 6881, 5)
			v.Set("ip", "203.0.113.5")
			serveAs(t, s, "127.0.0.1:40000", "/announce?"+v.Encode(), tt.header)
			d := serveAs(t, s, "192.0.2.9:40000", "/announce?"+announceValues(h, peerID(2), 6882, 5).Encode(), nil)
			got := compactPeers(t, d["peers"], 6)
			if len(got) != 1 || got[0] != netip.AddrPortFrom(tt.want, 6881) {
				t.Errorf("peers %v, want %v:6881", got, tt.want)
			}
		})
	}
}

func TestHTTPPeers6(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := ih(4)
	serveAs(t, s, "[2001:db8::1]:5000", "/announce?"+announceValues(h, peerID(1), 6881, 5).Encode(), nil)
	serveAs(t, s, "192.0.2.1:5000", "/announce?"+announceValues(h, peerID(2), 6882, 5).Encode(), nil)
	d := serveAs(t, s, "[2001:db8::2]:5000", "/announce?"+announceValues(h, peerID(3), 6883, 5).Encode(), nil)
	if d["peers"] != "" {
		t.Errorf("IPv6 announcer got IPv4 peers %q", d["peers"])
	}
	got := compactPeers(t, d["peers6"], 18)
	if len(got) != 1 || got[0] != netip.MustParseAddrPort("[2001:db8::1]:6881") {
		t.Errorf("peers6 = %v", got)
	}
	if d["incomplete"] != int64(3) {
		t.Errorf("incomplete = %v, want 3 over both families", d["incomplete"])
	}
	v := announceValues(h, peerID(4), 6884, 5)
	v.Set("compact", "0")
	d = serveAs(t, s, "[2001:db8::3]:5000", "/announce?"+v.Encode(), nil)
	peers := d["peers"].([]any)
	for _, p := range peers {
		if ip := p.(map[string]any)["ip"]; !strings.Contains(ip.(string), ":") {
			t.Errorf("IPv6 dictionary peers hold %v", ip)
		}
	}
	if len(peers) != 2 {
		t.Errorf("%d dictionary peers, want 2", len(peers))
	}
}

func TestHTTPScrape(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	h1, h2, unknown := ih(5), ih(6), ih(7)
	get(t, announceURLFor(s, announceValues(h1, peerID(1), 6881, 0)))
	get(t, announceURLFor(s, announceValues(h1, peerID(2), 6882, 9)))
	v := announceValues(h2, peerID(3), 6883, 0)
	v.Set("event", "completed")
	get(t, announceURLFor(s, v))

	scrapeURL := strings.TrimSuffix(s.AnnounceURL(), "/announce") + "/scrape"
	q := url.Values{"info_hash": {string(h1[:]), string(h2[:]), string(unknown[:]), string(h1[:])}}
	d := get(t, scrapeURL+"?"+q.Encode())
	files, ok := d["files"].(map[string]any)
	if !ok || len(files) != 3 {
		t.Fatalf("files = %#v", d["files"])
	}
	want := map[bt.InfoHash][3]int64{h1: {1, 1, 0}, h2: {1, 0, 1}, unknown: {0, 0, 0}}
	for h, w := range want {
		f, _ := files[string(h[:])].(map[string]any)
		if f["complete"] != w[0] || f["incomplete"] != w[1] || f["downloaded"] != w[2] {
			t.Errorf("%v: %v, want %v", h, f, w)
		}
	}
	d = get(t, scrapeURL)
	if d["failure reason"] != "missing info_hash" {
		t.Errorf("empty scrape: %v", d)
	}
}

func TestStatusPage(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	h := ih(8)
	get(t, announceURLFor(s, announceValues(h, peerID(1), 6881, 0)))
	resp, err := http.Get(strings.TrimSuffix(s.AnnounceURL(), "announce"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{hex.EncodeToString(h[:]), "1 swarms, 1 peers: 1 seeders, 0 leechers"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("status page lacks %q:\n%s", want, body)
		}
	}
	resp, err = http.Get(strings.TrimSuffix(s.AnnounceURL(), "announce") + "nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: status %d", resp.StatusCode)
	}
}

func TestGuardRecovers(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("boom")) }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/announce", nil))
	d := decodeResponse(t, w.Result())
	if d["failure reason"] != "internal error" {
		t.Errorf("got %v", d)
	}
}

func TestAnnounceURL(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: ":0", UDPAddr: "127.0.0.1:0"})
	bound := s.HTTPAddr().String()
	if u := s.AnnounceURL(); !strings.HasPrefix(u, "http://") || !strings.HasSuffix(u, "/announce") || strings.Contains(u, "[::]") || strings.Contains(u, "0.0.0.0") {
		t.Errorf("AnnounceURL %q (bound %s)", u, bound)
	}
	if u := s.UDPAnnounceURL(); !strings.HasPrefix(u, "udp://127.0.0.1:") {
		t.Errorf("UDPAnnounceURL %q", u)
	}
	get(t, s.AnnounceURL()+"?"+announceValues(ih(1), peerID(1), 1, 1).Encode())
}
