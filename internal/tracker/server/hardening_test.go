package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzHTTPRequest sends arbitrary queries through the whole HTTP handler,
// with the allow-list and rate limit on: every answer to /announce and
// /scrape is a 200 with a bencoded dictionary, never a 500 or a panic.
func FuzzHTTPRequest(f *testing.F) {
	h := ih(1)
	f.Add(false, "GET", announceValues(h, peerID(1), 6881, 0).Encode())
	f.Add(true, "GET", "info_hash="+url.QueryEscape(string(h[:])))
	f.Add(false, "POST", "info_hash=%zz&port=0")
	f.Add(false, "GET", "info_hash=%41&peer_id=&port=99999&ip=::1&numwant=-5")
	f.Add(true, "HEAD", "info_hash=a&info_hash=%")
	f.Add(false, "GET", "&&&===")
	s, err := New(Config{Now: func() time.Time { return t0 }, AllowList: true, RateLimit: 1e9})
	if err != nil {
		f.Fatal(err)
	}
	m, _ := makeTorrent(f, "fuzz", 1)
	if _, err := s.Register(m); err != nil {
		f.Fatal(err)
	}
	handler := s.Handler()
	f.Fuzz(func(t *testing.T, scrape bool, method, raw string) {
		if method != "GET" && method != "POST" && method != "HEAD" && method != "PUT" {
			method = "GET"
		}
		path := "/announce"
		if scrape {
			path = "/scrape"
		}
		req := httptest.NewRequest(method, path, nil)
		req.URL.RawQuery = raw
		req.RemoteAddr = "192.0.2.1:4000"
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s?%q: status %d", method, path, raw, w.Code)
		}
		v, err := decodeBencode(w.Body.Bytes())
		if err != nil {
			t.Fatalf("%s %s?%q: body %q: %v", method, path, raw, w.Body.Bytes(), err)
		}
		if _, ok := v.(map[string]any); !ok {
			t.Fatalf("%s %s?%q: body %q is not a dictionary", method, path, raw, w.Body.Bytes())
		}
	})
}

// TestHTTPLimitsInPlace pins the HTTP server's protective settings.
func TestHTTPLimitsInPlace(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	srv := s.httpSrv
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("read header timeout %v", srv.ReadHeaderTimeout)
	}
	if srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("timeouts: read %v, write %v, idle %v", srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("max header bytes %d", srv.MaxHeaderBytes)
	}
	// A tracker request with a body has it cut at maxBodyBytes.
	req := httptest.NewRequest("GET", "/announce", io.LimitReader(zeros{}, 10*maxBodyBytes))
	req.RemoteAddr = "127.0.0.1:1"
	var seen int
	s.guard(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			seen += n
			if err != nil {
				return
			}
		}
	})).ServeHTTP(httptest.NewRecorder(), req)
	if seen > maxBodyBytes {
		t.Errorf("handler read %d body bytes, limit %d", seen, maxBodyBytes)
	}
}
