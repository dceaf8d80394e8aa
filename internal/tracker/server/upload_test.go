package server

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upload posts body to s's upload endpoint with the given headers and
// returns the status code and body.
func upload(t *testing.T, c *http.Client, s *Server, body io.Reader, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", statusURL(s)+"torrents", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-bittorrent")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestUpload(t *testing.T) {
	dir := t.TempDir()
	const token = "s3cret-token"
	cfg := Config{HTTPAddr: "127.0.0.1:0", TorrentDir: dir, AllowList: true, AllowUpload: true, UploadToken: token}
	s := startServer(t, cfg)
	auth := map[string]string{"Authorization": "Bearer " + token}
	m, data := makeTorrent(t, "uploaded <b>name<b>", 1)

	// Before the upload, the torrent is not answered.
	if d := get(t, announceURLFor(s, announceValues(m.InfoHash, peerID(1), 6881, 0))); failureReason(d) != reasonUnregistered {
		t.Fatalf("announce before upload: %v", d)
	}
	code, body := upload(t, http.DefaultClient, s, bytes.NewReader(data), auth)
	if code != http.StatusCreated || body != hex.EncodeToString(m.InfoHash[:])+"\n" {
		t.Fatalf("upload: %d %q", code, body)
	}
	if code, _ := upload(t, http.DefaultClient, s, bytes.NewReader(data), auth); code != http.StatusOK {
		t.Errorf("second upload: %d, want 200", code)
	}
	if d := get(t, announceURLFor(s, announceValues(m.InfoHash, peerID(1), 6881, 0))); failureReason(d) != "" {
		t.Errorf("announce after upload: %v", d)
	}
	if page := fetchStatus(t, s); !strings.Contains(page, "uploaded &lt;b&gt;name&lt;b&gt;") {
		t.Errorf("status page lacks the uploaded name:\n%s", page)
	}
	saved, err := os.ReadFile(filepath.Join(dir, hex.EncodeToString(m.InfoHash[:])+".torrent"))
	if err != nil || !bytes.Equal(saved, data) {
		t.Fatalf("saved torrent: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the torrent folder, want 1 (no temporary files left)", len(entries))
	}
	// A rescan keeps it; a restarted tracker on the same folder knows it.
	if err := s.Rescan(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.torrents.lookup(m.InfoHash); !ok {
		t.Error("rescan dropped the uploaded torrent")
	}
	again := startServer(t, cfg)
	if name, _ := again.torrents.lookup(m.InfoHash); name != "uploaded <b>name<b>" {
		t.Errorf("restarted tracker: name %q", name)
	}

	refused := []struct {
		name   string
		body   io.Reader
		header map[string]string
		code   int
	}{
		{"no token", bytes.NewReader(data), nil, http.StatusUnauthorized},
		{"wrong token", bytes.NewReader(data), map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"basic auth", bytes.NewReader(data), map[string]string{"Authorization": "Basic " + token}, http.StatusUnauthorized},
		{"browser", bytes.NewReader(data), map[string]string{"Authorization": "Bearer " + token, "Origin": "http://evil.example"}, http.StatusForbidden},
		{"garbage", strings.NewReader("this is not a torrent"), auth, http.StatusBadRequest},
		{"empty", strings.NewReader(""), auth, http.StatusBadRequest},
		{"truncated", bytes.NewReader(data[:len(data)/2]), auth, http.StatusBadRequest},
		{"oversized", bytes.NewReader(make([]byte, MaxUploadSize+1)), auth, http.StatusRequestEntityTooLarge},
		{"oversized, length unknown", io.LimitReader(zeros{}, MaxUploadSize+1), auth, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := upload(t, http.DefaultClient, s, tt.body, tt.header); code != tt.code {
				t.Errorf("status %d (%q), want %d", code, body, tt.code)
			}
		})
	}
	if n := s.torrents.len(); n != 1 {
		t.Errorf("%d torrents registered after refused uploads, want 1", n)
	}
	resp, err := http.Get(statusURL(s) + "torrents")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /torrents: %d", resp.StatusCode)
	}
}

// zeros is an endless reader of zero bytes; wrapped in a LimitReader it
// makes a request body of unknown length.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestUploadFromOtherAddressesRefused(t *testing.T) {
	// Default: loopback only. 127.0.0.2 is loopback too, so narrow it.
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", AllowUpload: true, UploadFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	_, data := makeTorrent(t, "x", 1)
	if code, _ := upload(t, clientFrom(t, "127.0.0.1"), s, bytes.NewReader(data), nil); code != http.StatusForbidden {
		t.Errorf("upload from an address not allowed: %d", code)
	}
	if code, _ := upload(t, clientFrom(t, "127.0.0.2"), s, bytes.NewReader(data), nil); code != http.StatusCreated {
		t.Errorf("upload from an allowed address without a token configured: %d", code)
	}
}

func TestUploadDefaults(t *testing.T) {
	_, data := makeTorrent(t, "x", 1)
	post := func(s *Server, remote string) int {
		req := httptest.NewRequest("POST", "/torrents", bytes.NewReader(data))
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		return w.Code
	}
	off, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if code := post(off, "127.0.0.1:1"); code != http.StatusNotFound {
		t.Errorf("upload without AllowUpload: %d", code)
	}
	on, err := New(Config{AllowUpload: true})
	if err != nil {
		t.Fatal(err)
	}
	if code := post(on, "203.0.113.9:1"); code != http.StatusForbidden {
		t.Errorf("upload from a public address by default: %d", code)
	}
	if code := post(on, "[::1]:1"); code != http.StatusCreated {
		t.Errorf("upload from ::1: %d", code)
	}
	// Without a TorrentDir it is kept in memory only.
	if n := on.torrents.len(); n != 1 {
		t.Errorf("%d registered", n)
	}
	if _, err := New(Config{AllowUpload: true, UploadFrom: []netip.Prefix{{}}}); err == nil {
		t.Error("invalid upload prefix accepted")
	}
}
